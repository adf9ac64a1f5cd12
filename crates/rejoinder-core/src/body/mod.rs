//! The response body, held as what the handler gave until the response is
//! finalized.
//!
//! A [`Body`] remembers its kind (text, HTML, bytes, JSON, stream, or
//! explicitly nothing), so middleware can inspect and replace it after the
//! handler ran, and the Content-Type and Content-Length are inferred from the
//! final body only at the end. Conversions follow the seed systems: a string
//! that starts with `<` (after whitespace) is HTML, other strings are plain
//! text, byte buffers are `application/octet-stream`, [`Json`] and
//! [`serde_json::Value`] are JSON, and numbers, booleans and times are sent
//! as their text (a time in RFC 3339 with milliseconds).
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::{Body, Json};
//!
//! assert!(matches!(Body::from("<p>hi</p>"), Body::Html(_)));
//! assert!(matches!(Body::from("see <b>this</b>"), Body::Text(_)));
//! assert_eq!(Body::from(vec![1u8, 2, 3]).len(), Some(3));
//! let json = Body::from(Json(serde_json::json!({"a": 1})));
//! assert_eq!(json.len(), Some(7));
//! ```

use std::fmt;

use bytes::Bytes;

/// A boxed error, as carried by streams and error causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[cfg(feature = "fs")]
mod file;
pub mod relay;
#[cfg(all(feature = "fs", target_os = "linux"))]
#[doc(hidden)]
pub mod splice;
mod stream;
pub mod wire;

#[cfg(feature = "fs")]
pub use file::{FileBody, CHUNK, PRELOAD_LIMIT};
#[cfg(all(feature = "fs", target_os = "linux"))]
pub use relay::RelaySource;
pub use relay::{Relay, RelayBody};
pub use stream::BodyStream;

/// UTF-8 text held as shared bytes (no copy from `String` or `&'static str`).
#[derive(Clone, PartialEq, Eq)]
pub struct Text(Bytes);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Invariant: only built from `str`/`String`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Text(Bytes::from_static(s.as_bytes()))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Bytes::from(s))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A JSON body: a [`serde_json::Value`] that stays inspectable and mutable,
/// or a typed value serialized once when it was set.
#[derive(Clone)]
pub enum JsonBody {
    /// A JSON document as a value; serialized at finalize.
    Value(serde_json::Value),
    /// Already-serialized JSON (from [`Json`]).
    Serialized(Bytes),
    /// Serialization failed; the response becomes a 500 at finalize.
    Failed(String),
}

impl JsonBody {
    /// The JSON as a value (parsing serialized JSON when needed).
    pub fn to_value(&self) -> Option<serde_json::Value> {
        match self {
            JsonBody::Value(v) => Some(v.clone()),
            JsonBody::Serialized(b) => serde_json::from_slice(b).ok(),
            JsonBody::Failed(_) => None,
        }
    }

    /// The serialized length in bytes, computed without allocating.
    pub fn serialized_len(&self) -> Option<usize> {
        match self {
            JsonBody::Value(v) => {
                let mut counter = Counter(0);
                serde_json::to_writer(&mut counter, v).ok()?;
                Some(counter.0)
            }
            JsonBody::Serialized(b) => Some(b.len()),
            JsonBody::Failed(_) => None,
        }
    }

    pub(crate) fn into_bytes(self) -> Result<Bytes, String> {
        match self {
            JsonBody::Value(v) => serde_json::to_vec(&v)
                .map(Bytes::from)
                .map_err(|e| e.to_string()),
            JsonBody::Serialized(b) => Ok(b),
            JsonBody::Failed(e) => Err(e),
        }
    }
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonBody::Value(v) => write!(f, "Value({v})"),
            JsonBody::Serialized(b) => write!(f, "Serialized({:?})", String::from_utf8_lossy(b)),
            JsonBody::Failed(e) => write!(f, "Failed({e:?})"),
        }
    }
}

struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Wraps a serializable value to be sent as JSON. It is serialized once,
/// straight into a buffer, when converted into a [`Body`].
///
/// ```
/// use rejoinder_core::{Body, Json};
///
/// #[derive(serde::Serialize)]
/// struct Message { message: &'static str }
///
/// let body = Body::from(Json(Message { message: "Hello, World!" }));
/// assert_eq!(body.len(), Some(27));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> From<Json<T>> for Body {
    fn from(Json(value): Json<T>) -> Self {
        Body::Json(serialize(&value))
    }
}

/// Bodies up to this size are cut from a per-thread arena; larger ones
/// keep the buffer they were written to.
const ARENA_BODY: usize = 2048;

thread_local! {
    /// Where JSON is written: a Vec takes serde_json's many small writes
    /// fastest (measured against a BytesMut writer with
    /// bench/instructions.sh), and this one is reused.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Small bodies are copied here and split off, so a JSON body costs a
    /// reference count instead of two allocations (the Vec, and the shared
    /// header `Bytes::from(Vec)` adds when the Vec is not full).
    static ARENA: std::cell::RefCell<bytes::BytesMut> = std::cell::RefCell::new(bytes::BytesMut::new());
}

fn serialize<T: serde::Serialize>(value: &T) -> JsonBody {
    let written = SCRATCH.try_with(|scratch| {
        // A Serialize impl that itself sets a JSON body finds the scratch
        // busy and gets a buffer of its own.
        let mut buf = scratch.try_borrow_mut().ok()?;
        buf.clear();
        Some(match serde_json::to_writer(&mut *buf, value) {
            Ok(()) if buf.len() <= ARENA_BODY => Ok(cut(&buf)),
            Ok(()) => {
                let whole = std::mem::take(&mut *buf);
                Ok(Bytes::from(whole))
            }
            Err(e) => Err(e.to_string()),
        })
    });
    let written = written.ok().flatten().unwrap_or_else(|| {
        let mut buf = Vec::with_capacity(128);
        serde_json::to_writer(&mut buf, value)
            .map(|()| Bytes::from(buf))
            .map_err(|e| e.to_string())
    });
    match written {
        Ok(bytes) => JsonBody::Serialized(bytes),
        Err(e) => JsonBody::Failed(e),
    }
}

