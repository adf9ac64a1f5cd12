//! Media types: from extensions, charset defaults, and `is()` matching.
//!
//! [`content_type_for`] turns what a handler passes to
//! [`Response::set_type`](crate::Response::set_type) into a Content-Type: a
//! media type is kept as written, an extension (`"png"`, `".png"`,
//! `"report.csv"`) is looked up, and text types gain `charset=utf-8`.
//! [`type_is`] answers Koa's `response.is(...)`.
//!
//! Extension lookup uses `mime_guess`, with a short table in front of it
//! where the IANA registry (as the widely used `mime-db` records it) prefers
//! another type than `mime_guess` does.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::mime::{content_type_for, type_is};
//!
//! assert_eq!(content_type_for("html").as_deref(), Some("text/html; charset=utf-8"));
//! assert_eq!(content_type_for(".png").as_deref(), Some("image/png"));
//! assert_eq!(content_type_for("nope"), None);
//! assert_eq!(type_is("application/json", &["html", "json"]).as_deref(), Some("json"));
//! assert_eq!(type_is("application/vnd.api+json", &["+json"]).as_deref(), Some("application/vnd.api+json"));
//! ```

use std::borrow::Cow;

/// The `mime` crate's [`Mime`] and its most used constants, re-exported: a
/// typed [`Response::set_type`](crate::Response::set_type) cannot fail.
/// (`"text/csv".parse::<Mime>()` gives any other.)
pub use ::mime::{
    Mime, APPLICATION_JAVASCRIPT, APPLICATION_JSON, APPLICATION_OCTET_STREAM, APPLICATION_PDF,
    APPLICATION_WWW_FORM_URLENCODED, IMAGE_GIF, IMAGE_JPEG, IMAGE_PNG, IMAGE_SVG, TEXT_CSS,
    TEXT_CSV, TEXT_EVENT_STREAM, TEXT_HTML, TEXT_HTML_UTF_8, TEXT_JAVASCRIPT, TEXT_PLAIN,
    TEXT_PLAIN_UTF_8, TEXT_XML,
};

/// The Content-Type prefix of gRPC messages (`application/grpc`,
/// `application/grpc+proto`, …).
pub const GRPC_TYPE: &str = "application/grpc";

/// Extensions where the registered type differs from `mime_guess`'s first
/// guess: XML is `application/xml` (RFC 7303 prefers it over `text/xml`),
/// JavaScript is `text/javascript` (RFC 9239), icons are the registered
/// `image/vnd.microsoft.icon`.
const PREFERRED: &[(&str, &str)] = &[
    ("xml", "application/xml"),
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("cjs", "text/javascript"),
    ("ico", "image/vnd.microsoft.icon"),
    ("md", "text/markdown"),
    ("markdown", "text/markdown"),
    ("text", "text/plain"),
    ("wasm", "application/wasm"),
];

/// Non-text types whose registration names UTF-8 as their charset.
const UTF8_TYPES: &[&str] = &[
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/manifest+json",
];

/// The media type for a file extension (with or without the leading dot, or
/// a file name or path whose extension is used), if known.
pub fn lookup_extension(ext: &str) -> Option<&'static str> {
    let ext = match ext.rfind('.') {
        Some(i) => &ext[i + 1..],
        None => ext,
    };
    let ext = match ext.rfind(['/', '\\']) {
        Some(_) => return None,
        None => ext,
    };
    if ext.is_empty() {
        return None;
    }
    let lower = ext.to_ascii_lowercase();
    if let Some((_, t)) = PREFERRED.iter().find(|(e, _)| *e == lower) {
        return Some(t);
    }
    mime_guess::from_ext(&lower).first_raw()
}

/// The default charset for a media type: `utf-8` for `text/*` and the
/// registered UTF-8 types, `None` otherwise.
pub fn default_charset(media_type: &str) -> Option<&'static str> {
    let essence = media_type
        .trim_start()
        .split([';', ' ', '\t'])
        .next()
        .unwrap_or("");
    let is_text = essence.len() > 5 && essence[..5].eq_ignore_ascii_case("text/");
    if is_text || UTF8_TYPES.iter().any(|t| t.eq_ignore_ascii_case(essence)) {
        Some("utf-8")
    } else {
        None
    }
}

