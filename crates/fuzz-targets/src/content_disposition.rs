//! Content-Disposition values for arbitrary names, types and fallbacks.

use rejoinder_core::content_disposition::{self as cd, Disposition, Fallback, Options};
use rejoinder_core::prelude::*;

use crate::Fields;

/// The characters a receiver must never be shown in a file name: controls
/// and the bidirectional formatting characters.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// The parameters of a Content-Disposition value as (name, decoded value):
/// quoted strings unescaped, others as written.
fn parse_params(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = value.splitn(2, ';');
    let ty = parts.next().unwrap_or("").to_owned();
    let mut rest = parts.next().unwrap_or("");
    let mut params = Vec::new();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([' ', ';']);
        let Some((name, after)) = rest.split_once('=') else {
            panic!("parameter without '=' in {value:?}");
        };
        let (val, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => out.push(chars.next().expect("escape at the end").1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            let end = end.unwrap_or_else(|| panic!("unterminated quoted string in {value:?}"));
            (out, &quoted[end..])
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        params.push((name.to_owned(), val));
        rest = next;
    }
    (ty, params)
}

/// Checks one built value.
fn check_value(out: &str, name: Option<&str>) {
    assert!(out.is_ascii(), "not ASCII: {out:?}");
    assert!(
        !out.bytes().any(|b| b < 0x20 || b == 0x7f),
        "control character in {out:?}"
    );
    assert!(http::HeaderValue::from_str(out).is_ok(), "{out:?}");
    let (ty, params) = parse_params(out);
    assert!(
        rejoinder_core::header::is_token(&ty),
        "type {ty:?} in {out:?}"
    );
    assert_eq!(ty, ty.to_ascii_lowercase(), "type sent lower-cased");
    if name.is_none() {
        assert!(params.is_empty(), "no name, no parameters: {out:?}");
    }
    for (key, val) in &params {
        match key.as_str() {
            "filename" => {
                assert!(
                    val.bytes().all(|b| (0x20..0x7f).contains(&b)),
                    "fallback not printable ASCII: {val:?} in {out:?}"
                );
                assert!(
                    !val.contains(['/', '\\']),
                    "path in fallback {val:?} ({out:?})"
                );
            }
            "filename*" => {
                let encoded = val
                    .strip_prefix("UTF-8''")
                    .unwrap_or_else(|| panic!("filename* without UTF-8'': {out:?}"));
                assert!(
                    encoded.bytes().all(|b| b == b'%'
                        || b.is_ascii_alphanumeric()
                        || b"!#$&+-.^_`|~".contains(&b)),
                    "filename* not attr-chars: {out:?}"
                );
                let decoded = percent_encoding::percent_decode_str(encoded)
                    .decode_utf8()
                    .unwrap_or_else(|_| panic!("filename* not UTF-8: {out:?}"));
                assert!(
                    !decoded.chars().any(is_hidden),
                    "hidden character in filename* {decoded:?}"
                );
                assert!(
                    !decoded.contains(['/', '\\']),
                    "path in filename* {decoded:?}"
                );
            }
            other => panic!("unexpected parameter {other:?} in {out:?}"),
        }
    }
}

/// Fuzz target: `content_disposition` and `file_name` on arbitrary input.
/// Fields: a selector byte (disposition and fallback kind, whether a name
/// is given), the name, the type, the fallback name.
pub fn content_disposition(data: &[u8]) {
    let mut fields = Fields::new(data);
    let sel = fields.byte();
    let name = fields.str();
    let ty = fields.str();
    let fallback = fields.str();

    let file = cd::file_name(&name);
    assert!(
        !file.contains(['/', '\\']),
        "file_name kept a path: {file:?}"
    );
    assert!(!file.chars().any(is_hidden), "file_name kept {file:?}");
    assert_eq!(cd::file_name(&file), file, "file_name is idempotent");

    let disposition = match sel % 3 {
        0 => Disposition::Attachment,
        1 => Disposition::Inline,
        _ => Disposition::Other(ty.clone()),
    };
    let fallback = match (sel / 3) % 3 {
        0 => Fallback::Auto,
        1 => Fallback::Off,
        _ => Fallback::Name(fallback),
    };
    let with_name = sel & 0x80 == 0;
    let options = Options {
        disposition: disposition.clone(),
        fallback,
    };
    let given = with_name.then_some(name.as_str());
    match cd::content_disposition(given, &options) {
        Ok(out) => check_value(&out, given),
        Err(e) => {
            assert!(e.is_invalid_disposition(), "{e}");
            let bad_type = matches!(&disposition, Disposition::Other(t)
                if !t.is_empty() && !rejoinder_core::header::is_token(t));
            assert!(
                bad_type || (with_name && matches!(options.fallback, Fallback::Name(_))),
                "refused without a reason: {e}"
            );
        }
    }
    // Koa's attachment sends the same text, or refuses and changes nothing.
    let built = cd::content_disposition(given, &options).ok();
    let mut res = rejoinder_core::Response::new();
    match res.attachment(given, &options) {
        Ok(_) => assert_eq!(res.get("content-disposition"), built.as_deref()),
        Err(_) => {
            assert!(built.is_none(), "attachment refused what was built");
            assert!(res.headers().is_empty(), "a refused attachment set headers");
        }
    }
}
