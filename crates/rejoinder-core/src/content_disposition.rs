//! Content-Disposition headers, built as the `content-disposition` package
//! (1.0) builds them, with the hardening RFC 6266 asks for where the package
//! is lax (each departure is a named rule in the conformance runner):
//!
//! - Only the last path component of the file name is used, split on `/`
//!   and on `\`, with a drive prefix (`C:`) dropped: `C:\Users\x\a.txt`,
//!   `\\server\share\a.txt` and `../a.txt` all send `a.txt`. (The package
//!   splits on `/` only.)
//! - Control characters (C0, DEL, C1) and the bidirectional formatting
//!   characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C: an
//!   RTL override can show `invoice\u{202E}fdp.exe` as `invoiceexe.pdf`) are
//!   removed from the name, from `filename` and `filename*` alike. (The
//!   package turns them into `?` in one and sends them encoded in the other.)
//! - The plain `filename="…"` is ASCII: every other character becomes `?`,
//!   and the UTF-8 name goes in RFC 5987 `filename*=UTF-8''…`. (The package
//!   sends ISO-8859-1 characters raw in `filename`.)
//!
//! As in the package, a name that is printable ASCII goes in
//! `filename="…"` with `\` and `"` escaped; a name that also contains
//! something that looks like a percent escape is sent as `filename*` too;
//! the fallback can be turned off or given explicitly with [`Fallback`].
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
//! assert_eq!(
//!     content_disposition(Some(r"C:\Users\x\naïve.txt"), &opts).unwrap(),
//!     r#"attachment; filename="na?ve.txt"; filename*=UTF-8''na%C3%AFve.txt"#,
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
    /// printable ASCII with `?` (the package's `true`, the default).
    #[default]
    Auto,
    /// Send no fallback: a name that does not fit a quoted string is sent
    /// only as `filename*` (the package's `false`).
    Off,
    /// Send this name (its last path component) as the fallback. It must be
    /// ISO-8859-1 without control characters, as in the package; characters
    /// outside ASCII are sent as `?`.
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
            push_encoded(&mut out, &ext);
        }
    }
    Ok(out)
}

/// The filename parameters (the package's `createparams`).
struct Params {
    plain: Option<String>,
    extended: Option<String>,
}

impl Params {
    fn new(filename: &str, fallback: &Fallback) -> Result<Self, Error> {
        if let Fallback::Name(f) = fallback {
            if !f.chars().all(is_latin1) {
                return Err(Error::new(Kind::Disposition(
                    "fallback must be ISO-8859-1 string: only the characters U+0020-U+007E \
                     and U+00A0-U+00FF are allowed",
                )));
            }
        }
        let name = file_name(filename);
        let is_ascii = is_ascii_text(&name);
        let fallback_name = match fallback {
            Fallback::Auto => Some(ascii(&name)),
            Fallback::Off => None,
            Fallback::Name(f) => Some(ascii(&file_name(f))),
        };
        let fallback_name = fallback_name.filter(|f| *f != name);
        let has_fallback = fallback_name.is_some();
        let plain = match fallback_name {
            Some(f) => Some(f),
            None => is_ascii.then(|| name.clone()),
        };
        let extended = (has_fallback || !is_ascii || has_hex_escape(&name)).then_some(name);
        Ok(Params { plain, extended })
    }
}

/// The name a receiver may save the file as: the last path component
/// (split on `/` and `\\`, trailing separators and drive prefixes dropped),
/// without control or bidirectional formatting characters.
///
/// The hidden characters go first, so that none can split a separator or a
/// drive prefix (`C\0:` is the drive `C:`), and every drive prefix goes, so
/// that the name given back is its own file name.
///
/// ```
/// use rejoinder_core::content_disposition::file_name;
///
/// assert_eq!(file_name(r"C:\Users\x\report.pdf"), "report.pdf");
/// assert_eq!(file_name(r"\\server\share\a.txt"), "a.txt");
/// assert_eq!(file_name("../../etc/passwd"), "passwd");
/// assert_eq!(file_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
/// assert_eq!(file_name("a\r\nb.txt"), "ab.txt");
/// assert_eq!(file_name("C\0:f.txt"), "f.txt");
/// ```
pub fn file_name(path: &str) -> String {
    let visible: String = path.chars().filter(|&c| !is_hidden(c)).collect();
    let trimmed = visible.trim_end_matches(['/', '\\']);
    let mut last = trimmed
        .rfind(['/', '\\'])
        .map_or(trimmed, |i| &trimmed[i + 1..]);
    while let [drive, b':', ..] = last.as_bytes() {
        if !drive.is_ascii_alphabetic() {
            break;
        }
        last = &last[2..];
    }
    last.to_owned()
}

/// Control characters (C0, DEL, C1) and the bidirectional formatting
/// characters, which can make a name display as something else.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A character the package accepts in an explicit fallback
/// (`[\x20-\x7e\xa0-\xff]`).
fn is_latin1(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}')
}

