//! Content-Disposition headers, built as the `content-disposition` package
//! (1.0) builds them.
//!
//! Only the last path component of the file name is used (directories are
//! split on `/`, as Node's POSIX `path.basename` does; a `\` is part of the
//! name). A name that fits a quoted string goes in `filename="…"` with `\`
//! and `"` escaped. Otherwise, and whenever the name contains something that
//! looks like a percent escape, the UTF-8 name is also sent as RFC 5987
//! `filename*=UTF-8''…`, next to an ISO-8859-1 fallback in which every
//! character outside ISO-8859-1 (and every control character) becomes `?`.
//! The fallback can be turned off or given explicitly with [`Fallback`].
//!
//! The header value is returned as a `String`; characters up to U+00FF stand
//! for the ISO-8859-1 byte of the same number, as in the package.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::content_disposition::{content_disposition, Disposition, Fallback, Options};
//!
//! let opts = Options::default();
//! assert_eq!(
//!     content_disposition(Some("reports/q1.pdf"), &opts).unwrap(),
//!     r#"attachment; filename="q1.pdf""#,
//! );
//! assert_eq!(
//!     content_disposition(Some("€ rates.txt"), &opts).unwrap(),
//!     r#"attachment; filename="? rates.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#,
//! );
//!
//! let inline = Options { disposition: Disposition::Inline, fallback: Fallback::Off };
//! assert_eq!(content_disposition(None, &inline).unwrap(), "inline");
//!
//! let bad = Options { disposition: Disposition::Other("not a token".into()), ..Options::default() };
//! assert!(content_disposition(Some("x.txt"), &bad).unwrap_err().is_invalid_disposition());
//! ```

use crate::error::{Error, Kind};

/// The disposition type: what the receiver should do with the body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Disposition {
    /// `attachment`: save it (the default).
    #[default]
    Attachment,
    /// `inline`: show it.
    Inline,
    /// Any other type. It must be a token and is sent lower-cased; an empty
    /// string means `attachment`, as in the package.
    Other(String),
}

/// The plain `filename` parameter sent next to `filename*` for receivers that
/// do not understand RFC 5987 (the package's `fallback` option).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fallback {
    /// Derive it from the name, replacing every character outside
    /// ISO-8859-1 with `?` (the package's `true`, the default).
    #[default]
    Auto,
    /// Send no fallback: a name that does not fit a quoted string is sent
    /// only as `filename*` (the package's `false`).
    Off,
    /// Send this name (its last path component) as the fallback. It must be
    /// ISO-8859-1 without control characters.
    Name(String),
}

/// How to build the header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// The disposition type; `attachment` by default.
    pub disposition: Disposition,
    /// The plain-filename fallback; [`Fallback::Auto`] by default.
    pub fallback: Fallback,
}

/// Builds a Content-Disposition value for `filename` (none: the bare type).
///
/// # Errors
///
/// - A [`Disposition::Other`] type that is not a token ("invalid type").
/// - A [`Fallback::Name`] with a character outside ISO-8859-1 or a control
///   character ("fallback must be ISO-8859-1 string"); checked only when a
///   file name is given, as in the package.
///
/// The predicate is [`Error::is_invalid_disposition`].
pub fn content_disposition(filename: Option<&str>, options: &Options) -> Result<String, Error> {
    let params = filename
        .map(|name| Params::new(name, &options.fallback))
        .transpose()?;
    let ty = match &options.disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
        Disposition::Other(t) if t.is_empty() => "attachment",
        Disposition::Other(t) => t,
    };
    if !crate::header::is_token(ty) {
        return Err(Error::new(Kind::Disposition(
            "invalid type: a disposition type is one or more of the token characters \
             A-Z a-z 0-9 and !#$%&'*+-.^_`|~",
        )));
    }
    let mut out = ty.to_ascii_lowercase();
    if let Some(params) = params {
        // The package sorts the parameter names: "filename" < "filename*".
        if let Some(plain) = params.plain {
            out.push_str("; filename=");
            push_quoted(&mut out, &plain);
        }
        if let Some(ext) = params.extended {
            out.push_str("; filename*=UTF-8''");
            push_encoded(&mut out, ext);
        }
    }
    Ok(out)
}

/// The filename parameters (the package's `createparams`).
struct Params<'a> {
    plain: Option<String>,
    extended: Option<&'a str>,
}

