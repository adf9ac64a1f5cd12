//! Reading values out of vectors: base64 bodies, Latin-1 header text,
//! string lists, header lists, JSON compared as JSON.

use std::collections::BTreeMap;

use base64::Engine;
use rejoinder::http::HeaderValue;
use rejoinder::Response;
use serde_json::Value;

pub(crate) fn base64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}

pub(crate) fn latin1_to_utf8(s: &str) -> String {
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub(crate) fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

/// A `[[name, value], …]` list as name → values, values in order.
pub(crate) fn header_lists(list: &Value) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in list.as_array().into_iter().flatten() {
        map.entry(pair[0].as_str().unwrap_or_default().to_owned())
            .or_default()
            .push(pair[1].as_str().unwrap_or_default().to_owned());
    }
    map
}

/// The values of `name` in a JSON object of name → list of values, as
/// recorded in an observation (`null` when absent).
pub(crate) fn observed_header<'a>(observed: &'a Value, name: &str) -> Option<Vec<&'a str>> {
    observed["headers"][name]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

/// JSON values equal as JSON: numbers compare by value (`1e+300` and
/// `1e300`, `-0` and `-0.0`), objects regardless of key order.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        (x, y) => x == y,
    }
}

/// A body as JSON text parsed, if it is JSON.
pub(crate) fn parse_json(text: &Value) -> Option<Value> {
    serde_json::from_str(text.as_str()?).ok()
}

/// A header value as the vectors write it (ISO-8859-1 text).
pub(crate) fn text(v: &HeaderValue) -> String {
    v.as_bytes().iter().map(|&b| b as char).collect()
}

/// Name → values of a response's headers, names as sent.
pub(crate) fn values_by_name(res: &Response) -> BTreeMap<String, Vec<String>> {
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, v) in res.headers() {
        actual
            .entry(n.as_str().to_owned())
            .or_default()
            .push(text(v));
    }
    actual
}