/// Non-empty printable ASCII: fits `filename="…"` as it is.
fn is_ascii_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| matches!(b, 0x20..=0x7e))
}

/// Whether `s` contains `%` followed by two hex digits.
fn has_hex_escape(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// The ASCII fallback: each UTF-16 code unit outside printable ASCII
/// becomes `?` (as the package's `getlatin1` does for its wider range), so a
/// character beyond U+FFFF gives two.
fn ascii(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
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

/// The header value of a built Content-Disposition (always ASCII).
#[cfg_attr(
    not(any(feature = "koa", all(feature = "adonis", feature = "fs"))),
    allow(dead_code)
)]
pub(crate) fn header_value(value: &str) -> http::HeaderValue {
    http::HeaderValue::from_str(value)
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
        assert_eq!(cd("it's.txt"), r#"attachment; filename="it's.txt""#);
    }

    #[test]
    fn directories_are_dropped_on_either_slash_and_drives_too() {
        assert_eq!(cd("dir/file.txt"), r#"attachment; filename="file.txt""#);
        assert_eq!(cd("/abs/to/r.csv/"), r#"attachment; filename="r.csv""#);
        assert_eq!(cd(r"a\b.txt"), r#"attachment; filename="b.txt""#);
        assert_eq!(cd(r"C:\x\f.txt"), r#"attachment; filename="f.txt""#);
        assert_eq!(cd("C:f.txt"), r#"attachment; filename="f.txt""#);
        assert_eq!(cd(r"\\srv\share\f.txt"), r#"attachment; filename="f.txt""#);
        assert_eq!(cd(r"..\..\f.txt"), r#"attachment; filename="f.txt""#);
        assert_eq!(cd("/"), "attachment; filename*=UTF-8''");
    }

    #[test]
    fn hidden_characters_split_no_drive_or_separator() {
        // Found by the content_disposition fuzz target: `C\0:` was no drive
        // until the NUL went, so it gave `C:`, whose own file name is empty.
        assert_eq!(file_name("C\0:"), "");
        assert_eq!(file_name("C\u{202e}:f.txt"), "f.txt");
        assert_eq!(file_name("d/\0"), "d");
        assert_eq!(file_name("a/b\u{200e}/"), "b");
        // Every drive prefix goes, not only the first.
        assert_eq!(file_name("C:D:f.txt"), "f.txt");
        assert_eq!(file_name("C:\0D:f.txt"), "f.txt");
        assert_eq!(file_name("1:f.txt"), "1:f.txt");
        for name in ["C\0:", "C:D:f", "x\\C\u{7f}:\\", "C:\u{202e}C:a", "::a"] {
            let once = file_name(name);
            assert_eq!(file_name(&once), once, "{name:?}");
        }
    }

    #[test]
    fn the_plain_filename_is_ascii() {
        assert_eq!(
            cd("naïve.pdf"),
            "attachment; filename=\"na?ve.pdf\"; filename*=UTF-8''na%C3%AFve.pdf"
        );
        for name in [
            "naïve résumé.pdf",
            "日本語.txt",
            "\u{a0}.txt",
            "ÿ",
            "😀.png",
        ] {
            let header = cd(name);
            assert!(header.is_ascii(), "{header}");
            assert!(header.contains("filename*=UTF-8''"), "{header}");
        }
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
    }

    #[test]
    fn control_and_bidi_characters_are_removed_from_both_parameters() {
        assert_eq!(cd("a\tb"), r#"attachment; filename="ab""#);
        assert_eq!(cd("a\u{85}b"), r#"attachment; filename="ab""#);
        assert_eq!(cd("a\u{1b}[31mb"), r#"attachment; filename="a[31mb""#);
        for name in ["a\r\nb", "a\0b", "a\u{7f}b", "a\u{9b}b"] {
            assert_eq!(cd(name), r#"attachment; filename="ab""#, "{name:?}");
        }
        assert_eq!(
            cd("invoice\u{202e}fdp.exe"),
            r#"attachment; filename="invoicefdp.exe""#
        );
        for bidi in [
            '\u{200e}', '\u{200f}', '\u{061c}', '\u{202a}', '\u{2066}', '\u{2069}',
        ] {
            assert_eq!(
                cd(&format!("a{bidi}b.txt")),
                r#"attachment; filename="ab.txt""#
            );
        }
        assert_eq!(
            cd("é\u{202e}\n.txt"),
            "attachment; filename=\"?.txt\"; filename*=UTF-8''%C3%A9.txt"
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
            "attachment; filename*=UTF-8''na%C3%AFve.txt"
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
        // An ISO-8859-1 fallback is accepted and sent as ASCII.
        assert_eq!(
            with(Some("€.txt"), Disposition::Attachment, name("ü.txt")),
            "attachment; filename=\"?.txt\"; filename*=UTF-8''%E2%82%AC.txt"
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