impl<'a> Params<'a> {
    fn new(filename: &'a str, fallback: &Fallback) -> Result<Self, Error> {
        if let Fallback::Name(f) = fallback {
            if !f.chars().all(is_latin1) {
                return Err(Error::new(Kind::Disposition(
                    "fallback must be ISO-8859-1 string: only the characters U+0020-U+007E \
                     and U+00A0-U+00FF are allowed",
                )));
            }
        }
        let name = basename(filename);
        let is_quoted_string = is_text(name);
        let fallback_name = match fallback {
            Fallback::Auto => Some(latin1(name)),
            Fallback::Off => None,
            Fallback::Name(f) => Some(basename(f).to_owned()),
        };
        let fallback_name = fallback_name.filter(|f| f != name);
        let has_fallback = fallback_name.is_some();
        let extended = (has_fallback || !is_quoted_string || has_hex_escape(name)).then_some(name);
        let plain = match fallback_name {
            Some(f) => Some(f),
            None => is_quoted_string.then(|| name.to_owned()),
        };
        Ok(Params { plain, extended })
    }
}

/// Node's POSIX `path.basename`: trailing slashes dropped, then everything
/// after the last `/`.
fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rfind('/').map_or(trimmed, |i| &trimmed[i + 1..])
}

/// A character the package keeps in a fallback (`[\x20-\x7e\xa0-\xff]`).
fn is_latin1(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}')
}

/// The package's `TEXT_REGEXP`: non-empty, `[\x20-\x7e\x80-\xff]` only.
fn is_text(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| matches!(c, '\u{20}'..='\u{7e}' | '\u{80}'..='\u{ff}'))
}

/// Whether `s` contains `%` followed by two hex digits.
fn has_hex_escape(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// The package's `getlatin1`: each UTF-16 code unit outside the kept range
/// becomes `?`, so a character beyond U+FFFF gives two.
fn latin1(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if is_latin1(c) {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf16()));
        }
    }
    out
}