#[doc(hidden)]
/// A copy of `data` cut from a per-thread arena: a reference count instead
/// of an allocation for each small value (JSON bodies here, request ids in
/// the server crate).
pub fn cut(data: &[u8]) -> Bytes {
    ARENA
        .try_with(|arena| {
            let mut arena = arena.try_borrow_mut().ok()?;
            if arena.capacity() - arena.len() < data.len() {
                *arena = bytes::BytesMut::with_capacity(16 * 1024);
            }
            arena.extend_from_slice(data);
            Some(arena.split().freeze())
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Bytes::copy_from_slice(data))
}

/// What a response carries.
#[non_exhaustive]
pub enum Body {
    /// Explicitly nothing (Koa's `body = null`): a 204 unless the status says
    /// otherwise, with content headers removed.
    Empty,
    /// Plain text, `text/plain; charset=utf-8` unless a type is set.
    Text(Text),
    /// HTML, `text/html; charset=utf-8` unless a type is set.
    Html(Text),
    /// Raw bytes, `application/octet-stream` unless a type is set.
    Bytes(Bytes),
    /// JSON, `application/json; charset=utf-8` unless a JSON type is set.
    Json(JsonBody),
    /// A stream of chunks, `application/octet-stream` unless a type is set;
    /// its length is unknown, so it is sent chunked (HTTP/1.1) or as frames.
    Stream(BodyStream),
    /// A stream of known length relayed from another socket (a gateway's
    /// upstream), which the kernel may move to the client's socket itself
    /// (see [`Body::relay`]); `application/octet-stream` unless a type is set.
    Relay(RelayBody),
    /// A file (or a range of it) streamed from disk with a known length.
    #[cfg(feature = "fs")]
    File(FileBody),
}

fn looks_like_html(s: &str) -> bool {
    match s.as_bytes().first() {
        // The common case decided by the first byte: no whitespace scan.
        // (A visible ASCII byte is never whitespace; the rest, rare, scan.)
        Some(&b) if (0x21..0x80).contains(&b) => b == b'<',
        _ => s.trim_start().starts_with('<'),
    }
}

impl Body {
    /// A text body that is HTML when it starts with `<` after whitespace.
    pub fn text(text: impl Into<Text>) -> Body {
        let text = text.into();
        if looks_like_html(text.as_str()) {
            Body::Html(text)
        } else {
            Body::Text(text)
        }
    }

    /// A JSON body from a value that stays inspectable until finalize.
    pub fn json(value: serde_json::Value) -> Body {
        Body::Json(JsonBody::Value(value))
    }

    /// The length in bytes when it is known without sending (not for streams
    /// or an empty body).
    pub fn len(&self) -> Option<usize> {
        match self {
            Body::Empty | Body::Stream(_) => None,
            Body::Relay(r) => usize::try_from(r.len()).ok(),
            #[cfg(feature = "fs")]
            Body::File(f) => usize::try_from(f.len()).ok(),
            Body::Text(t) | Body::Html(t) => Some(t.len()),
            Body::Bytes(b) => Some(b.len()),
            Body::Json(j) => j.serialized_len(),
        }
    }

    /// Whether this is [`Body::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, Body::Empty)
    }

    /// The text of a text or HTML body.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Body::Text(t) | Body::Html(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The JSON value of a JSON body (parsed again if it was serialized).
    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            Body::Json(j) => j.to_value(),
            _ => None,
        }
    }

    /// A mutable JSON value, converting serialized JSON into a value first,
    /// for middleware that rewrites the document after the handler.
    pub fn as_json_mut(&mut self) -> Option<&mut serde_json::Value> {
        if let Body::Json(j @ JsonBody::Serialized(_)) = self {
            *j = JsonBody::Value(j.to_value()?);
        }
        match self {
            Body::Json(JsonBody::Value(v)) => Some(v),
            _ => None,
        }
    }

    /// The Content-Type this body implies, as a ready header value (built
    /// at compile time, so this costs nothing per request).
    pub(crate) fn default_content_type_value(&self) -> Option<http::HeaderValue> {
        self.implied_type().cloned()
    }

    fn implied_type(&self) -> Option<&'static http::HeaderValue> {
        static TEXT: http::HeaderValue =
            http::HeaderValue::from_static("text/plain; charset=utf-8");
        static HTML: http::HeaderValue = http::HeaderValue::from_static("text/html; charset=utf-8");
        static BINARY: http::HeaderValue =
            http::HeaderValue::from_static("application/octet-stream");
        static JSON: http::HeaderValue =
            http::HeaderValue::from_static("application/json; charset=utf-8");
        match self {
            Body::Empty => None,
            Body::Text(_) => Some(&TEXT),
            Body::Html(_) => Some(&HTML),
            Body::Bytes(_) | Body::Stream(_) | Body::Relay(_) => Some(&BINARY),
            #[cfg(feature = "fs")]
            Body::File(_) => Some(&BINARY),
            Body::Json(_) => Some(&JSON),
        }
    }

    /// The Content-Type this body implies when the handler set none.
    pub fn default_content_type(&self) -> Option<&'static str> {
        self.implied_type().and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Text(t) => f.debug_tuple("Text").field(t).finish(),
            Body::Html(t) => f.debug_tuple("Html").field(t).finish(),
            Body::Bytes(b) => f.debug_tuple("Bytes").field(b).finish(),
            Body::Json(j) => f.debug_tuple("Json").field(j).finish(),
            Body::Stream(_) => f.write_str("Stream(..)"),
            Body::Relay(r) => write!(f, "Relay({})", r.len()),
            #[cfg(feature = "fs")]
            Body::File(file) => f.debug_tuple("File").field(file).finish(),
        }
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        // Sniff the str itself: no need to validate UTF-8 again.
        if looks_like_html(s) {
            Body::Html(Text::from(s))
        } else {
            Body::Text(Text::from(s))
        }
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        if looks_like_html(&s) {
            Body::Html(Text::from(s))
        } else {
            Body::Text(Text::from(s))
        }
    }
}

