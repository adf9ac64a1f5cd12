//! Content-Disposition file names: rejoinder cleans the name a receiver
//! will save the file under, and keeps `filename=` ASCII (RFC 6266 §4.3).
//!
//! Each rule parses both headers, takes the name each one gives a receiver
//! (`filename*` when present, else `filename=`) and holds only when
//! rejoinder's name is the reference's after the cleaning, the disposition
//! types agree, and rejoinder's header has the form it always has:
//! `filename=` printable ASCII (the name with `?` for what ASCII cannot
//! hold, unless the fallback is off) and `filename*` whenever the name is
//! not ASCII. Any other difference (another type, another name, a name
//! missing, a non-ASCII `filename=`) is not explained.

use serde_json::Value;

use super::util::{header_of, list};
use super::{Rule, RuleCtx, Why};
use crate::outcome::Diff;

/// A Content-Disposition value taken apart.
#[derive(Debug, PartialEq)]
struct Parsed {
    /// The disposition type, lower-cased.
    kind: String,
    /// `filename=`, unquoted.
    plain: Option<String>,
    /// `filename*=UTF-8''…`, decoded.
    star: Option<String>,
}

impl Parsed {
    /// The name a receiver saves the file under.
    fn name(&self) -> Option<&str> {
        self.star.as_deref().or(self.plain.as_deref())
    }
}

/// Splits at `;` outside quoted strings.
fn params(header: &str) -> Vec<&str> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(header[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(header[start..].trim());
    out
}

/// The content of a quoted string.
fn unquote(v: &str) -> Option<String> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(out)
}

/// An RFC 5987 `UTF-8''…` value, decoded.
fn ext_value(v: &str) -> Option<String> {
    let pct = v.get(..7).filter(|p| p.eq_ignore_ascii_case("UTF-8''"))?;
    let raw = &v.as_bytes()[pct.len()..];
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(bytes).ok()
}

fn parse(header: &str) -> Option<Parsed> {
    let mut parts = params(header).into_iter();
    let kind = parts.next()?.to_ascii_lowercase();
    let (mut plain, mut star) = (None, None);
    for p in parts {
        let (k, v) = p.split_once('=')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "filename" => plain = Some(unquote(v.trim())?),
            "filename*" => star = Some(ext_value(v.trim())?),
            _ => return None,
        }
    }
    Some(Parsed { kind, plain, star })
}

/// The header value on one side of a diff: the string itself
/// (content-disposition.json) or a one-header list (wire cases).
fn side(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ => match list(v)?.as_slice() {
            [one] => Some(one),
            _ => None,
        },
    }
}

/// The case's fallback option: from the options of the call
/// (content-disposition.json) or of the operation naming the file.
fn fallback<'a>(ctx: &RuleCtx<'a>) -> Option<&'a Value> {
    if ctx.file == "content-disposition.json" {
        return ctx.input["options"].get("fallback");
    }
    super::util::ops(ctx.input)
        .find(|op| op.get("filename").is_some())
        .and_then(|op| op["options"].get("fallback"))
}

/// Characters a name loses: controls (C0, DEL, C1) and bidirectional
/// formatting characters.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// The reference's name after rejoinder's cleaning: the last component
/// after `\` (the reference already dropped `/` directories), without a
/// drive prefix, without hidden characters.
fn cleaned(name: &str) -> String {
    let last = name.rsplit(['\\', '/']).next().unwrap_or(name);
    let last = match last.as_bytes() {
        [d, b':', ..] if d.is_ascii_alphabetic() => &last[2..],
        _ => last,
    };
    last.chars().filter(|&c| !hidden(c)).collect()
}

/// Printable ASCII, fit for `filename="…"` as it is.
fn printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// `?` for every UTF-16 unit outside printable ASCII.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            let n = if printable_ascii(c.encode_utf8(&mut [0; 4])) {
                0
            } else {
                c.len_utf16()
            };
            std::iter::repeat_n('?', n).chain((n == 0).then_some(c))
        })
        .collect()
}

/// Whether rejoinder's header has rejoinder's form for its name.
fn rejoinder_form(ours: &Parsed, name: &str, fallback: Option<&Value>) -> bool {
    if ours.plain.as_deref().is_some_and(|p| !printable_ascii(p)) {
        return false;
    }
    if printable_ascii(name) {
        return ours.plain.as_deref() == Some(name);
    }
    ours.star.as_deref() == Some(name)
        && match fallback {
            Some(Value::Bool(false)) => ours.plain.is_none(),
            None | Some(Value::Bool(true)) => {
                ours.plain.as_deref() == Some(ascii_fallback(name).as_str())
            }
            Some(_) => ours.plain.is_some(),
        }
}

/// The two headers of a Content-Disposition difference, taken apart.
fn headers(ctx: &RuleCtx<'_>, diff: &Diff) -> Option<(Parsed, Parsed)> {
    let ours = match ctx.file {
        "content-disposition.json" => diff.what == "header",
        _ => header_of(diff) == Some("content-disposition"),
    };
    if !ours {
        return None;
    }
    Some((parse(side(&diff.expected)?)?, parse(side(&diff.actual)?)?))
}

