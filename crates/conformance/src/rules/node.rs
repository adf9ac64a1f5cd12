//! The Node systems on the wire: Koa, Adonis and vapr (framing, defaults,
//! ETags, bodies).

use serde_json::{json, Value};

use super::util::{header_of, is_one, ops};
use super::{Rule, RuleCtx, Why};
use crate::outcome::Diff;
use crate::values::observed_header;
use crate::wire_compare::{expected_body, expected_headers};

fn node_wire(ctx: &RuleCtx<'_>) -> bool {
    matches!(ctx.file, "koa-response.json" | "adonis-response.json")
}

/// The observed body as recorded (lossy UTF-8 text).
fn observed_body<'a>(ctx: &RuleCtx<'a>) -> &'a str {
    ctx.observed["body"].as_str().unwrap_or_default()
}

/// The recorded body as the same lossy text.
fn recorded_body(ctx: &RuleCtx<'_>) -> String {
    String::from_utf8_lossy(&expected_body(ctx.output)).into_owned()
}

/// Whether `diff` is `what` going from `expected` to `actual`.
fn is(diff: &Diff, what: &str, expected: Value, actual: Value) -> bool {
    diff.what == what && diff.expected == expected && diff.actual == actual
}

fn chunked_framing(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let expected = expected_headers(ctx.output);
    let length = ctx.observed["body_length"].to_string();
    let node_chunked = expected
        .get("transfer-encoding")
        .is_some_and(|v| v == &["chunked"])
        && !expected.contains_key("content-length");
    let ours_length = observed_header(ctx.observed, "content-length") == Some(vec![&length])
        && observed_header(ctx.observed, "transfer-encoding").is_none();
    let is_diff = is(
        diff,
        "header transfer-encoding",
        json!(["chunked"]),
        Value::Null,
    ) || is(diff, "header content-length", Value::Null, json!([length]));
    node_wire(ctx)
        && is_diff
        && node_chunked
        && ours_length
        && recorded_body(ctx) == observed_body(ctx)
}

/// Node frames a body chunked where rejoinder knows its length.
pub(super) const CHUNKED_FRAMING: Rule = Rule {
    name: "node-chunked-framing",
    predicate: "koa-response.json or adonis-response.json; the bodies are equal; Node sent \
                `Transfer-Encoding: chunked` and no Content-Length, rejoinder a \
                Content-Length equal to the body's length and no Transfer-Encoding; the \
                difference is in those two headers only.",
    reason: "A body of known length (empty, or a fixed text such as \"File not found\") is \
             framed with `Content-Length`; Node sends it chunked (an empty body as a lone \
             zero chunk). Both frame the same bytes.",
    why: Why::Unavoidable,
    explains: chunked_framing,
};

fn content_length_205(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let expected = expected_headers(ctx.output);
    node_wire(ctx)
        && ctx.output["status"] == 205
        && ctx.observed["status"] == 205
        && expected_body(ctx.output).is_empty()
        && ctx.observed["body_length"] == 0
        && !expected.contains_key("content-length")
        && !expected.contains_key("transfer-encoding")
        && is(diff, "header content-length", Value::Null, json!(["0"]))
}

/// hyper states the empty body of a 205.
pub(super) const CONTENT_LENGTH_205: Rule = Rule {
    name: "hyper-205-content-length",
    predicate: "koa-response.json or adonis-response.json; status 205 on both sides, both \
                bodies empty, Node sent neither Content-Length nor Transfer-Encoding; the \
                only difference is rejoinder's `content-length: 0`.",
    reason: "hyper sends `content-length: 0` with a 205 Reset Content, which RFC 9110 \
             §15.3.6 allows (the response has no content); Node sends no framing header at \
             all.",
    why: Why::Unavoidable,
    explains: content_length_205,
};

/// The Adonis operations that set a status or a body.
const TOUCHING: [&str; 11] = [
    "send",
    "abort",
    "descriptive",
    "status",
    "safe_status",
    "redirect_back",
    "redirect_to_path",
    "redirect",
    "jsonp",
    "attachment",
    "download",
];

fn adonis_untouched(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let untouched = ops(ctx.input).all(|op| !TOUCHING.contains(&op["op"].as_str().unwrap_or("")));
    let explained = is(diff, "status", json!(200), json!(404))
        || is(diff, "reason", json!("OK"), json!("Not Found"))
        || is(diff, "body", json!(""), json!("Not Found"))
        || is(diff, "header content-length", Value::Null, json!(["9"]))
        || is(
            diff,
            "header content-type",
            Value::Null,
            json!(["text/plain; charset=utf-8"]),
        )
        || is(
            diff,
            "header transfer-encoding",
            json!(["chunked"]),
            Value::Null,
        );
    ctx.file == "adonis-response.json" && untouched && ctx.observed["status"] == 404 && explained
}

