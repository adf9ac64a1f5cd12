//! How Lua values from Kong's vectors reach Rust signatures.
//!
//! A Lua argument the Rust parameter can hold is converted (an integral
//! number to `u16` or `usize`, a header table to name/value lists); any
//! other is reported as an [`UNREPRESENTABLE`](crate::outcome::UNREPRESENTABLE)
//! difference naming the argument, never rounded or coerced into something
//! the reference was not given.

use serde_json::Value;

use crate::outcome::Diff;

/// An argument that could not be passed, as its difference (boxed: the
/// error side of every conversion stays small).
pub(crate) type Unpassable = Box<Diff>;

/// The kinds of Rust parameter a Kong argument reaches, as named in an
/// unrepresentable-argument difference.
pub(crate) mod takes {
    /// A status code (`u16`).
    pub(crate) const STATUS: &str = "u16 status";
    /// `get_headers`'s limit (`Option<usize>`).
    pub(crate) const LIMIT: &str = "usize limit";
    /// A header name (`&str`).
    pub(crate) const NAME: &str = "&str header name";
    /// `error()`'s message: text, a JSON value or nothing.
    pub(crate) const MESSAGE: &str = "error message";
    /// `exit()`'s body: text, a JSON value or nothing.
    pub(crate) const BODY: &str = "exit body";
    /// A headers argument: (name, values) pairs.
    pub(crate) const HEADERS: &str = "header pairs";
    /// One header's value: text or a list of text.
    pub(crate) const HEADER_VALUE: &str = "header value";
    /// An entry of a header's list of values: text.
    pub(crate) const LIST_ITEM: &str = "header list text";
    /// Every kind that takes an integer.
    pub(crate) const INTEGERS: [&str; 2] = [STATUS, LIMIT];
}

/// `base` extended by one JSON-pointer segment.
pub(crate) fn pointer(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// The integral value of a Lua number, if it has one (LuaJIT numbers are
/// doubles: `5` and `5.0` are the same number).
pub(crate) fn integral(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| {
            n.as_u64().map(i128::from).or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e30)
                    .map(|f| f as i128)
            })
        }),
        _ => None,
    }
}

/// A status argument as `u16`: only an integral number in range.
pub(crate) fn lua_status(v: &Value, at: &str) -> Result<u16, Unpassable> {
    integral(v)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| Box::new(Diff::unrepresentable(at, v, takes::STATUS)))
}

/// `get_headers`'s limit: absent, or an integral number in range.
pub(crate) fn lua_limit(v: &Value, at: &str) -> Result<Option<usize>, Unpassable> {
    if v.is_null() {
        return Ok(None);
    }
    integral(v)
        .and_then(|n| usize::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| Box::new(Diff::unrepresentable(at, v, takes::LIMIT)))
}

/// Kong's headers argument as (name, values).
///
/// A table without an array part as a value (a JSON object) is what
/// Kong's `ipairs` finds empty: an empty list, which clears the header.
/// `nil` means no headers. Anything else a Rust list of pairs cannot hold
/// is unrepresentable.
pub(crate) fn lua_headers(v: &Value, at: &str) -> Result<Vec<(String, Vec<String>)>, Unpassable> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, value)| Ok((k.clone(), header_values(value, &pointer(at, k))?)))
            .collect(),
        other => Err(Box::new(Diff::unrepresentable(at, other, takes::HEADERS))),
    }
}

fn header_values(v: &Value, at: &str) -> Result<Vec<String>, Unpassable> {
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(Box::new(Diff::unrepresentable(
                    &pointer(at, &i.to_string()),
                    other,
                    takes::LIST_ITEM,
                ))),
            })
            .collect(),
        Value::Object(_) => Ok(Vec::new()),
        scalar => lua_string(scalar)
            .map(|s| vec![s])
            .ok_or_else(|| Box::new(Diff::unrepresentable(at, scalar, takes::HEADER_VALUE))),
    }
}

/// A Lua scalar as Kong turns it into a header value (`tostring`).
pub(crate) fn lua_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers() {
        assert_eq!(lua_status(&json!(404), "/s").ok(), Some(404));
        assert_eq!(lua_status(&json!(404.0), "/s").ok(), Some(404));
        for v in [
            json!(400.5),
            json!(-1),
            json!(70000),
            json!("404"),
            json!({"float": "nan"}),
        ] {
            let d = lua_status(&v, "/s").unwrap_err();
            assert_eq!(d.argument(), Some(("/s", &v, takes::STATUS)));
        }
        assert_eq!(lua_limit(&Value::Null, "/m").ok(), Some(None));
        assert!(lua_limit(&json!(1000.5), "/m").is_err());
    }

    #[test]
    fn headers() {
        let h = lua_headers(&json!({"X-A": {"k": "v"}, "X-B": 1.5}), "/h").unwrap();
        assert_eq!(
            h,
            [
                ("X-A".to_owned(), vec![]),
                ("X-B".to_owned(), vec!["1.5".to_owned()])
            ]
        );
        let d = lua_headers(&json!({"X/A": [1]}), "/h").unwrap_err();
        assert_eq!(d.argument().unwrap().0, "/h/X~1A/0");
        assert!(lua_headers(&json!(["v"]), "/h").is_err());
        assert!(lua_headers(&json!({"X-A": null}), "/h").is_err());
    }
}
