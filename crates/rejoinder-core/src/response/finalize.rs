//! Turning the response into what goes on the wire.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode, Version};

use super::Response;
use crate::body::wire::ResBody;
use crate::body::{Body, JsonBody};
use crate::status;

#[doc(hidden)]
/// The result of [`Response::finalize`]: the `http` response and the reason
/// phrase to send when it differs from the `http` crate's canonical one.
#[derive(Debug)]
pub struct Finalized {
    /// What goes on the wire.
    pub response: http::Response<ResBody>,
    /// A reason phrase other than [`StatusCode::canonical_reason`] (HTTP/1).
    pub reason: Option<Cow<'static, str>>,
}

impl Response {
    #[doc(hidden)]
    /// Turns the response into what goes on the wire, applying the finalize
    /// rules: inferred Content-Type and Content-Length, the default body of
    /// a response without one (its status message), no body for HEAD and for
    /// 204/205/304 (which also lose their content headers), and the reason
    /// phrase.
    ///
    /// Afterwards [`headers_sent`](Self::headers_sent) is true and the
    /// response is empty.
    pub fn finalize(&mut self, method: &Method, version: Version) -> Finalized {
        self.headers_sent = true;
        let mut body = self.body.take();
        if let Some(Body::Json(JsonBody::Failed(e))) = &body {
            tracing::error!(error = %e, "JSON body failed to serialize; sending 500");
            self.status = StatusCode::INTERNAL_SERVER_ERROR;
            self.message = None;
            self.strip_content_headers();
            body = None;
        }
        let code = self.status.as_u16();
        let wire = if status::is_empty(code) {
            self.headers.remove(header::CONTENT_TYPE);
            self.drop_length();
            ResBody::empty()
        } else if method == Method::HEAD {
            if let Some(b) = &body {
                if !self.headers.contains_key(header::CONTENT_LENGTH) {
                    if let Some(n) = b.len() {
                        self.headers
                            .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
                    }
                }
                self.infer_content_type(b);
            }
            ResBody::empty()
        } else {
            match body {
                None => {
                    let text = match (version, &self.message) {
                        (Version::HTTP_2 | Version::HTTP_3, _) => Bytes::from(code.to_string()),
                        (_, Some(m)) => Bytes::from(m.to_string()),
                        (_, None) => status::reason(code).map_or_else(
                            || Bytes::from(code.to_string()),
                            |r| Bytes::from_static(r.as_bytes()),
                        ),
                    };
                    self.headers.insert(header::CONTENT_TYPE, TEXT_PLAIN);
                    self.drop_length();
                    ResBody::full(text)
                }
                Some(b) => {
                    // The connection frames every body but a stream
                    // itself: a Content-Length set by hand goes first,
                    // while the map may still be empty (no lookup then).
                    if !matches!(b, Body::Stream(_) | Body::Relay(_)) {
                        self.drop_length();
                    }
                    self.infer_content_type(&b);
                    self.wire_body(b)
                }
            }
        };
        let wire = match self.take_trailers().filter(|t| !t.is_empty()) {
            Some(trailers) if !status::is_empty(code) && method != Method::HEAD => {
                if let Some(v) = trailers.declaration() {
                    self.headers.insert(header::TRAILER, v);
                }
                self.drop_length();
                wire.with_trailers(Box::pin(trailers.resolve()))
            }
            _ => wire,
        };
        let reason = self.wire_reason();
        let mut response = http::Response::new(wire);
        *response.status_mut() = self.status;
        *response.version_mut() = Version::HTTP_11;
        // Swapped, not assigned: the new response's empty map is not
        // dropped here (this response is dropped empty anyway).
        std::mem::swap(response.headers_mut(), &mut self.headers);
        Finalized { response, reason }
    }

    pub(crate) fn infer_content_type(&mut self, body: &Body) {
        if self.infer_type {
            if let Some(ct) = body.default_content_type_value() {
                if self.headers.is_empty() {
                    // Nothing to look for: a plain insert, no entry.
                    self.headers.insert(header::CONTENT_TYPE, ct);
                } else if let header::Entry::Vacant(slot) = self.headers.entry(header::CONTENT_TYPE)
                {
                    // One lookup: insert only when the handler set none.
                    slot.insert(ct);
                }
            }
        }
    }

    pub(crate) fn wire_body(&mut self, body: Body) -> ResBody {
        let bytes = match body {
            Body::Empty => Bytes::new(),
            Body::Text(t) | Body::Html(t) => t.into_bytes(),
            Body::Bytes(b) => b,
            Body::Json(j) => match j.into_bytes() {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "JSON body failed to serialize");
                    Bytes::new()
                }
            },
            Body::Stream(s) => return ResBody::stream(s),
            Body::Relay(r) => return ResBody::relay(r),
            // A file read whole when opened goes out as one buffer, like
            // any other (no stream to box and poll).
            #[cfg(feature = "fs")]
            Body::File(f) if f.is_preloaded() => f.preloaded_bytes().unwrap_or_default(),
            #[cfg(feature = "fs")]
            Body::File(f) => {
                let len = f.len();
                return ResBody::file(f.into_stream(), len);
            }
        };
        // The connection writes the exact Content-Length of a full body
        // (`finalize` dropped any set by hand).
        ResBody::full(bytes)
    }

    pub(crate) fn wire_reason(&self) -> Option<Cow<'static, str>> {
        match &self.message {
            Some(m) if Some(m.as_ref()) != self.status.canonical_reason() => Some(m.clone()),
            Some(_) => None,
            None => status::wire_reason(self.status).map(Cow::Borrowed),
        }
    }
}

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