/// A quoted string with `\` and `"` escaped.
fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// RFC 5987 value-chars: `encodeURIComponent`, then `'()*` escaped too, so
/// only letters, digits and `-_.!~` stay as they are.
fn push_encoded(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// A header value from text whose characters are all ISO-8859-1 (as
/// Content-Disposition's quoted fallback is): one byte per character, as
/// RFC 6266 reads it.
#[cfg_attr(
    not(any(feature = "koa", all(feature = "adonis", feature = "fs"))),
    allow(dead_code)
)]
pub(crate) fn header_value(value: &str) -> http::HeaderValue {
    let bytes: Vec<u8> = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    http::HeaderValue::from_bytes(&bytes)
        .unwrap_or_else(|_| http::HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cd(name: &str) -> String {
        content_disposition(Some(name), &Options::default()).unwrap()
    }

    fn with(name: Option<&str>, disposition: Disposition, fallback: Fallback) -> String {
        content_disposition(
            name,
            &Options {
                disposition,
                fallback,
            },
        )
        .unwrap()
    }

    #[test]
    fn no_name_is_the_bare_type() {
        assert_eq!(
            content_disposition(None, &Options::default()).unwrap(),
            "attachment"
        );
        assert_eq!(with(None, Disposition::Inline, Fallback::Auto), "inline");
    }

    #[test]
    fn plain_names_are_quoted_with_escapes() {
        assert_eq!(cd("file.pdf"), r#"attachment; filename="file.pdf""#);
        assert_eq!(cd("my file.txt"), r#"attachment; filename="my file.txt""#);
        assert_eq!(
            cd(r#"say "hi".txt"#),
            r#"attachment; filename="say \"hi\".txt""#
        );
        assert_eq!(cd(r"a\b.txt"), r#"attachment; filename="a\\b.txt""#);
        assert_eq!(cd("it's.txt"), r#"attachment; filename="it's.txt""#);
    }

    #[test]
    fn directories_are_dropped_on_slash_only() {
        assert_eq!(cd("dir/file.txt"), r#"attachment; filename="file.txt""#);
        assert_eq!(cd("/abs/to/r.csv/"), r#"attachment; filename="r.csv""#);
        assert_eq!(cd(r"C:\x\f.txt"), r#"attachment; filename="C:\\x\\f.txt""#);
        assert_eq!(cd("/"), "attachment; filename*=UTF-8''");
    }

    #[test]
    fn latin1_names_need_no_extended_parameter() {
        assert_eq!(cd("naïve.pdf"), "attachment; filename=\"naïve.pdf\"");
    }

    #[test]
    fn unicode_names_get_filename_star_and_a_fallback() {
        assert_eq!(
            cd("€ rates.txt"),
            "attachment; filename=\"? rates.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt"
        );
        // Beyond U+FFFF: two UTF-16 units, two question marks.
        assert_eq!(
            cd("😀.png"),
            "attachment; filename=\"??.png\"; filename*=UTF-8''%F0%9F%98%80.png"
        );
        // Control characters are not quotable.
        assert_eq!(
            cd("a\tb"),
            "attachment; filename=\"a?b\"; filename*=UTF-8''a%09b"
        );
        // C1 controls are quotable text but not kept in the fallback.
        assert_eq!(
            cd("a\u{85}b"),
            "attachment; filename=\"a?b\"; filename*=UTF-8''a%C2%85b"
        );
    }

    #[test]
    fn extended_value_escapes_everything_but_attr_chars() {
        assert_eq!(
            with(Some("(a*b)'€!~-_."), Disposition::Attachment, Fallback::Off),
            "attachment; filename*=UTF-8''%28a%2Ab%29%27%E2%82%AC!~-_."
        );
    }

    #[test]
    fn percent_escapes_in_names_add_filename_star() {
        assert_eq!(
            cd("100%20.txt"),
            "attachment; filename=\"100%20.txt\"; filename*=UTF-8''100%2520.txt"
        );
        assert_eq!(cd("100%.txt"), "attachment; filename=\"100%.txt\"");
    }

    #[test]
    fn empty_name_is_extended_only() {
        assert_eq!(cd(""), "attachment; filename*=UTF-8''");
    }

    #[test]
    fn fallback_off() {
        assert_eq!(
            with(Some("€.txt"), Disposition::Attachment, Fallback::Off),
            "attachment; filename*=UTF-8''%E2%82%AC.txt"
        );
        assert_eq!(
            with(Some("naïve.txt"), Disposition::Attachment, Fallback::Off),
            "attachment; filename=\"naïve.txt\""
        );
    }

    #[test]
    fn fallback_name() {
        let name = |f: &str| Fallback::Name(f.into());
        assert_eq!(
            with(Some("€.txt"), Disposition::Attachment, name("EUR.txt")),
            "attachment; filename=\"EUR.txt\"; filename*=UTF-8''%E2%82%AC.txt"
        );
        // A different fallback forces filename* even for a plain name.
        assert_eq!(
            with(
                Some("plans.pdf"),
                Disposition::Attachment,
                name("planes.pdf")
            ),
            "attachment; filename=\"planes.pdf\"; filename*=UTF-8''plans.pdf"
        );
        // The same name is no fallback; directories are dropped from it.
        assert_eq!(
            with(Some("a.pdf"), Disposition::Attachment, name("dir/a.pdf")),
            "attachment; filename=\"a.pdf\""
        );
        let err = content_disposition(
            Some("x.txt"),
            &Options {
                fallback: name("ü€"),
                ..Options::default()
            },
        )
        .unwrap_err();
        assert!(err.is_invalid_disposition());
        assert!(err
            .to_string()
            .contains("fallback must be ISO-8859-1 string"));
        // Without a file name the fallback is not looked at.
        assert_eq!(with(None, Disposition::Attachment, name("€")), "attachment");
    }

    #[test]
    fn types_are_tokens_sent_lower_case() {
        assert_eq!(
            with(
                Some("x.txt"),
                Disposition::Other("INLINE".into()),
                Fallback::Auto
            ),
            "inline; filename=\"x.txt\""
        );
        assert_eq!(
            with(None, Disposition::Other(String::new()), Fallback::Auto),
            "attachment"
        );
        for bad in ["invalid type", "a;b", "é"] {
            let err = content_disposition(
                Some("x.txt"),
                &Options {
                    disposition: Disposition::Other(bad.into()),
                    ..Options::default()
                },
            )
            .unwrap_err();
            assert!(err.is_invalid_disposition());
            assert!(err.to_string().contains("invalid type"));
        }
    }

    #[test]
    fn fallback_error_comes_before_type_error() {
        let err = content_disposition(
            Some("x"),
            &Options {
                disposition: Disposition::Other("bad type".into()),
                fallback: Fallback::Name("€".into()),
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("fallback"));
    }
}