impl From<std::borrow::Cow<'static, str>> for Body {
    fn from(s: std::borrow::Cow<'static, str>) -> Self {
        match s {
            std::borrow::Cow::Borrowed(s) => Body::text(s),
            std::borrow::Cow::Owned(s) => Body::text(s),
        }
    }
}

impl From<Text> for Body {
    fn from(t: Text) -> Self {
        Body::text(t)
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::Bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::Bytes(Bytes::from(b))
    }
}

impl From<&'static [u8]> for Body {
    fn from(b: &'static [u8]) -> Self {
        Body::Bytes(Bytes::from_static(b))
    }
}

impl From<serde_json::Value> for Body {
    fn from(v: serde_json::Value) -> Self {
        Body::json(v)
    }
}

impl From<JsonBody> for Body {
    fn from(j: JsonBody) -> Self {
        Body::Json(j)
    }
}

impl From<()> for Body {
    /// `()` is [`Body::Empty`], for calls that send no body.
    fn from((): ()) -> Self {
        Body::Empty
    }
}

impl<T: Into<Body>> From<Option<T>> for Body {
    /// `None` is [`Body::Empty`].
    fn from(v: Option<T>) -> Self {
        v.map_or(Body::Empty, Into::into)
    }
}

macro_rules! display_bodies {
    ($($t:ty),*) => {$(
        impl From<$t> for Body {
            /// Sent as its text, `text/plain`.
            fn from(v: $t) -> Self {
                Body::Text(Text::from(v.to_string()))
            }
        }
    )*};
}
display_bodies!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, isize, usize, f32, f64, bool);

impl From<std::time::SystemTime> for Body {
    /// Sent as RFC 3339 text with milliseconds, `2020-01-02T03:04:05.678Z`.
    fn from(t: std::time::SystemTime) -> Self {
        Body::Text(Text::from(humantime::format_rfc3339_millis(t).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_sniff_matches_the_whitespace_rule_for_every_first_char() {
        // The first-byte shortcut must agree with "starts with `<` after
        // Unicode whitespace" (Koa's /^\s*</) for every first character.
        let firsts = (0u8..0x80)
            .map(char::from)
            .chain(['\u{85}', '\u{a0}', '\u{2003}', '\u{3000}', 'é', '\u{feff}']);
        for first in firsts {
            for rest in ["<p>", "x<p>", " <p>", ""] {
                let s = format!("{first}{rest}");
                assert_eq!(
                    looks_like_html(&s),
                    s.trim_start().starts_with('<'),
                    "{s:?}"
                );
            }
        }
    }

    fn json_bytes<T: serde::Serialize>(value: &T) -> Bytes {
        match serialize(value) {
            JsonBody::Serialized(b) => b,
            other => panic!("not serialized: {other:?}"),
        }
    }

    #[test]
    fn small_and_large_json_bodies_are_whole_and_independent() {
        let small: Vec<Bytes> = (0..2000).map(|i| json_bytes(&[i, i + 1])).collect();
        for (i, b) in small.iter().enumerate() {
            assert_eq!(b.as_ref(), format!("[{},{}]", i, i + 1).as_bytes());
        }
        let big = "x".repeat(ARENA_BODY * 3);
        assert_eq!(json_bytes(&big).len(), big.len() + 2);
        // The scratch buffer was handed over; the next body is right too.
        assert_eq!(json_bytes(&"after").as_ref(), b"\"after\"");
    }

    /// A value whose serialization sets another JSON body on the way.
    struct Nested;

    impl serde::Serialize for Nested {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let inner = json_bytes(&["inner"]);
            s.serialize_str(std::str::from_utf8(&inner).unwrap_or_default())
        }
    }

    #[test]
    fn a_serializer_that_serializes_json_itself_gets_its_own_buffer() {
        assert_eq!(json_bytes(&Nested).as_ref(), br#""[\"inner\"]""#);
    }

    #[test]
    fn a_failing_serializer_is_reported() {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        assert!(matches!(serialize(&map), JsonBody::Failed(_)));
        assert_eq!(
            json_bytes(&1).as_ref(),
            b"1",
            "the scratch is usable afterwards"
        );
    }
}
