//! The deviation rules cannot swallow failures: for every rule, cases it
//! covers are altered in a way its reason does not explain (another
//! status, a dropped header, a message changed beyond escaping, another
//! body, an argument the Rust signature can take) and must then FAIL.

mod support;

use rejoinder_conformance::rules::RULES;
use rejoinder_conformance::Outcome;
use serde_json::{json, Value};
use support::{case, replay_alone};

/// Sets the value at a JSON pointer of a case.
fn set(case: &mut Value, pointer: &str, value: Value) {
    *case
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}")) = value;
}

/// Removes `[name, value]` pairs named `name` from a header list.
fn drop_header(case: &mut Value, pointer: &str, name: &str) {
    let list = case.pointer_mut(pointer).unwrap().as_array_mut().unwrap();
    let before = list.len();
    list.retain(|pair| pair[0] != name);
    assert!(list.len() < before, "no {name} header to drop");
}

/// Replaces text in the string at a JSON pointer.
fn edit(case: &mut Value, pointer: &str, from: &str, to: &str) {
    let s = case.pointer(pointer).unwrap().as_str().unwrap().to_owned();
    assert!(s.contains(from), "{pointer} has no {from:?}");
    set(case, pointer, json!(s.replacen(from, to, 1)));
}

/// A case covered by `rule`, and an alteration its reason does not explain.
struct Alteration {
    file: &'static str,
    id: &'static str,
    rule: &'static str,
    how: &'static str,
    alter: fn(&mut Value),
}

const fn alt(
    file: &'static str,
    id: &'static str,
    rule: &'static str,
    how: &'static str,
    alter: fn(&mut Value),
) -> Alteration {
    Alteration {
        file,
        id,
        rule,
        how,
        alter,
    }
}

const KONG: &str = "kong-response.json";
const ADONIS: &str = "adonis-response.json";
const CD: &str = "content-disposition.json";

