//! AdonisJS's response methods: `send` with its empty-body rule and ETags,
//! `safeStatus`/`safeHeader`, `finished`/`isPending`, `stream` with an
//! early-failure callback, `abort`, downloads, and one descriptive method
//! per status (see [`Descriptive`]).

use bytes::Bytes;
use http::header::{self, HeaderValue};
use std::convert::Infallible;

use http::StatusCode;

use crate::body::{Body, JsonBody};
use crate::header::{HeaderOutput, IntoHeaderName, IntoHeaderValues};
use crate::outcome::{Join, Outcome};
use crate::response::{IntoStatus, Source, StatusBy, StreamErrorHandler};
use crate::Abort;
use crate::Response;

mod descriptive;

#[cfg(feature = "fs")]
use crate::body::FileBody;
#[cfg(feature = "fs")]
use crate::content_disposition::{content_disposition, header_value, Disposition, Options};
#[cfg(feature = "fs")]
use crate::response::files::{file_error, FileErrorHandler};
pub use descriptive::Descriptive;
#[cfg(feature = "fs")]
use std::path::Path;

/// AdonisJS's response methods on a [`Response`]. Sealed; in scope through
/// the prelude.
pub trait AdonisResponse: crate::sealed::Sealed {
    /// Streams `stream` as the body (Adonis's `stream`). When it fails
    /// before its first chunk — while the headers are not sent yet —
    /// `on_error` decides the message and status of the answer instead; an
    /// error after that aborts the connection, so the client sees a
    /// truncated transfer.
    ///
    /// Without `on_error`, an early failure answers 500 with the status's
    /// reason phrase, and the cause is logged.
    fn stream<S, B, E>(&mut self, stream: S, on_error: Option<StreamErrorHandler>) -> &mut Self
    where
        S: futures_core::Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<crate::BoxError>;

    /// Sets the status only when none was set yet (Adonis `safeStatus`).
    ///
    /// # Errors
    ///
    /// As [`Response::set_status`].
    fn set_status_if_unset<S: IntoStatus>(
        &mut self,
        status: S,
    ) -> <S::Outcome as Outcome>::Output<'_>;

    /// Whether the response has been handed to the connection (finalized
    /// or flushed); Adonis's `finished`.
    fn finished(&self) -> bool;

    /// Whether the response is still being built; Adonis's `isPending`.
    fn is_pending(&self) -> bool;

    /// Sets a header only when it is absent (Adonis `safeHeader`).
    ///
    /// # Errors
    ///
    /// As [`Response::set`].
    fn set_if_absent<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>;

    /// Sends a body with Adonis's rules: an empty body (`""` or
    /// [`Body::Empty`]) makes an untouched status 204 and sends nothing; any
    /// other body is set as with [`set_body`](Response::set_body), except that a
    /// Content-Type already present is always kept. The last call wins.
    fn send(&mut self, body: impl Into<Body>) -> &mut Self;

    /// Sends a body with a strong ETag computed from its bytes (Adonis
    /// `send(body, true)`); a stream gets none.
    fn send_with_etag(&mut self, body: impl Into<Body>) -> &mut Self;