/// A response nobody touched.
pub(super) const ADONIS_UNTOUCHED: Rule = Rule {
    name: "adonis-untouched-404",
    predicate: "adonis-response.json; no operation sets a status or a body; Adonis sent an \
                empty chunked 200, rejoinder its default 404 \"Not Found\" (text/plain, \
                Content-Length 9); the difference is in status, reason, body, \
                Content-Length, Content-Type or Transfer-Encoding, exactly so.",
    reason: "A response nobody touched is `404 Not Found` with body \"Not Found\" (Koa's \
             rule, which rejoinder follows): a handler that forgot to answer shows; Adonis \
             answers 200 with an empty body.",
    why: Why::Safer,
    explains: adonis_untouched,
};

fn adonis_error_object(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let last = ops(ctx.input).filter(|op| op["op"] == "send").last();
    let Some(message) = last
        .filter(|op| op["body"]["kind"] == "error")
        .and_then(|op| op["body"]["message"].as_str())
    else {
        return false;
    };
    let explained = is(diff, "body", json!("{}"), json!(message))
        || is(
            diff,
            "header content-type",
            json!(["application/json; charset=utf-8"]),
            json!(["text/plain; charset=utf-8"]),
        )
        || is(
            diff,
            "header content-length",
            json!(["2"]),
            json!([message.len().to_string()]),
        );
    ctx.file == "adonis-response.json" && explained
}

/// A JavaScript Error object as a body.
pub(super) const ADONIS_ERROR_OBJECT: Rule = Rule {
    name: "adonis-error-object-body",
    predicate: "adonis-response.json; the last `send` sends a JavaScript `Error`; Adonis sent \
                `{}` as JSON, rejoinder the error's message as text; the difference is in \
                the body, Content-Type or Content-Length, exactly so.",
    reason: "Rust has no JavaScript Error object and rejoinder no implicit \"error object as \
             body\" conversion: a handler sends the error's message (as the runner does \
             here) or returns an `HttpError`. Adonis serializes the `Error` as `{}`, which \
             loses the message.",
    why: Why::Unavoidable,
    explains: adonis_error_object,
};

fn adonis_foreign_etag(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let Some(tag) = ctx.input["request"]["headers"]["if-none-match"].as_str() else {
        return false;
    };
    let Some(sent) = ops(ctx.input)
        .last()
        .filter(|op| op["op"] == "send" && op["etag"] == true)
        .and_then(|op| op["body"]["value"].as_str())
    else {
        return false;
    };
    let ours = observed_header(ctx.observed, "etag").unwrap_or_default();
    let foreign = ours.len() == 1 && ours[0] != tag && crate::etag_format_eq(tag, ours[0]);
    let explained = is(diff, "status", json!(304), json!(200))
        || is(diff, "reason", json!("Not Modified"), json!("OK"))
        || is(diff, "body", json!(""), json!(sent))
        || is(
            diff,
            "header content-length",
            Value::Null,
            json!([sent.len().to_string()]),
        )
        || (header_of(diff) == Some("content-type") && diff.expected.is_null());
    ctx.file == "adonis-response.json"
        && is_one(&json!(expected_headers(ctx.output).get("etag")), tag)
        && foreign
        && explained
}

/// A foreign entity tag in If-None-Match.
pub(super) const ADONIS_FOREIGN_ETAG: Rule = Rule {
    name: "etag-foreign-hash",
    predicate: "adonis-response.json; the request's If-None-Match is the tag Adonis computes \
                for the body sent with an ETag, and rejoinder's tag for it has the same \
                `\"<len>-<hash>\"` format but another hash; Adonis answered 304, rejoinder \
                200 with the body; the difference is in status, reason, body, \
                Content-Length or Content-Type, exactly so.",
    reason: "rejoinder's tags hash with XXH3 where the `etag` package uses SHA-1 (same \
             format); tags are opaque (RFC 9110 §8.8.3), so a tag another server computed \
             does not match and the answer is 200 with the body.",
    why: Why::Unavoidable,
    explains: adonis_foreign_etag,
};

const ADONIS_PREFIX: &str = "E_HTTP_EXCEPTION: ";

fn adonis_abort_prefix(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let Some(given) = ops(ctx.input)
        .find(|op| op["op"] == "abort" && op["body"]["kind"] == "string")
        .and_then(|op| op["body"]["value"].as_str())
    else {
        return false;
    };
    let prefixed = format!("{ADONIS_PREFIX}{given}");
    let thrown = diff
        .what
        .strip_prefix("observation ")
        .is_some_and(|w| w.ends_with(" threw.body"));
    let explained = is(diff, "body", json!(prefixed), json!(given))
        || is(
            diff,
            "header content-length",
            json!([prefixed.len().to_string()]),
            json!([given.len().to_string()]),
        )
        || (thrown && diff.expected == json!(prefixed) && diff.actual == json!(given));
    ctx.file == "adonis-response.json"
        && ctx.output["status"] == ctx.observed["status"]
        && observed_body(ctx) == given
        && explained
}