const ALTERATIONS: &[Alteration] = &[
    alt(
        KONG,
        "get-headers-limit-007",
        "lua-argument-type",
        "a limit Rust can take",
        |c| set(c, "/input/max_headers", json!(3)),
    ),
    alt(
        KONG,
        "error-status-validation-004",
        "lua-argument-type",
        "Kong accepting the string",
        |c| set(c, "/output", json!({"ok": true, "status": 404})),
    ),
    alt(
        KONG,
        "header-name-normalization-027",
        "lua-argument-type",
        "a string name",
        |c| set(c, "/input/lookup", json!("x-custom-header")),
    ),
    alt(
        KONG,
        "get-headers-limit-011",
        "lua-number-not-integer",
        "an integral limit",
        |c| set(c, "/input/max_headers", json!(1000)),
    ),
    alt(
        KONG,
        "error-status-validation-007",
        "lua-number-not-integer",
        "an integral status",
        |c| set(c, "/input/status", json!(400)),
    ),
    alt(
        "content-disposition.json",
        "cd-v28",
        "disposition-argument-type",
        "the package accepting 42",
        |c| {
            set(
                c,
                "/output",
                json!({"header": "attachment; filename=\"42\""}),
            )
        },
    ),
    alt(
        "content-disposition.json",
        "cd-v27",
        "disposition-argument-type",
        "a string fallback",
        |c| set(c, "/input/options/fallback", json!("x.txt")),
    ),
    alt(
        KONG,
        "error-body-064",
        "kong-unescaped-error-text",
        "the message changed beyond escaping",
        |c| edit(c, "/output/body", "alert", "alarm"),
    ),
    alt(
        KONG,
        "error-body-112",
        "kong-unescaped-error-text",
        "another request id",
        |c| edit(c, "/output/body", "rid", "rod"),
    ),
    alt(
        KONG,
        "error-body-110",
        "kong-unescaped-error-text",
        "another table",
        |c| edit(c, "/output/body", "\"b\"", "\"c\""),
    ),
    alt(
        KONG,
        "error-body-070",
        "kong-unescaped-error-text",
        "a wrong Content-Length",
        |c| set(c, "/output/content_length", json!(113)),
    ),
    alt(
        KONG,
        "error-format-014",
        "kong-accept-case",
        "Kong choosing XML",
        |c| {
            set(c, "/output/template", json!("xml"));
            set(
                c,
                "/output/content_type",
                json!("application/xml; charset=utf-8"),
            );
        },
    ),
    alt(
        KONG,
        "error-format-057",
        "kong-malformed-media-range",
        "Kong choosing plain text",
        |c| {
            set(c, "/output/template", json!("plain"));
            set(
                c,
                "/output/content_type",
                json!("text/plain; charset=utf-8"),
            );
        },
    ),
    alt(
        KONG,
        "error-format-078",
        "kong-accept-grpc",
        "gRPC not the winning entry",
        |c| {
            set(
                c,
                "/input/accept",
                json!("application/grpc;q=0.4, text/html;q=0.5"),
            )
        },
    ),
    alt(
        KONG,
        "error-format-098",
        "kong-explicit-type-without-template",
        "Kong not raising",
        |c| {
            c["output"].as_object_mut().unwrap().remove("error");
        },
    ),
    alt(
        KONG,
        "error-format-104",
        "kong-explicit-type-without-template",
        "another Content-Type",
        |c| set(c, "/output/content_type", json!("text/plain")),
    ),
    alt(
        KONG,
        "error-format-101",
        "kong-explicit-empty-type",
        "Kong choosing JSON",
        |c| set(c, "/output/template", json!("json")),
    ),
    alt(
        KONG,
        "error-format-105",
        "kong-header-name-case",
        "the exact name Content-Type",
        |c| set(c, "/input/explicit_header_name", json!("Content-Type")),
    ),
    alt(
        KONG,
        "exit-041",
        "http2-empty-body-end-stream",
        "another grpc-message",
        |c| set(c, "/output/headers/1/1", json!("other")),
    ),
    alt(
        KONG,
        "exit-042",
        "http2-empty-body-end-stream",
        "another status",
        |c| set(c, "/output/status", json!(403)),
    ),
    alt(
        KONG,
        "exit-027",
        "serde-number-format",
        "a Content-Length not the body's",
        |c| set(c, "/output/headers/1/1", json!("74")),
    ),
    alt(
        KONG,
        "exit-027",
        "serde-number-format",
        "another number",
        |c| edit(c, "/output/body", "100", "101"),
    ),
    alt(KONG, "exit-010", "cjson-empty-table", "another body", |c| {
        set(c, "/output/body", json!("{\"a\":1}"));
        set(c, "/output/headers/1/1", json!("7"));
    }),
    alt(
        KONG,
        "exit-011",
        "cjson-empty-table",
        "a dropped header",
        |c| drop_header(c, "/output/headers", "content-type"),
    ),
    alt(
        KONG,
        "exit-015",
        "exit-content-length-recomputed",
        "another body",
        |c| set(c, "/output/body", json!("hello")),
    ),
    alt(
        KONG,
        "exit-015",
        "exit-content-length-recomputed",
        "no Content-Length given",
        |c| set(c, "/input/headers", Value::Null),
    ),
    alt(
        KONG,
        "set-headers-order-004",
        "kong-empty-header-value",
        "two spaces",
        |c| set(c, "/output/values_by_name/x-empty", json!(["  "])),
    ),
    alt(
        KONG,
        "exit-022",
        "kong-empty-header-value",
        "a dropped header",
        |c| drop_header(c, "/output/headers", "x-multi"),
    ),
    alt(
        KONG,
        "get-headers-limit-034",
        "ngx-get-headers-extras",
        "more than the extras",
        |c| set(c, "/output/returned", json!(5)),
    ),
    alt(
        KONG,
        "get-headers-limit-035",
        "ngx-get-headers-extras",
        "a header past the limit",
        |c| {
            set(
                c,
                "/output/keys",
                json!(["connection", "content-type", "x-h-001", "x-h-002"]),
            );
            set(c, "/output/x_headers_returned", json!(2));
        },
    ),
    alt(
        ADONIS,
        "status-200-null-body",
        "node-chunked-framing",
        "another status",
        |c| {
            set(c, "/output/status", json!(201));
            set(c, "/output/reason", json!("Created"));
        },
    ),
    alt(
        ADONIS,
        "download-missing-file",
        "node-chunked-framing",
        "another body",
        |c| set(c, "/output/body/text", json!("File missing")),
    ),
    alt(
        ADONIS,
        "not-found-no-body",
        "node-chunked-framing",
        "a dropped header",
        |c| drop_header(c, "/output/headers", "transfer-encoding"),
    ),
    alt(
        ADONIS,
        "send-nothing",
        "adonis-untouched-404",
        "an operation that sets a body",
        |c| {
            set(
                c,
                "/input/ops",
                json!([{"op": "send", "body": {"kind": "string", "value": "x"}}]),
            )
        },
    ),
    alt(
        ADONIS,
        "send-nothing",
        "adonis-untouched-404",
        "Adonis answering 204",
        |c| {
            set(c, "/output/status", json!(204));
            set(c, "/output/reason", json!("No Content"));
        },
    ),
    alt(
        ADONIS,
        "send-error",
        "adonis-error-object-body",
        "Adonis keeping the message",
        |c| set(c, "/output/body/text", json!("{\"message\":\"boom\"}")),
    ),
    alt(
        ADONIS,
        "send-etag-fresh",
        "etag-foreign-hash",
        "a dropped ETag",
        |c| drop_header(c, "/output/headers", "etag"),
    ),
    alt(
        ADONIS,
        "send-etag-fresh",
        "etag-foreign-hash",
        "a tag of another format",
        |c| {
            set(
                c,
                "/input/request/headers/if-none-match",
                json!("\"c-Kq5sNclPz7QV2+lfQIuc6R7oRu0\""),
            )
        },
    ),
    alt(
        ADONIS,
        "abort-string-401",
        "adonis-abort-prefix",
        "another status",
        |c| {
            set(c, "/output/status", json!(403));
            set(c, "/output/reason", json!("Forbidden"));
        },
    ),
    alt(
        ADONIS,
        "abort-default-status",
        "adonis-abort-prefix",
        "another prefix",
        |c| set(c, "/output/body/text", json!("E_OTHER_ERROR: bad")),
    ),
    alt(
        "koa-response.json",
        "type-unknown-extension",
        "koa-set-type-unknown-refused",
        "a known type",
        |c| set(c, "/input/ops/1/value", json!("png")),
    ),
    alt(
        "koa-response.json",
        "type-unknown-extension",
        "koa-set-type-unknown-refused",
        "another observation",
        |c| set(c, "/output/observations/0/result", json!("text/html")),
    ),
    alt(
        "vapr-formats.json",
        "invalid-array-body-wrapped-object",
        "vapr-body-refused-up-front",
        "vapr answering",
        |c| {
            set(
                c,
                "/output/wire",
                json!({"status": 200, "reason": "msg", "headers": [],
            "body": {"encoding": "empty"}, "body_length": 0}),
            )
        },
    ),
    alt(
        "koa-response.json",
        "",
        "hyper-205-content-length",
        "another body",
        |c| set(c, "/output/body", json!({"encoding": "utf8", "text": "x"})),
    ),
    alt(
        "koa-response.json",
        "",
        "hyper-205-content-length",
        "another status",
        |c| {
            set(c, "/output/status", json!(200));
            set(c, "/output/reason", json!("OK"));
        },
    ),
    alt(
        CD,
        "cd-v04",
        "disposition-windows-path",
        "another name after the backslash",
        |c| edit(c, "/output/header", "slash", "other"),
    ),
    alt(
        CD,
        "cd-v24",
        "disposition-windows-path",
        "an inline type",
        |c| edit(c, "/output/header", "attachment", "inline"),
    ),
    alt(
        CD,
        "cd-v22",
        "disposition-control-characters",
        "another name beside the tab",
        |c| edit(c, "/output/header", "tab%09here", "tab%09hire"),
    ),
    alt(
        CD,
        "cd-v05",
        "disposition-ascii-filename",
        "another non-ASCII name",
        |c| edit(c, "/output/header", "naïve", "naïf"),
    ),
    alt(
        CD,
        "cd-v11",
        "disposition-ascii-filename",
        "an ASCII name the reference sends as it is",
        |c| {
            set(c, "/input/filename", json!("naive.pdf"));
            edit(c, "/output/header", "naïve", "naiv");
        },
    ),
    alt(
        "koa-response.json",
        "attachment-unicode",
        "disposition-ascii-filename",
        "an inline type",
        |c| edit_header(c, "content-disposition", "attachment", "inline"),
    ),
    alt(
        "koa-response.json",
        "synthetic:koa-header-text",
        "header-text-ascii",
        "ASCII text, which is not refused",
        |c| set(c, "/input/ops/0/value", json!("cafe")),
    ),
    alt(
        KONG,
        "synthetic:kong-header-text",
        "header-text-ascii",
        "ASCII text, which is not refused",
        |c| set(c, "/input/headers/X-Name", json!("cafe")),
    ),
];