/// The Content-Type for a media type or extension, as Koa's `type=` computes
/// it: a value containing `/` is kept as written, anything else is looked up
/// as an extension; a charset is appended when the value has none and the
/// type has a default. `None` when nothing is known.
pub fn content_type_for(value: &str) -> Option<Cow<'static, str>> {
    if value.is_empty() {
        return None;
    }
    let media: Cow<'static, str> = if value.contains('/') {
        Cow::Owned(value.to_owned())
    } else {
        Cow::Borrowed(lookup_extension(value)?)
    };
    if media.contains("charset") {
        return Some(media);
    }
    match default_charset(&media) {
        Some(cs) => Some(Cow::Owned(format!("{media}; charset={cs}"))),
        None => Some(media),
    }
}

/// The essence of a Content-Type header value: everything before the first
/// `;`, as written (Koa's `response.type`).
pub fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("")
}

/// Normalizes a Content-Type for matching: lower-cased essence, or `None`
/// when it is not a valid `type/subtype`.
pub fn normalize_media_type(content_type: &str) -> Option<String> {
    let essence = essence(content_type).trim().to_ascii_lowercase();
    let (t, s) = essence.split_once('/')?;
    (crate::header::is_token(t) && crate::header::is_token(s)).then_some(essence)
}

fn expand(pattern: &str) -> Option<Cow<'_, str>> {
    match pattern {
        "urlencoded" => Some(Cow::Borrowed("application/x-www-form-urlencoded")),
        "multipart" => Some(Cow::Borrowed("multipart/*")),
        p if p.starts_with('+') => Some(Cow::Owned(format!("*/*{p}"))),
        p if !p.contains('/') => lookup_extension(p).map(Cow::Borrowed),
        p => Some(Cow::Borrowed(p)),
    }
}

fn mime_match(expected: &str, actual: &str) -> bool {
    let (Some((et, es)), Some((at, as_))) = (expected.split_once('/'), actual.split_once('/'))
    else {
        return false;
    };
    if es.contains('/') || as_.contains('/') {
        return false;
    }
    if et != "*" && et != at {
        return false;
    }
    if let Some(suffix) = es.strip_prefix('*') {
        if suffix.starts_with('+') {
            return as_.len() + 1 >= es.len() && as_.ends_with(suffix);
        }
    }
    es == "*" || es == as_
}

/// Matches a Content-Type against patterns as Koa's `is()` (the `type-is`
/// rules): extensions and shorthands (`"html"`, `"json"`, `"urlencoded"`,
/// `"multipart"`), full types, wildcards (`"text/*"`, `"*/*"`) and suffixes
/// (`"+json"`, `"application/*+json"`).
///
/// Answers the first matching pattern as written, or the normalized media
/// type when the matching pattern is a wildcard or suffix; with no patterns,
/// the normalized media type itself. `None` when nothing matches or the
/// Content-Type is missing or malformed.
pub fn type_is(content_type: &str, patterns: &[&str]) -> Option<String> {
    let actual = normalize_media_type(content_type)?;
    if patterns.is_empty() {
        return Some(actual);
    }
    for p in patterns {
        if let Some(expected) = expand(p) {
            if mime_match(&expected, &actual) {
                return Some(if p.starts_with('+') || p.contains('*') {
                    actual
                } else {
                    (*p).to_owned()
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(lookup_extension("report.csv"), Some("text/csv"));
        assert_eq!(lookup_extension("PNG"), Some("image/png"));
        assert_eq!(lookup_extension("."), None);
        assert_eq!(
            content_type_for("text/plain; charset=latin1").as_deref(),
            Some("text/plain; charset=latin1")
        );
        assert_eq!(
            content_type_for("TEXT/HTML").as_deref(),
            Some("TEXT/HTML; charset=utf-8")
        );
    }

    #[test]
    fn matching() {
        assert_eq!(
            type_is("text/html; charset=utf-8", &[]).as_deref(),
            Some("text/html")
        );
        assert_eq!(type_is("text/html", &["text/html; charset=utf-8"]), None);
        assert_eq!(type_is("invalid", &["html"]), None);
        assert_eq!(type_is("", &[]), None);
        assert_eq!(
            type_is("multipart/form-data; boundary=x", &["multipart"]).as_deref(),
            Some("multipart")
        );
        assert_eq!(type_is("application/json", &["+json"]), None);
    }
}
