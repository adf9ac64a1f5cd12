//! Header text that is not ASCII: the references send it, rejoinder's text
//! setters refuse it (RFC 9110 §5.5).

use serde_json::Value;

use super::util::{header_of, ops};
use super::{Rule, RuleCtx, Why};
use crate::outcome::Diff;

/// What every refusal of non-ASCII header text says (the library's error
/// message; the rule holds only where rejoinder really refused).
const REFUSAL: &str = "which is not ASCII; header text is visible ASCII";

/// The `(name, value)` header texts of the input that are not ASCII: the
/// Node ops' `set_header`/`append_header`/`set_headers`, Kong's `headers`
/// tables (exit, set_headers).
fn non_ascii_texts(input: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut add = |name: &str, value: &Value| {
        let values: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for v in values.into_iter().filter(|v| !v.is_ascii()) {
            found.push((name.to_ascii_lowercase(), v.to_owned()));
        }
    };
    for op in ops(input) {
        match op["op"].as_str() {
            Some("set_header" | "append_header") => {
                add(op["name"].as_str().unwrap_or_default(), &op["value"]);
            }
            Some("set_headers") => {
                for (n, v) in op["headers"].as_object().into_iter().flatten() {
                    add(n, v);
                }
            }
            _ => {}
        }
    }
    for (n, v) in input["headers"].as_object().into_iter().flatten() {
        add(n, v);
    }
    found
}

/// Whether `v` holds a refusal naming one of `texts` (its header and value).
fn names_refusal(v: &Value, texts: &[(String, String)]) -> bool {
    match v {
        Value::String(s) => {
            s.contains(REFUSAL)
                && texts
                    .iter()
                    .any(|(n, t)| s.contains(&format!("{n:?}")) && s.contains(&format!("{t:?}")))
        }
        Value::Array(a) => a.iter().any(|x| names_refusal(x, texts)),
        Value::Object(o) => o.values().any(|x| names_refusal(x, texts)),
        _ => false,
    }
}

/// The 500 a Node app answers when a header setter throws (Koa's default
/// error handler): which of its parts this difference is.
fn node_error_answer(diff: &Diff, texts: &[(String, String)]) -> bool {
    const TEXT: &str = "Internal Server Error";
    match diff.what.as_str() {
        "status" => diff.actual == 500,
        "reason" | "body" => diff.actual == TEXT,
        _ => match header_of(diff) {
            Some("content-length") => diff.actual == serde_json::json!([TEXT.len().to_string()]),
            Some("content-type") => {
                diff.actual == serde_json::json!(["text/plain; charset=utf-8"])
                    || diff.actual.is_null()
            }
            // The refused header itself, and the other headers the error
            // answer does not carry.
            Some(name) => diff.actual.is_null() || texts.iter().any(|(n, _)| n == name),
            None => false,
        },
    }
}

fn header_text_ascii(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let texts = non_ascii_texts(ctx.input);
    if texts.is_empty() {
        return false;
    }
    let refused_here = names_refusal(&diff.actual, &texts);
    match ctx.file {
        "kong-response.json" => diff.what == "result" && refused_here,
        "koa-response.json" | "adonis-response.json" => {
            let op = diff.what.starts_with("op ") && refused_here;
            op || (names_refusal(ctx.observed, &texts) && node_error_answer(diff, &texts))
        }
        _ => false,
    }
}

/// A header value given as text with a character outside ASCII.
pub(super) const HEADER_TEXT_ASCII: Rule = Rule {
    name: "header-text-ascii",
    predicate: "koa-response.json, adonis-response.json or kong-response.json; the input sets a \
                header (a `set_header`, `append_header` or `set_headers` op, or Kong's \
                `headers` table) to text with a character outside ASCII, and rejoinder's \
                setter refused exactly that header and value with its not-ASCII error; the \
                difference is Kong's `result` holding that refusal, or for Node the op that \
                threw it and the parts of the 500 that follows (status, reason, body, its \
                Content-Length and Content-Type, headers it does not carry).",
    reason: "Header text is visible ASCII, space and tab (RFC 9110 §5.5: other octets are \
             opaque, and clients read them as ISO-8859-1, so UTF-8 text arrives garbled): \
             rejoinder's string setters refuse it with an error naming the character, and an \
             `http::HeaderValue` from bytes sends opaque octets on purpose. Node sends \
             characters up to U+00FF as one ISO-8859-1 byte each (and throws beyond); \
             nginx sends Kong's string bytes as they are.",
    why: Why::Safer,
    explains: header_text_ascii,
};
