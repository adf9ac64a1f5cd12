//! Kong's `kong.response.exit` and `kong.response.error` on the context,
//! which knows the request (gRPC calls, Accept negotiation, the request id).

use http::header;
use rejoinder_core::header::{HeaderValues, IntoHeaderValues};
use rejoinder_core::kong::{self as error_page, ErrorFormat, ErrorMessage, ExitBody, KongResponse};
use rejoinder_core::{Abort, Source};

use crate::context::Context;

impl Context {
    /// Ends the request like [`KongResponse::exit`], knowing whether the request
    /// is a gRPC call (then `grpc-status` and `grpc-message` carry the
    /// outcome, as Kong does).
    ///
    /// # Errors
    ///
    /// Always; see [`KongResponse::exit`].
    pub fn exit<N, V, I>(
        &mut self,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<std::convert::Infallible, Abort>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        let grpc = self.req.is_grpc();
        self.res.exit_for_request(grpc, status, body, headers)
    }

    /// Ends the request with an error body negotiated by Accept (Kong's
    /// `kong.response.error`): `status` 400–599, the message (the status's
    /// default with `()`), and `headers` applied as in
    /// [`KongResponse::exit`]. A Content-Type in `headers` chooses the format;
    /// otherwise the request's Accept does (JSON, HTML, XML or plain text),
    /// else JSON. The body carries the message and the request id, escaped
    /// for its format. The response's source is [`Source::Error`].
    ///
    /// # Errors
    ///
    /// Always: the `Abort` carries the finished response. A status
    /// outside 400–599 or an invalid header gives a 500 whose cause says
    /// why.
    ///
    /// ```
    /// # use rejoinder::{Context, Abort, NO_HEADERS};
    /// async fn handler(ctx: &mut Context) -> Result<(), Abort> {
    ///     if ctx.req.header("authorization").is_none() {
    ///         ctx.error(401, "Invalid credentials", NO_HEADERS)?;
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn error<N, V, I>(
        &mut self,
        status: u16,
        message: impl Into<ErrorMessage>,
        headers: I,
    ) -> Result<std::convert::Infallible, Abort>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        rejoinder_core::status::Range::KongError.check(status)?;
        let mut fields: Vec<(String, HeaderValues)> = Vec::new();
        for (n, v) in headers {
            let name = rejoinder_core::header::dashed(n.as_ref()).into_owned();
            let header =
                rejoinder_core::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    rejoinder_core::Error::other(format!(
                        "invalid header name {name:?} in error headers"
                    ))
                })?;
            let values = v.into_header_values(&header)?;
            fields.push((name, values));
        }
        let explicit = fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| v.iter().next())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let format = match &explicit {
            Some(ct) => ErrorFormat::for_content_type(ct),
            None if self.req.is_grpc() => ErrorFormat::Grpc,
            None => {
                let accept: Vec<&str> = self
                    .req
                    .headers()
                    .get_all(header::ACCEPT)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                error_page::negotiate((!accept.is_empty()).then(|| accept.join(",")).as_deref())
            }
        };
        let body = match format {
            ErrorFormat::Grpc => ExitBody::None,
            _ => ExitBody::Text(error_page::render(
                format,
                status,
                &message.into(),
                self.req.id(),
            )),
        };
        if explicit.is_none() {
            fields.push((
                "content-type".into(),
                HeaderValues::One(http::HeaderValue::from_static(format.content_type())),
            ));
        }
        let grpc = self.req.is_grpc();
        let Err(mut abort) = self.res.exit_for_request(grpc, status, body, fields);
        abort.response_mut().set_source(Source::Error);
        Err(abort)
    }
}