    /// Ends the request with `status` (400 when `None`) and `body`, sent
    /// with [`send`](Self::send)'s rules; headers already set are kept
    /// (Adonis's `abort`).
    ///
    /// # Errors
    ///
    /// Always: the `Abort` carries the finished response. An invalid
    /// status gives a 500 whose cause says why.
    fn abort(
        &mut self,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<Infallible, Abort>;

    /// [`abort`](Self::abort) when `condition` holds.
    ///
    /// # Errors
    ///
    /// When `condition` is true.
    fn abort_if(
        &mut self,
        condition: bool,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<(), Abort>;

    /// [`abort`](Self::abort) unless `condition` holds.
    ///
    /// # Errors
    ///
    /// When `condition` is false.
    fn abort_unless(
        &mut self,
        condition: bool,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<(), Abort>;

    #[cfg(feature = "fs")]
    /// Sends the file at `path`, streamed from disk: Content-Type from the
    /// extension (unless one is set), Content-Length and Last-Modified.
    /// Conditional requests and ranges are answered when the response is
    /// finalized.
    ///
    /// # Errors
    ///
    /// A missing file is a 404 "File not found", any other failure a 500
    /// "Cannot process file" (the cause is logged); the `Abort` carries
    /// that response.
    fn download(
        &mut self,
        path: impl AsRef<Path> + Send,
    ) -> impl std::future::Future<Output = Result<&mut Self, Abort>> + Send;

    #[cfg(feature = "fs")]
    /// [`download`](Self::download) with a weak ETag from size and mtime.
    ///
    /// # Errors
    ///
    /// As [`download`](Self::download).
    fn download_with_etag(
        &mut self,
        path: impl AsRef<Path> + Send,
    ) -> impl std::future::Future<Output = Result<&mut Self, Abort>> + Send;

    #[cfg(feature = "fs")]
    /// [`download`](Self::download), where `on_error` decides the message and
    /// status for a file that cannot be sent (Adonis's
    /// `(error) => [message, status]`).
    ///
    /// # Errors
    ///
    /// The file cannot be sent.
    fn download_or(
        &mut self,
        path: impl AsRef<Path> + Send,
        on_error: Option<&FileErrorHandler>,
    ) -> impl std::future::Future<Output = Result<&mut Self, Abort>> + Send;

    #[cfg(feature = "fs")]
    /// Sends the file as an attachment named `name` (the file's own name
    /// when `None`) with the given disposition (Adonis's
    /// `attachment(path, name, disposition)`).
    ///
    /// # Errors
    ///
    /// As [`download`](Self::download); an invalid disposition type is a 500.
    fn attachment_file(
        &mut self,
        path: impl AsRef<Path> + Send,
        name: Option<&str>,
        disposition: Disposition,
    ) -> impl std::future::Future<Output = Result<&mut Self, Abort>> + Send;
}

impl AdonisResponse for Response {
    fn stream<S, B, E>(&mut self, stream: S, on_error: Option<StreamErrorHandler>) -> &mut Self
    where
        S: futures_core::Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<crate::BoxError>,
    {
        self.rare_mut().stream_error = Some(on_error.unwrap_or_else(|| {
            std::sync::Arc::new(|_: &crate::BoxError| ("Internal Server Error".to_owned(), 500))
        }));
        self.set_body(Body::stream(stream))
    }

    fn set_status_if_unset<S: IntoStatus>(
        &mut self,
        status: S,
    ) -> <S::Outcome as Outcome>::Output<'_> {
        let result = self.check_open().and_then(|()| status.into_status());
        let result = result.map(|code| {
            if self.status_by == StatusBy::Default {
                self.apply_status(code);
            }
        });
        S::Outcome::finish(self, result)
    }

    fn finished(&self) -> bool {
        self.headers_sent
    }

    fn is_pending(&self) -> bool {
        !self.headers_sent
    }

    fn set_if_absent<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>,
    {
        let result = self.checked_pair(name, value).map(|(name, values)| {
            if !self.headers.contains_key(&name) {
                self.touched(&name);
                for v in values {
                    self.headers.append(name.clone(), v);
                }
            }
        });
        <N::Outcome as Join<V::Outcome>>::Both::finish(self, result)
    }

    fn send(&mut self, body: impl Into<Body>) -> &mut Self {
        let body = body.into();
        let empty = match &body {
            Body::Empty => true,
            Body::Text(t) | Body::Html(t) => t.is_empty(),
            _ => false,
        };
        if empty {
            if self.status_by == StatusBy::Default {
                self.apply_status(StatusCode::NO_CONTENT);
                self.status_by = StatusBy::Body;
            }
            self.strip_content_headers();
            self.body = Some(Body::Empty);
            return self;
        }
        let has_type = !self.headers.is_empty() && self.headers.contains_key(header::CONTENT_TYPE);
        if self.status_by == StatusBy::Default {
            self.status = StatusCode::OK;
            self.status_by = StatusBy::Body;
            self.message = None;
        }
        self.drop_length();
        self.infer_type = !has_type;
        self.body = Some(body);
        self
    }

    fn send_with_etag(&mut self, body: impl Into<Body>) -> &mut Self {
        let mut body = body.into();
        // A JSON value is serialized here, once: the tag hashes the bytes
        // that will be sent, and finalize sends them as they are.
        if let Body::Json(j @ JsonBody::Value(_)) = &mut body {
            let value = std::mem::replace(j, JsonBody::Failed(String::new()));
            *j = match value.into_bytes() {
                Ok(bytes) => JsonBody::Serialized(bytes),
                Err(e) => JsonBody::Failed(e),
            };
        }
        let tag = match &body {
            Body::Text(t) | Body::Html(t) => Some(crate::etag::etag(t.as_bytes(), false)),
            Body::Bytes(b) | Body::Json(JsonBody::Serialized(b)) => {
                Some(crate::etag::etag(b, false))
            }
            #[cfg(feature = "fs")]
            Body::File(f) => Some(f.weak_etag()),
            Body::Json(_) | Body::Empty | Body::Stream(_) | Body::Relay(_) => None,
        };
        if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
            self.headers.insert(header::ETAG, tag);
        }
        self.send(body)
    }

    fn abort(
        &mut self,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<Infallible, Abort> {
        let code = status.into().unwrap_or(400);
        let mut res = std::mem::take(self);
        if let Err(e) = res.set_status(code) {
            return Err(e.into());
        }
        res.send(body);
        res.set_source(Source::Error);
        Err(Abort::new(res))
    }

    fn abort_if(
        &mut self,
        condition: bool,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<(), Abort> {
        if condition {
            self.abort(body, status)?;
        }
        Ok(())
    }

    fn abort_unless(
        &mut self,
        condition: bool,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<(), Abort> {
        self.abort_if(!condition, body, status)
    }

    #[cfg(feature = "fs")]
    async fn download(&mut self, path: impl AsRef<Path> + Send) -> Result<&mut Self, Abort> {
        self.download_or(path, None).await
    }

    #[cfg(feature = "fs")]
    async fn download_with_etag(
        &mut self,
        path: impl AsRef<Path> + Send,
    ) -> Result<&mut Self, Abort> {
        let res = self.download_or(path, None).await?;
        if let Some(Body::File(f)) = res.body() {
            if let Ok(v) = HeaderValue::from_str(&f.weak_etag()) {
                res.headers_mut().insert(header::ETAG, v);
            }
        }
        Ok(res)
    }

    #[cfg(feature = "fs")]
    async fn download_or(
        &mut self,
        path: impl AsRef<Path> + Send,
        on_error: Option<&FileErrorHandler>,
    ) -> Result<&mut Self, Abort> {
        let file = FileBody::open(path)
            .await
            .map_err(|e| file_error(&e, on_error))?;
        Ok(self.send_file(file))
    }

    #[cfg(feature = "fs")]
    async fn attachment_file(
        &mut self,
        path: impl AsRef<Path> + Send,
        name: Option<&str>,
        disposition: Disposition,
    ) -> Result<&mut Self, Abort> {
        let path = path.as_ref();
        let name = name
            .map(str::to_owned)
            .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()));
        let options = Options {
            disposition,
            ..Options::default()
        };
        let header = content_disposition(name.as_deref(), &options)?;
        self.download(path).await?;
        self.headers_mut()
            .insert(header::CONTENT_DISPOSITION, header_value(&header));
        Ok(self)
    }
}
