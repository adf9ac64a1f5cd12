//! Kong's `exit` on the wire and the header kinds: framing, JSON text,
//! header values, `get_headers` limits.

use std::collections::BTreeSet;

use serde_json::Value;

use super::util::{header_of, is_one, list};
use super::{Rule, RuleCtx, Why};
use crate::lua::{integral, lua_string};
use crate::outcome::Diff;
use crate::values::{json_eq, parse_json};

fn exit_case(ctx: &RuleCtx<'_>) -> bool {
    ctx.file == "kong-response.json" && ctx.input["kind"] == "exit"
}

fn grpc_http2(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let request = &ctx.input["request"];
    exit_case(ctx)
        && request["http_version"].as_f64() == Some(2.0)
        && request["content_type"]
            .as_str()
            .is_some_and(|t| t.starts_with("application/grpc"))
        && ctx.observed["http_version"] == "HTTP/2.0"
        && diff.what == "header content-length"
        && is_one(&diff.expected, "0")
        && diff.actual.is_null()
        && ctx.output["body"].as_str().unwrap_or_default().is_empty()
        && ctx.observed["body"] == ""
}

/// HTTP/2 ends an empty body with END_STREAM.
pub(super) const GRPC_HTTP2_END_STREAM: Rule = Rule {
    name: "http2-empty-body-end-stream",
    predicate: "kong-response.json `exit` answering a gRPC request over HTTP/2; both bodies \
                are empty; the only difference is Kong's `content-length: 0`, absent from \
                rejoinder's response.",
    reason: "Over HTTP/2 hyper ends an empty body with the END_STREAM flag and sends no \
             `content-length: 0` (RFC 9113 §8.1 does not need one); the gRPC headers \
             (`grpc-status`, `grpc-message`) and the empty body match Kong.",
    why: Why::Unavoidable,
    explains: grpc_http2,
};

/// The number tokens of a JSON text (outside strings), in order.
fn number_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let (mut in_string, mut escaped, mut start) = (false, false, None);
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        let starts = c.is_ascii_digit() || c == '-';
        let continues = starts || matches!(c, '+' | '.' | 'e' | 'E');
        match start {
            None if starts => start = Some(i),
            Some(s) if !continues => {
                tokens.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
        in_string = c == '"';
    }
    if let Some(s) = start {
        tokens.push(&text[s..]);
    }
    tokens
}

/// Whether two JSON texts of the same value differ in length only by how
/// their numbers are written.
fn only_numbers_differ(a: &str, b: &str) -> bool {
    let (ta, tb) = (number_tokens(a), number_tokens(b));
    let rest =
        |text: &str, tokens: &[&str]| text.len() - tokens.iter().map(|t| t.len()).sum::<usize>();
    let values = |tokens: &[&str]| -> Option<Vec<u64>> {
        let mut v: Vec<u64> = tokens
            .iter()
            .map(|t| t.parse::<f64>().ok().map(f64::to_bits))
            .collect::<Option<_>>()?;
        v.sort_unstable();
        Some(v)
    };
    rest(a, &ta) == rest(b, &tb) && values(&ta).is_some() && values(&ta) == values(&tb)
}

fn serde_number_format(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let (Some(want), Some(got)) = (ctx.output["body"].as_str(), ctx.observed["body"].as_str())
    else {
        return false;
    };
    let same_value = match (
        parse_json(&ctx.output["body"]),
        parse_json(&ctx.observed["body"]),
    ) {
        (Some(a), Some(b)) => json_eq(&a, &b),
        _ => false,
    };
    exit_case(ctx)
        && ctx.output["body_is_json"] == true
        && diff.what == "header content-length"
        && is_one(&diff.expected, &want.len().to_string())
        && is_one(&diff.actual, &got.len().to_string())
        && same_value
        && only_numbers_differ(want, got)
}

