//! Error bodies negotiated by Accept, as Kong's `kong.response.error` sends
//! them: JSON, HTML, XML or plain text carrying a message and the request id.
//!
//! The format is chosen from an explicit Content-Type when the caller gives
//! one, else from the request's Accept header, else JSON (see
//! [`negotiate`]). Unlike Kong, the message and request id are escaped for
//! the format (JSON string escaping, HTML and XML entities), so a hostile
//! message cannot break out of the document.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::kong::{default_message, negotiate, render, ErrorFormat, ErrorMessage};
//!
//! assert_eq!(negotiate(Some("text/html;q=0.9, application/xml;q=0.8")), ErrorFormat::Html);
//! assert_eq!(negotiate(Some("image/png, text/html")), ErrorFormat::Json);
//! assert_eq!(default_message(503), "The upstream server is currently unavailable");
//! let body = render(ErrorFormat::Plain, 404, &ErrorMessage::Default, "req-1");
//! assert_eq!(body, "Not found\nrequest_id: req-1\n");
//! let html = render(ErrorFormat::Html, 400, &ErrorMessage::from("<script>"), "r");
//! assert!(html.contains("<p>&lt;script&gt;.</p>"));
//! ```

use std::borrow::Cow;

use serde_json::Value;

/// The formats an error body can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    /// `application/json; charset=utf-8`
    Json,
    /// `text/html; charset=utf-8`
    Html,
    /// `application/xml; charset=utf-8`
    Xml,
    /// `text/plain; charset=utf-8`
    Plain,
    /// `application/grpc`: no body; the status travels in `grpc-status`
    /// and `grpc-message`.
    Grpc,
}

impl ErrorFormat {
    /// The Content-Type for this format.
    pub fn content_type(self) -> &'static str {
        match self {
            ErrorFormat::Json => "application/json; charset=utf-8",
            ErrorFormat::Html => "text/html; charset=utf-8",
            ErrorFormat::Xml => "application/xml; charset=utf-8",
            ErrorFormat::Plain => "text/plain; charset=utf-8",
            ErrorFormat::Grpc => "application/grpc",
        }
    }

    /// The format for an explicit Content-Type: JSON, HTML and XML types
    /// (including `+json` and `+xml` suffixes and `text/xml`) get their
    /// template, every other type the plain-text one.
    pub fn for_content_type(content_type: &str) -> ErrorFormat {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => ErrorFormat::Json,
            "text/html" | "application/xhtml+xml" => ErrorFormat::Html,
            "application/xml" | "text/xml" => ErrorFormat::Xml,
            e if e.starts_with("application/grpc") => ErrorFormat::Grpc,
            e if e.ends_with("+json") => ErrorFormat::Json,
            e if e.ends_with("+xml") => ErrorFormat::Xml,
            _ => ErrorFormat::Plain,
        }
    }
}

/// The message of an error body.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorMessage {
    /// The status's default message ([`default_message`]).
    Default,
    /// A text.
    Text(String),
    /// A JSON value: a JSON body carries it as is, the other formats as its
    /// compact JSON text.
    Json(Value),
}

impl From<&str> for ErrorMessage {
    fn from(s: &str) -> Self {
        ErrorMessage::Text(s.to_owned())
    }
}
impl From<String> for ErrorMessage {
    fn from(s: String) -> Self {
        ErrorMessage::Text(s)
    }
}
impl From<Value> for ErrorMessage {
    fn from(v: Value) -> Self {
        match v {
            Value::String(s) => ErrorMessage::Text(s),
            Value::Null => ErrorMessage::Default,
            v => ErrorMessage::Json(v),
        }
    }
}
impl From<()> for ErrorMessage {
    fn from((): ()) -> Self {
        ErrorMessage::Default
    }
}
impl<T: Into<ErrorMessage>> From<Option<T>> for ErrorMessage {
    fn from(v: Option<T>) -> Self {
        v.map_or(ErrorMessage::Default, Into::into)
    }
}

/// Kong's default message for an error status.
pub fn default_message(status: u16) -> Cow<'static, str> {
    Cow::Borrowed(match status {
        400 => "Bad request",
        401 => "Unauthorized",
        402 => "Payment required",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        406 => "Not acceptable",
        407 => "Proxy authentication required",
        408 => "Request timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length required",
        412 => "Precondition failed",
        413 => "Payload too large",
        414 => "URI too long",
        415 => "Unsupported media type",
        416 => "Range not satisfiable",
        417 => "Expectation failed",
        418 => "I'm a teapot",
        421 => "Misdirected request",
        422 => "Unprocessable entity",
        423 => "Locked",
        424 => "Failed dependency",
        425 => "Too early",
        426 => "Upgrade required",
        428 => "Precondition required",
        429 => "Too many requests",
        431 => "Request header fields too large",
        451 => "Unavailable for legal reasons",
        494 => "Request header or cookie too large",
        500 => "An unexpected error occurred",
        501 => "Not implemented",
        502 => "An invalid response was received from the upstream server",
        503 => "The upstream server is currently unavailable",
        504 => "The upstream server is timing out",
        505 => "HTTP version not supported",
        506 => "Variant also negotiates",
        507 => "Insufficient storage",
        508 => "Loop detected",
        510 => "Not extended",
        511 => "Network authentication required",
        other => return Cow::Owned(format!("The upstream server responded with {other}")),
    })
}