/// Replaces text in the value of the reference's header `name`, as the
/// handler set it (the runner compares `headers_as_set` where the wire
/// form of a raw non-ASCII byte is mangled).
fn edit_header(case: &mut Value, name: &str, from: &str, to: &str) {
    let headers = case["output"]["headers_as_set"].as_array().unwrap();
    let i = headers
        .iter()
        .position(|pair| pair[0] == name)
        .unwrap_or_else(|| panic!("no {name} header"));
    edit(case, &format!("/output/headers_as_set/{i}/1"), from, to);
}

/// A 205 as Koa 3 on Node 20 answers it (checked against the real Koa):
/// no Content-Length, no Transfer-Encoding, no body. The shared vectors
/// have no 205.
fn synthetic_205() -> Value {
    json!({
        "id": "status-205-reset",
        "input": {
            "request": {"method": "GET", "path": "/status-205-reset", "headers": {"host": "app.test"}},
            "ops": [{"op": "set_status", "value": 205}]
        },
        "output": {
            "status": 205, "reason": "Reset Content", "headers": [],
            "dropped_headers": ["date", "connection"],
            "body": {"encoding": "empty"}, "body_length": 0, "observations": []
        }
    })
}

/// A Koa `ctx.set` of non-ASCII text, as Node answers it: the Latin-1
/// character sent as one byte, read back as that character. The shared
/// vectors set no such header outside Content-Disposition.
fn synthetic_koa_header_text() -> Value {
    json!({
        "id": "set-header-non-ascii",
        "input": {
            "request": {"method": "GET", "path": "/set-header-non-ascii", "headers": {"host": "app.test"}},
            "ops": [
                {"op": "set_header", "name": "X-Name", "value": "café"},
                {"op": "set_body", "body": {"kind": "string", "value": "ok"}}
            ]
        },
        "output": {
            "status": 200, "reason": "OK",
            "headers": [["x-name", "café"], ["content-type", "text/plain; charset=utf-8"], ["content-length", "2"]],
            "dropped_headers": ["date", "connection"],
            "body": {"encoding": "utf8", "text": "ok"}, "body_length": 2, "observations": []
        }
    })
}