/// abort's body without Adonis's error code.
pub(super) const ADONIS_ABORT_PREFIX: Rule = Rule {
    name: "adonis-abort-prefix",
    predicate: "adonis-response.json; an `abort` with a text body; same status; Adonis's \
                body (and its exception's body) is rejoinder's with `E_HTTP_EXCEPTION: ` \
                before it; the difference is in the body, the Content-Length or the thrown \
                exception's body, exactly so.",
    reason: "`abort(\"msg\", 401)` sends the body it was given (\"msg\"); Adonis sends its \
             exception's message, prefixed with its error code (\"E_HTTP_EXCEPTION: msg\"), \
             which exposes an internal code to the client.",
    why: Why::Safer,
    explains: adonis_abort_prefix,
};

fn koa_unknown_type(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let all: Vec<&Value> = ops(ctx.input).collect();
    let unknown = all.iter().position(|op| {
        op["op"] == "set_type"
            && op["value"]
                .as_str()
                .is_some_and(|v| rejoinder::mime::content_type_for(v).is_none())
    });
    let Some(at) = unknown else {
        return false;
    };
    let body_before = all[..at].iter().any(|op| op["op"] == "set_body");
    // Nothing after it may change the type again: only observations.
    let only_observed_after = all[at + 1..]
        .iter()
        .all(|op| matches!(op["op"].as_str(), Some("observe" | "observe_is")));
    let ours = observed_header(ctx.observed, "content-type").unwrap_or_default();
    let Some(&kept) = ours.first() else {
        return false;
    };
    let essence = kept.split(';').next().unwrap_or_default().trim();
    let observed_later = diff
        .what
        .strip_prefix("op ")
        .and_then(|i| i.parse::<usize>().ok())
        .is_some_and(|i| {
            i > at
                && all
                    .get(i)
                    .is_some_and(|op| op["op"] == "observe" && op["prop"] == "type")
                && diff.expected == ""
                && diff.actual == essence
        });
    let explained = is(diff, "header content-type", Value::Null, json!([kept])) || observed_later;
    ctx.file == "koa-response.json"
        && body_before
        && only_observed_after
        && ours.len() == 1
        && explained
}

/// `set_type` with a type nobody knows.
pub(super) const KOA_UNKNOWN_TYPE: Rule = Rule {
    name: "koa-set-type-unknown-refused",
    predicate: "koa-response.json; a `set_type` whose value no media type table knows comes \
                after a body was set, followed by observations only; Koa then had no \
                Content-Type, rejoinder kept the one \
                inferred from the body; the difference is that header, or a later \
                `observe type` giving \"\" in Koa and that type's essence in rejoinder.",
    reason: "`set_type(\"unknownext\")` is refused with an error and leaves the response \
             unchanged (the inferred `text/plain` stays); Koa silently removes the \
             Content-Type. A failed call with a side effect would be a surprise in Rust.",
    why: Why::Safer,
    explains: koa_unknown_type,
};

fn vapr_body_refused(ctx: &RuleCtx<'_>, diff: &Diff) -> bool {
    let body = &ctx.output["response"]["body"];
    let sendable = body.is_string() || body.is_null() || body["undefined"] == true;
    let explained = match diff.what.as_str() {
        "value" => {
            diff.actual == ctx.observed["value"] && ctx.observed["value"]["error"].is_string()
        }
        "wire" => {
            diff.expected == json!({"no_response": true})
                && diff.actual["status"] == 500
                && diff.actual["body_length"] == 0
        }
        _ => false,
    };
    ctx.file == "vapr-formats.json"
        && ctx.output["valid"] == true
        && !sendable
        && ctx.output["wire"]["no_response"] == true
        && explained
}

/// vapr accepts a body it cannot send.
pub(super) const VAPR_BODY_REFUSED: Rule = Rule {
    name: "vapr-body-refused-up-front",
    predicate: "vapr-formats.json; vapr's constructor accepted a body that is neither a \
                string nor null (an object, an array) and its server then closed the \
                connection without a response; rejoinder refused the value and answered \
                500 with an empty body; the difference is that refusal and that answer.",
    reason: "`Response::from_value` refuses a body that is neither a string nor null when it \
             reads the value, so the handler answers 500 with an empty body and the cause \
             logged; vapr accepts the value, fails only when sending and closes the \
             connection. An array in the headers slot is the `[body, trailers]` pair \
             (vapr's rule, kept), so `[[\"x\", \"y\"]]` makes `[\"x\", \"y\"]` the body.",
    why: Why::Safer,
    explains: vapr_body_refused,
};