/// A q-value in thousandths: at most three decimals count (RFC 9110's
/// `qvalue`), values above 1 count as 1, and a malformed one counts as 1.
fn parse_q(v: &str) -> u16 {
    let v = v.trim_end();
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return 1000;
    }
    // Any nonzero digit before the point is 1 or more, however many digits
    // follow (a number is never parsed: `q=4294968` must not wrap).
    if int.bytes().any(|b| b != b'0') {
        return 1000;
    }
    let mut thousandths = 0u16;
    for (i, d) in frac.bytes().take(3).enumerate() {
        thousandths += u16::from(d - b'0') * [100, 10, 1][i];
    }
    thousandths
}

/// Chooses the error format from an Accept header, Kong's way: the first
/// media range with the strictly highest q (q=0 never) decides; `*/*` and
/// `application/*` mean JSON, `text/*` plain text, `text/html` HTML,
/// `application/xml` XML; any other range, or no Accept, means JSON.
///
/// Unlike Kong, media ranges match without regard to case (as RFC 9110 says)
/// and malformed ranges are skipped.
pub fn negotiate(accept: Option<&str>) -> ErrorFormat {
    let Some(accept) = accept else {
        return ErrorFormat::Json;
    };
    let mut best: Option<(u16, String)> = None;
    for (range, q) in crate::header::accept_ranges(accept) {
        let range = range.to_ascii_lowercase();
        let Some((t, s)) = range.split_once('/') else {
            continue;
        };
        if !crate::header::is_token(t) || !crate::header::is_token(s) {
            continue;
        }
        let q = q.map_or(1000, parse_q);
        if q > 0 && best.as_ref().is_none_or(|(bq, _)| q > *bq) {
            best = Some((q, range));
        }
    }
    match best.as_ref().map(|(_, r)| r.as_str()) {
        Some("text/html") => ErrorFormat::Html,
        Some("application/xml") => ErrorFormat::Xml,
        Some("text/plain" | "text/*") => ErrorFormat::Plain,
        _ => ErrorFormat::Json,
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Renders an error body in `format` with Kong's templates, escaping the
/// message and request id for the format.
pub fn render(
    format: ErrorFormat,
    status: u16,
    message: &ErrorMessage,
    request_id: &str,
) -> String {
    let text: Cow<'_, str> = match message {
        ErrorMessage::Default => default_message(status),
        ErrorMessage::Text(s) => Cow::Borrowed(s),
        ErrorMessage::Json(v) => Cow::Owned(v.to_string()),
    };
    match format {
        ErrorFormat::Json => {
            let message = match message {
                ErrorMessage::Json(v) => v.to_string(),
                _ => json_string(&text),
            };
            format!(
                "{{\n  \"message\":{message},\n  \"request_id\":{}\n}}",
                json_string(request_id)
            )
        }
        ErrorFormat::Html => format!(
            "<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>{}.</p>\n    <p>request_id: {}</p>\n  </body>\n</html>\n",
            crate::uri::escape_text(&text),
            crate::uri::escape_text(request_id)
        ),
        ErrorFormat::Xml => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n  <message>{}</message>\n  <requestid>{}</requestid>\n</error>\n",
            crate::uri::escape_text(&text),
            crate::uri::escape_text(request_id)
        ),
        ErrorFormat::Plain => format!("{text}\nrequest_id: {request_id}\n"),
        ErrorFormat::Grpc => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values() {
        assert_eq!(parse_q("0.3333"), 333);
        assert_eq!(parse_q("0."), 0);
        assert_eq!(parse_q("1.5"), 1000);
        assert_eq!(parse_q(" 0.5"), 1000);
        assert_eq!(parse_q("abc"), 1000);
        assert_eq!(parse_q("000.25"), 250);
        assert_eq!(parse_q("0.9999"), 999);
        // Found by the accept fuzz target: whole * 1000 overflowed u32.
        assert_eq!(parse_q("4294968"), 1000);
        assert_eq!(parse_q("133333333.5"), 1000);
        assert_eq!(parse_q(&"9".repeat(40)), 1000);
        assert_eq!(
            negotiate(Some("text/html;q=4294968, text/plain;q=0.9")),
            ErrorFormat::Html
        );
        assert_eq!(
            negotiate(Some("text/html;q = 0.5, text/plain;q=0.6")),
            ErrorFormat::Html
        );
        assert_eq!(
            negotiate(Some("text/html;q=0, application/xml;q=0")),
            ErrorFormat::Json
        );
        assert_eq!(
            negotiate(Some("application/*;q=0.5, text/*")),
            ErrorFormat::Plain
        );
    }

    #[test]
    fn hostile_messages_are_escaped() {
        let json = render(ErrorFormat::Json, 400, &"\"}\n{\"x".into(), "id");
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["message"], "\"}\n{\"x");
        let xml = render(ErrorFormat::Xml, 400, &"]]></message><x>".into(), "<id>");
        assert!(xml.contains("<message>]]&gt;&lt;/message&gt;&lt;x&gt;</message>"));
        assert!(xml.contains("<requestid>&lt;id&gt;</requestid>"));
    }
}
