//! How Lua values from Kong's vectors reach Rust signatures: numbers
//! truncated to integers, header tables to name/value lists.

use serde_json::Value;

/// A Lua number as it reaches an integer parameter: truncated toward zero,
/// saturating at the ends. Anything else cannot be passed in Rust.
pub(crate) fn lua_status(v: &Value) -> Result<u16, String> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0) as u16),
        Value::Object(o) => match o.get("float").and_then(Value::as_str) {
            Some("inf") => Ok(u16::MAX),
            Some(_) => Ok(0),
            None => Err(format!("status {v} is not a number")),
        },
        other => Err(format!(
            "status {other} is not a number: a u16 parameter cannot take it"
        )),
    }
}

/// Kong's headers argument as (name, values); `Err` when a value is not
/// something a Rust header value can be. A table without an array part as
/// a value (a JSON object) is what Kong's `ipairs` finds empty: an empty
/// list, which clears the header.
pub(crate) fn lua_headers(v: &Value) -> Result<Vec<(String, Vec<String>)>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let values = match v {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            Value::String(s) => Ok(s.clone()),
                            other => Err(format!("header {k}: {other} in a list is not a string")),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    Value::Object(_) => Vec::new(),
                    scalar => vec![lua_string(scalar)
                        .ok_or_else(|| format!("header {k}: {scalar} is not a header value"))?],
                };
                Ok((k.clone(), values))
            })
            .collect(),
        other => Err(format!("headers {other} is not a table of headers")),
    }
}

/// A Lua scalar as Kong turns it into a header value.
pub(crate) fn lua_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
