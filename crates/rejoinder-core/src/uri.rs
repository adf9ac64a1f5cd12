//! URL helpers for redirects: `encodeurl`'s encoding, HTML escaping, and a
//! `qs`-compatible query-string codec with nested keys.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::uri::{encode_url, escape_html, qs_parse, qs_stringify};
//!
//! assert_eq!(encode_url("/a b?x=<y>"), "/a%20b?x=%3Cy%3E");
//! assert_eq!(encode_url("/already%20encoded/100%"), "/already%20encoded/100%25");
//! assert_eq!(escape_html("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
//! let q = qs_parse("sort=asc&tags[]=x&filters[name]=virk");
//! assert_eq!(qs_stringify(&q), "sort=asc&tags%5B0%5D=x&filters%5Bname%5D=virk");
//! ```

use std::borrow::Cow;
use std::fmt::Write;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use serde_json::{Map, Value};

/// Whether `encodeurl` leaves this byte as is: the characters a URL may
/// contain (`!`, `#`–`;`, `=`, `?`–`_`, `a`–`z`, `|`, `~`).
fn url_safe(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x3B | 0x3D | 0x3F..=0x5F | 0x61..=0x7A | 0x7C | 0x7E)
}

/// Encodes a URL for a Location header as the `encodeurl` package does:
/// (Written by hand: `percent-encoding`'s sets encode every `%` or none,
/// while `encodeurl` keeps a `%` that starts a valid escape and encodes a
/// stray one, which no `AsciiSet` expresses.)
///
/// characters a URL cannot contain are percent-encoded (as UTF-8), valid
/// `%XX` escapes are kept, and a `%` that starts no escape becomes `%25`.
/// CR, LF and other control characters are always encoded, so the result is
/// a safe header value.
pub fn encode_url(url: &str) -> Cow<'_, str> {
    let bytes = url.as_bytes();
    let is_hex = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
    let clean = bytes
        .iter()
        .enumerate()
        .all(|(i, &b)| url_safe(b) && (b != b'%' || (is_hex(i + 1) && is_hex(i + 2))));
    if clean {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len() + 16);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%' {
            if is_hex(i + 1) && is_hex(i + 2) {
                out.push('%');
            } else {
                out.push_str("%25");
            }
        } else if url_safe(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Cow::Owned(out)
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attributes.
pub fn escape_html(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// Escapes `&`, `<` and `>` only: enough for HTML or XML element text,
/// leaving quotes as written.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

fn escape(s: &str, quotes: bool) -> Cow<'_, str> {
    let special = |c: char| matches!(c, '&' | '<' | '>') || (quotes && matches!(c, '"' | '\''));
    if !s.contains(special) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// What `encodeURIComponent` encodes: everything but
/// `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is
/// percent-encoded as UTF-8.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

fn decode_component(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_decode(&s)
}

/// Decodes `%XX` escapes (invalid ones are kept as written); the bytes are
/// read as UTF-8, lossily.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Splits `a[b][c]` into `["a", "b", "c"]` (an empty part for `[]`).
fn key_path(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_owned()];
    };
    if open == 0 || !key.ends_with(']') {
        return vec![key.to_owned()];
    }
    let mut parts = vec![key[..open].to_owned()];
    for segment in key[open + 1..key.len() - 1].split("][") {
        parts.push(segment.to_owned());
    }
    parts
}

fn insert(target: &mut Value, path: &[String], value: String) {
    let Some((head, rest)) = path.split_first() else {
        return;
    };
    if let Value::Array(items) = target {
        // `a[]=x` appends; an index names a slot.
        let idx = if head.is_empty() {
            items.len()
        } else {
            match head.parse::<usize>() {
                Ok(i) if i <= items.len() + 20 => i,
                _ => {
                    let map: Map<String, Value> = items
                        .drain(..)
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v))
                        .collect();
                    *target = Value::Object(map);
                    return insert(target, path, value);
                }
            }
        };
        while items.len() <= idx {
            items.push(Value::Null);
        }
        return place(&mut items[idx], rest, value);
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(map) = target {
        let slot = map.entry(head.clone()).or_insert(Value::Null);
        place(slot, rest, value);
    }
}

fn place(slot: &mut Value, rest: &[String], value: String) {
    if rest.is_empty() {
        *slot = match std::mem::take(slot) {
            Value::Null => Value::String(value),
            Value::Array(mut a) => {
                a.push(Value::String(value));
                Value::Array(a)
            }
            other => Value::Array(vec![other, Value::String(value)]),
        };
        return;
    }
    if slot.is_null() {
        let numeric = rest[0].is_empty() || rest[0].parse::<usize>().is_ok();
        *slot = if numeric {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
    }
    insert(slot, rest, value);
}

/// Parses a query string the way the `qs` package does for the common
/// cases: `a=1&b=2`, repeated keys become lists, `a[]=x` lists, `a[0]=x`
/// indexed lists and `a[b]=c` nested objects. Values are strings.
pub fn qs_parse(query: &str) -> Value {
    let mut root = Value::Object(Map::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_component(k);
        if key.is_empty() {
            continue;
        }
        insert(&mut root, &key_path(&key), decode_component(v));
    }
    root
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn stringify_into(prefix: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                stringify_into(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                stringify_into(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                out.push(format!(
                    "{}={}",
                    encode_component(prefix),
                    encode_component(&s)
                ));
            }
        }
    }
}

/// Writes a query string the way the `qs` package does: nested objects as
/// `a%5Bb%5D=c`, lists as `a%5B0%5D=x`, keys and values percent-encoded.
/// `null` values are written as empty; an empty object gives `""`.
pub fn qs_stringify(value: &Value) -> String {
    let mut parts = Vec::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            stringify_into(k, v, &mut parts);
        }
    }
    parts.join("&")
}

/// Merges `extra` into `base` key by key (later keys win), as
/// `Object.assign` does.
pub fn qs_merge(base: &mut Value, extra: &Value) {
    if let (Value::Object(b), Value::Object(e)) = (base, extra) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_like_encodeurl() {
        assert_eq!(encode_url("/a\r\nSet-Cookie: x"), "/a%0D%0ASet-Cookie:%20x");
        assert_eq!(encode_url("/caf\u{e9}"), "/caf%C3%A9");
        assert_eq!(encode_url("/%zz%4"), "/%25zz%254");
        assert_eq!(
            encode_url("http://example.com/@evil.test"),
            "http://example.com/@evil.test"
        );
    }

    #[test]
    fn query_strings_round_trip() {
        let v = json!({"page": 1, "filters": {"name": "virk"}});
        assert_eq!(qs_stringify(&v), "page=1&filters%5Bname%5D=virk");
        assert_eq!(qs_parse("a=1&a=2"), json!({"a": ["1", "2"]}));
        assert_eq!(qs_parse("x=a%20b+c"), json!({"x": "a b c"}));
        assert_eq!(qs_stringify(&json!({})), "");
    }
}