/// serde_json writes numbers its own way.
pub(super) const SERDE_NUMBER_FORMAT: Rule = Rule {
    name: "serde-number-format",
    predicate: "kong-response.json `exit` with a JSON body; both bodies are the same JSON \
                value and differ in length only inside number tokens; the only difference \
                is the Content-Length, each matching its own body.",
    reason: "Numbers are written by serde_json (`1e300`, `1e19`, `-0.0`, `1.5e-7`) rather \
             than lua-cjson (`1e+300`, `1e+19`, `-0`, `1.5e-07`): the same values, so only \
             the length differs.",
    why: Why::Unavoidable,
    explains: serde_number_format,
};

/// `v` with every empty array made an empty object, as cjson encodes an
/// empty Lua table.
fn cjson_tables(v: &Value) -> Value {
    match v {
        Value::Array(a) if a.is_empty() => Value::Object(serde_json::Map::new()),
        Value::Array(a) => Value::Array(a.iter().map(cjson_tables).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), cjson_tables(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn cjson_empty_table(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let given = &ctx.input["body"]["value"];
    let (Some(want), Some(got)) = (parse_json(&diff.expected), parse_json(&diff.actual)) else {
        return false;
    };
    exit_case(ctx)
        && ctx.input["body"]["kind"] == "json"
        && diff.what == "body"
        && diff.actual == ctx.observed["body"]
        && json_eq(&got, given)
        && cjson_tables(given) != *given
        && json_eq(&want, &cjson_tables(given))
}

/// lua-cjson cannot tell an empty array from an empty object.
pub(super) const CJSON_EMPTY_TABLE: Rule = Rule {
    name: "cjson-empty-table",
    predicate: "kong-response.json `exit` with a JSON body holding an empty array; rejoinder \
                sent the given value, Kong the same value with every empty array written \
                as `{}`; the difference is the body.",
    reason: "An empty JSON array is sent as `[]`; lua-cjson (set up as Kong does) encodes \
             every empty Lua table as `{}`, so `[]` and `{\"items\":[]}` come out as `{}` \
             and `{\"items\":{}}`.",
    why: Why::Safer,
    explains: cjson_empty_table,
};

fn explicit_content_length(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let given: Vec<String> = ctx.input["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.to_ascii_lowercase().replace('_', "-") == "content-length")
        .filter_map(|(_, v)| lua_string(v))
        .collect();
    let Some(body) = ctx.observed["body"].as_str() else {
        return false;
    };
    let real = body.len().to_string();
    exit_case(ctx)
        && diff.what == "header content-length"
        && given.len() == 1
        && given[0] != real
        && is_one(&diff.expected, &given[0])
        && is_one(&diff.actual, &real)
        && ctx.output["body"].as_str() == Some(body)
}

/// A wrong explicit Content-Length is recomputed.
pub(super) const EXPLICIT_CONTENT_LENGTH: Rule = Rule {
    name: "exit-content-length-recomputed",
    predicate: "kong-response.json `exit` whose headers give a Content-Length that is not \
                the body's length; the bodies are equal; the only difference is that Kong \
                sent the given value and rejoinder the body's length.",
    reason: "An explicit Content-Length that does not match the body is replaced by the \
             real length; Kong sends `Content-Length: 5` with an 11-byte body, which \
             truncates it (or stalls the client).",
    why: Why::Safer,
    explains: explicit_content_length,
};

/// Whether the case's headers input gives `name` a value list holding "".
fn given_empty(input: &Value, name: &str) -> bool {
    input["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.to_ascii_lowercase().replace('_', "-") == name)
        .any(|(_, v)| match v {
            Value::String(s) => s.is_empty(),
            Value::Array(items) => items.iter().any(|i| i == ""),
            _ => false,
        })
}

fn empty_header_value(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let name = header_of(diff).or_else(|| diff.what.strip_prefix("values "));
    let (Some(name), Some(want), Some(got)) = (name, list(&diff.expected), list(&diff.actual))
    else {
        return false;
    };
    let spaced: Vec<&str> = got
        .iter()
        .map(|v| if v.is_empty() { " " } else { v })
        .collect();
    ctx.file == "kong-response.json"
        && matches!(
            ctx.input["kind"].as_str(),
            Some("exit" | "set_headers_order")
        )
        && given_empty(ctx.input, name)
        && got.contains(&"")
        && want == spaced
}

/// Kong sends an empty header value as a single space.
pub(super) const EMPTY_HEADER_VALUE: Rule = Rule {
    name: "kong-empty-header-value",
    predicate: "kong-response.json `exit` or `set_headers_order` where the headers give a \
                header an empty value; the only difference in that header is that Kong's \
                values are rejoinder's with each empty value replaced by a single space.",
    reason: "An empty header value is sent as empty (valid HTTP, and what the caller \
             set); Kong substitutes a single space so that nginx does not drop the header.",
    why: Why::Safer,
    explains: empty_header_value,
};

/// The names of a key list (recorded or observed) as a set.
fn key_set(v: &Value) -> Option<BTreeSet<&str>> {
    list(v).map(|l| l.into_iter().collect())
}

fn ngx_extras(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let (out, seen) = (ctx.output, ctx.observed);
    let Some(max) = integral(&ctx.input["max_headers"]).and_then(|m| u64::try_from(m).ok()) else {
        return false;
    };
    let extras = key_set(&out["extra_keys"]).unwrap_or_default();
    let known = ["connection", "content-type", "content-length"];
    let returned = out["returned"].as_u64().unwrap_or(0);
    let keys_fit = match key_set(&out["keys"]) {
        None => true,
        Some(keys) => {
            let x = keys.iter().filter(|k| k.starts_with("x-h-")).count() as u64;
            keys.len() as u64 == returned
                && keys
                    .iter()
                    .all(|k| extras.contains(k) || k.starts_with("x-h-"))
                && Some(x) == out["x_headers_returned"].as_u64()
                && key_set(&seen["keys"]).is_some_and(|s| s.is_subset(&keys))
        }
    };
    let is_diff = match diff.what.as_str() {
        "returned" | "x_headers_returned" => {
            diff.expected == out[diff.what.as_str()] && diff.actual == seen[diff.what.as_str()]
        }
        "keys" => key_set(&diff.expected) == key_set(&out["keys"]) && diff.actual == seen["keys"],
        _ => false,
    };
    ctx.file == "kong-response.json"
        && ctx.input["kind"] == "get_headers_limit"
        && is_diff
        && max >= 1
        && out["ok"] == true
        && out["truncated"] == true
        && seen["ok"] == true
        && seen["truncated"] == true
        && seen["returned"].as_u64() == Some(max)
        && extras.iter().all(|e| known.contains(e))
        && returned > max
        && returned <= max + extras.len() as u64
        && out["x_headers_returned"].as_u64() == Some(returned - extras.len() as u64)
        && keys_fit
}

/// ngx_lua returns its synthetic entries past the limit.
pub(super) const NGX_HEADER_EXTRAS: Rule = Rule {
    name: "ngx-get-headers-extras",
    predicate: "kong-response.json `get_headers_limit` with a valid limit where both lists \
                are truncated; rejoinder returned exactly the limit, Kong more, by at most \
                the number of ngx_lua's extra entries (connection, content-type, \
                content-length), which it returned all, with the rest of its entries \
                listed headers; the difference is in returned, x_headers_returned or keys.",
    reason: "`get_headers(max)` returns at most `max` entries and says it truncated; \
             ngx_lua counts Connection, Content-Type and Content-Length into the limit but \
             returns them even past it (3 entries for a limit of 1).",
    why: Why::Safer,
    explains: ngx_extras,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_json_text() {
        assert_eq!(
            number_tokens(r#"{"n":[1e+300,-0,"1.5",true],"x":2}"#),
            ["1e+300", "-0", "2"]
        );
        assert!(only_numbers_differ("[1e+300,-0]", "[1e300,-0.0]"));
        assert!(!only_numbers_differ(r#"["a\/b",1]"#, r#"["a/b",1]"#));
        assert!(!only_numbers_differ("[1,2]", "[1,3]"));
    }
}