/// The reference's name, when rejoinder's header is exactly the cleaned
/// name in rejoinder's form.
fn cleaned_difference(ctx: &RuleCtx<'_>, diff: &Diff) -> Option<String> {
    let (theirs, ours) = headers(ctx, diff)?;
    let name = theirs.name()?;
    let clean = cleaned(name);
    (theirs.kind == ours.kind
        && !clean.is_empty()
        && ours.name() == Some(clean.as_str())
        && rejoinder_form(&ours, &clean, fallback(ctx)))
    .then(|| name.to_owned())
}

fn windows_path(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    cleaned_difference(ctx, diff).is_some_and(|name| {
        let b = name.as_bytes();
        name.contains('\\') || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
    })
}

/// `\` separates directories too.
pub(super) const DISPOSITION_WINDOWS_PATH: Rule = Rule {
    name: "disposition-windows-path",
    predicate: "a Content-Disposition built from a file name; the reference's name holds \
                a `\\` or starts with a drive letter and colon; rejoinder's header names \
                the part after the last `\\` without the drive prefix (and without control \
                or bidi characters), with the same type, `filename=` printable ASCII and \
                `filename*` when the name is not ASCII; nothing else differs.",
    reason: "The package splits a path on `/` only and keeps `C:\\Users\\x\\file.txt` \
             or `..\\..\\evil.txt` whole in the header; rejoinder drops Windows and UNC \
             directories as it drops `/` ones, so no receiver is handed a path.",
    why: Why::Safer,
    explains: windows_path,
};

fn control_characters(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    cleaned_difference(ctx, diff).is_some_and(|name| name.chars().any(hidden))
}

/// Control and bidi characters are removed from the name.
pub(super) const DISPOSITION_CONTROL_CHARACTERS: Rule = Rule {
    name: "disposition-control-characters",
    predicate: "a Content-Disposition built from a file name; the reference's name holds \
                a control character (C0, DEL, C1) or a bidirectional formatting character \
                (U+200E, U+200F, U+061C, U+202A–U+202E, U+2066–U+2069); rejoinder's header \
                names it with exactly those characters removed, with the same type and \
                rejoinder's ASCII `filename=`; nothing else differs.",
    reason: "The package replaces a control character with `?` in `filename=` but sends \
             it percent-encoded in `filename*` (`tab%09here.txt`), and keeps right-to-left \
             overrides that make `invoice\\u202Efdp.exe` display as `invoiceexe.pdf`; \
             rejoinder removes them from the name itself.",
    why: Why::Safer,
    explains: control_characters,
};

fn ascii_filename(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let Some((theirs, _)) = headers(ctx, diff) else {
        return false;
    };
    theirs.plain.as_deref().is_some_and(|p| !printable_ascii(p))
        && cleaned_difference(ctx, diff)
            .is_some_and(|name| name == cleaned(&name) && !printable_ascii(&name))
}

/// `filename=` stays ASCII; the name itself is sent in `filename*`.
pub(super) const DISPOSITION_ASCII_FILENAME: Rule = Rule {
    name: "disposition-ascii-filename",
    predicate: "a Content-Disposition built from a file name that is not ASCII; the \
                reference's `filename=` holds it raw (ISO-8859-1 characters such as `ï`); \
                rejoinder's header has the same type and name, sent in `filename*`, with a \
                `filename=` of printable ASCII (`?` for each character beyond it) or none \
                when the fallback is off; nothing else differs.",
    reason: "RFC 6266 §4.3: the `filename=` fallback is for receivers that do not read \
             `filename*`, and a raw ISO-8859-1 byte in a header is read as something else \
             by many of them (it is not UTF-8); rejoinder keeps every header value ASCII \
             and the name exact in `filename*`.",
    why: Why::Safer,
    explains: ascii_filename,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_taken_apart() {
        let p =
            parse(r#"attachment; filename="a\"b.txt"; filename*=UTF-8''a%22b%C3%AF.txt"#).unwrap();
        assert_eq!(p.kind, "attachment");
        assert_eq!(p.plain.as_deref(), Some("a\"b.txt"));
        assert_eq!(p.name(), Some("a\"bï.txt"));
        assert_eq!(parse("inline").unwrap().name(), None);
        assert!(parse("attachment; filename*=UTF-8''%ZZ").is_none());
        assert!(parse("attachment; other=1").is_none());
    }

    #[test]
    fn names_are_cleaned_and_fallbacks_ascii() {
        assert_eq!(cleaned(r"C:\Users\x\file.txt"), "file.txt");
        assert_eq!(cleaned("tab\there.txt"), "tabhere.txt");
        assert_eq!(cleaned("C:name"), "name");
        assert_eq!(ascii_fallback("naïve 😀.pdf"), "na?ve ??.pdf");
    }
}
