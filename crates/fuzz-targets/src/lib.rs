//! Fuzz targets for rejoinder.
//!
//! Each public function takes the fuzzer's bytes and asserts the invariants
//! of one part of the framework; a broken invariant is a panic, which the
//! fuzzer reports as a crash. The same functions run on stable in
//! `tests/properties.rs` (random inputs with proptest, then every file of
//! `fuzz/corpus/<target>/` as a regression suite) and under cargo-fuzz in
//! `fuzz/fuzz_targets/<target>.rs`.
//!
//! Inputs are split into fields on the byte `0xFF`, which never occurs in
//! UTF-8, so a hand-written seed is readable text with `\xff` between its
//! fields (see [`Fields`]).

mod accept;
mod content_disposition;
mod fixtures;
mod header_setters;
mod range;
mod raw_request;
mod redirect;
mod request_body;
mod set_type_is;
mod vapr;

pub use accept::accept;
pub use content_disposition::content_disposition;
pub use header_setters::header_setters;
pub use range::range;
pub use raw_request::raw_request;
pub use redirect::redirect;
pub use request_body::request_body;
pub use set_type_is::set_type_is;
pub use vapr::vapr_from_value;

/// A fuzz target: takes the fuzzer's bytes, panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target, by name, for the corpus replay and the proptest runs.
pub const TARGETS: &[(&str, Target)] = &[
    ("header_setters", header_setters),
    ("content_disposition", content_disposition),
    ("accept", accept),
    ("set_type_is", set_type_is),
    ("vapr_from_value", vapr_from_value),
    ("redirect", redirect),
    ("range", range),
    ("request_body", request_body),
    ("raw_request", raw_request),
];

/// The separator between the fields of an input.
pub const SEP: u8 = 0xFF;

/// An input split into fields on [`SEP`], read front to back. Reading past
/// the last field gives empty fields.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    /// The fields of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Fields { rest: Some(data) }
    }

    /// The next field as bytes, or `None` when there are no more.
    pub fn next_bytes(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match rest.iter().position(|&b| b == SEP) {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }

    /// The next field as text (invalid UTF-8 replaced), or `None`.
    pub fn next_str(&mut self) -> Option<String> {
        self.next_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// The next field as text, empty when there are no more.
    pub fn str(&mut self) -> String {
        self.next_str().unwrap_or_default()
    }

    /// The first byte of the next field (0 when empty or absent).
    pub fn byte(&mut self) -> u8 {
        self.next_bytes()
            .and_then(|b| b.first().copied())
            .unwrap_or(0)
    }

    /// Whether fields remain.
    pub fn has_more(&self) -> bool {
        self.rest.is_some()
    }

    /// Everything not read yet, separators included.
    pub fn remainder(&mut self) -> &'a [u8] {
        self.rest.take().unwrap_or(&[])
    }
}

/// Runs `fut` to completion on this thread's current-thread tokio runtime
/// (one per thread, made on first use, with I/O and timers).
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
    }
    RT.with(|rt| rt.block_on(fut))
}

/// Asserts that a header value could go on the wire: no CR, LF or NUL.
pub fn assert_clean_value(name: &str, value: &[u8]) {
    assert!(
        !value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)),
        "header {name} carries CR, LF or NUL: {value:?}"
    );
}

/// Asserts [`assert_clean_value`] for every header of a map.
pub fn assert_clean_headers(headers: &http::HeaderMap) {
    for (name, value) in headers {
        assert_clean_value(name.as_str(), value.as_bytes());
    }
}

/// Finalizes a response as the server would and checks what would be sent:
/// a status of 100–999, clean headers and reason phrase; returns the
/// finalized response with its body read.
pub fn finalize_and_check(
    res: &mut rejoinder_core::Response,
    method: &http::Method,
) -> (http::response::Parts, bytes::Bytes) {
    let fin = res.finalize(method, http::Version::HTTP_11);
    if let Some(reason) = &fin.reason {
        assert_clean_value("reason phrase", reason.as_bytes());
    }
    let (parts, body) = fin.response.into_parts();
    let code = parts.status.as_u16();
    assert!((100..=999).contains(&code), "status {code}");
    assert_clean_headers(&parts.headers);
    let body = block_on(collect(body));
    (parts, body)
}

/// Reads a response body whole; a body that fails gives what was read.
pub async fn collect<B>(body: B) -> bytes::Bytes
where
    B: http_body::Body<Data = bytes::Bytes>,
{
    use http_body_util::BodyExt;
    let mut body = std::pin::pin!(body);
    let mut out = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    out.extend_from_slice(data);
                }
            }
            Err(_) => break,
        }
    }
    out.freeze()
}

/// A header value from text, if HTTP allows it.
pub fn header_value(s: &str) -> Option<http::HeaderValue> {
    http::HeaderValue::from_str(s).ok()
}
