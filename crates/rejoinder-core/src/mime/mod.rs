//! Media types: from extensions, charset defaults, and `is()` matching.
//!
//! [`content_type_for`] turns what a handler passes to
//! [`Response::set_type`](crate::Response::set_type) into a Content-Type: a
//! media type is kept as written, an extension (`"png"`, `".png"`,
//! `"report.csv"`) is looked up, and text types gain `charset=utf-8`.
//! [`type_is`] answers Koa's `response.is(...)`.
//!
//! Extensions and default charsets come from a table generated from
//! mime-db with mime-types 3's rules (what Koa 3 uses): `db.rs`, made by
//! `tools/gen-mime-db.js`. (`mime_guess`, used before, disagreed with
//! mime-types 3 on 117 of mime-db's 1,239 extensions and did not know 133.)
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

mod db;

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
    db::EXTENSIONS
        .binary_search_by(|(e, _)| (*e).cmp(lower.as_str()))
        .ok()
        .map(|i| db::EXTENSIONS[i].1)
}

/// The default charset for a media type, as mime-types 3's `charset`
/// gives it: the one mime-db records for the type, else `utf-8` for
/// `text/*`, else `None`.
pub fn default_charset(media_type: &str) -> Option<&'static str> {
    let essence = media_type
        .trim_start()
        .split([';', ' ', '\t'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Ok(i) = db::CHARSETS.binary_search_by(|(t, _)| (*t).cmp(essence.as_str())) {
        return Some(db::CHARSETS[i].1);
    }
    let is_text = essence.len() > 5 && essence.starts_with("text/");
    is_text.then_some("utf-8")
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

#[cfg(test)]
mod db_tests {
    use super::{db, default_charset, lookup_extension};

    #[test]
    fn the_generated_tables_are_sorted_for_binary_search() {
        assert!(db::EXTENSIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(db::CHARSETS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(db::EXTENSIONS.len() > 1200, "{}", db::EXTENSIONS.len());
        for (ext, ty) in db::EXTENSIONS {
            assert_eq!(lookup_extension(ext), Some(*ty), "{ext}");
        }
    }

    #[test]
    fn mime_types_3_answers() {
        // Where mime_guess answered otherwise.
        for (ext, ty) in [
            ("js", "text/javascript"),
            ("xml", "application/xml"),
            ("ico", "image/vnd.microsoft.icon"),
            ("c", "text/x-c"),
            ("aif", "audio/x-aiff"),
            ("cab", "application/vnd.ms-cab-compressed"),
            ("MP4", "video/mp4"),
            ("report.CSV", "text/csv"),
        ] {
            assert_eq!(lookup_extension(ext), Some(ty), "{ext}");
        }
        assert_eq!(default_charset("application/json"), Some("utf-8"));
        assert_eq!(default_charset("Application/JSON; x=y"), Some("utf-8"));
        assert_eq!(default_charset("text/csv"), Some("utf-8"));
        assert_eq!(
            default_charset("application/news-groupinfo"),
            Some("us-ascii")
        );
        assert_eq!(default_charset("application/xml"), None);
        assert_eq!(lookup_extension("nosuchext"), None);
    }
}