/// Kong's `exit` with a non-ASCII header value, which nginx sends as the
/// string's bytes.
fn synthetic_kong_header_text() -> Value {
    json!({
        "id": "exit-header-non-ascii",
        "input": {"kind": "exit", "body": {"kind": "string", "value": "boom"},
                  "headers": {"X-Name": "café"}, "status": 403},
        "output": {"body_is_json": false, "exit_code": 403, "body": "boom",
                   "headers": [["content-length", "4"], ["x-name", "café"]],
                   "status": 403, "warnings": []}
    })
}

fn original(a: &Alteration) -> Value {
    match a.id {
        "" => synthetic_205(),
        "synthetic:koa-header-text" => synthetic_koa_header_text(),
        "synthetic:kong-header-text" => synthetic_kong_header_text(),
        id => case(a.file, id),
    }
}

#[tokio::test]
async fn every_rule_has_an_alteration() {
    for rule in RULES {
        assert!(
            ALTERATIONS.iter().any(|a| a.rule == rule.name),
            "no alteration for rule {}",
            rule.name
        );
    }
}

#[tokio::test]
async fn the_205_rule_covers_a_synthetic_205() {
    let outcome = replay_alone("koa-response.json", &synthetic_205()).await;
    assert_eq!(outcome.rules(), ["hyper-205-content-length"], "{outcome:?}");
}

#[tokio::test]
async fn the_header_text_rule_covers_synthetic_koa_and_kong_cases() {
    let outcome = replay_alone("koa-response.json", &synthetic_koa_header_text()).await;
    assert_eq!(outcome.rules(), ["header-text-ascii"], "{outcome:?}");
    let outcome = replay_alone(KONG, &synthetic_kong_header_text()).await;
    assert_eq!(outcome.rules(), ["header-text-ascii"], "{outcome:?}");
}

#[tokio::test]
async fn alterations_the_rules_do_not_explain_fail() {
    for a in ALTERATIONS {
        let name = format!("{}#{} ({}, altered: {})", a.file, a.id, a.rule, a.how);
        let mut case = original(a);
        let before = replay_alone(a.file, &case).await;
        assert!(
            before.rules().contains(&a.rule),
            "{name}: not covered by its rule before the alteration: {before:?}"
        );
        (a.alter)(&mut case);
        let after = replay_alone(a.file, &case).await;
        assert!(
            matches!(after, Outcome::Fail(_)),
            "{name}: expected FAIL, got {after:?}"
        );
    }
}
