//! Replays the function kinds of kong-response.json through `Response::kong`
//! and `kong::error_page` (`exit` cases go over the wire, in `kong_exit`).

use std::collections::BTreeSet;

use rejoinder::kong::{self as error_page, ErrorFormat, ErrorMessage};
use rejoinder::prelude::*;
use rejoinder::{Context, ExitBody, Response};
use serde_json::{json, Value};

use crate::lua::{integral, lua_headers, lua_limit, lua_status, takes};
use crate::outcome::{Diff, Diffs, Outcome};
use crate::values::text;

/// Replays every case of kong-response.json; `exit` cases go over the wire.
pub(crate) async fn replay_file(cases: &[Value]) -> Vec<Outcome> {
    let exits: Vec<&Value> = cases
        .iter()
        .filter(|c| c["input"]["kind"] == "exit")
        .collect();
    let mut exit_outcomes = crate::kong_exit::replay(&exits).await.into_iter();
    cases
        .iter()
        .map(|case| {
            let input = &case["input"];
            let output = &case["output"];
            match input["kind"].as_str() {
                Some("header_name_normalization") => normalization(input, output),
                Some("get_headers_limit") => limit(input, output),
                Some("set_headers_order") => crate::kong_order::order(input, output),
                Some("error_format") => error_format(input, output),
                Some("error_body") => error_body(input, output),
                Some("error_status_validation") => status_validation(input, output),
                Some("exit") => exit_outcomes.next().unwrap_or_else(|| {
                    Outcome::fail(Diff::new("replayer", "an exit replay", Value::Null))
                }),
                _ => Outcome::fail(Diff::new(
                    "replayer",
                    "a kind the runner replays",
                    input["kind"].clone(),
                )),
            }
        })
        .collect()
}

fn joined(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    }
}

/// The name vectors give a format's template.
pub(crate) fn template_name(format: ErrorFormat) -> &'static str {
    match format {
        ErrorFormat::Json => "json",
        ErrorFormat::Html => "html",
        ErrorFormat::Xml => "xml",
        ErrorFormat::Plain => "plain",
        ErrorFormat::Grpc => "grpc",
    }
}

/// The Accept header of an `error_format` case, repeated lines joined.
pub(crate) fn accept_of(input: &Value) -> Option<String> {
    joined(&input["accept"])
}

/// Whether an `error_format` case's request is a gRPC call (HTTP/2 with a
/// gRPC Content-Type).
pub(crate) fn grpc_request(input: &Value) -> bool {
    input["request_http_version"].as_f64() == Some(2.0)
        && input["request_content_type"]
            .as_str()
            .is_some_and(|t| t.starts_with(rejoinder::mime::GRPC_TYPE))
}

/// The explicit Content-Type of an `error_format` case (the first of a
/// list).
pub(crate) fn explicit_type(input: &Value) -> Option<String> {
    match &input["explicit_content_type"] {
        Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_owned),
        v => v.as_str().map(str::to_owned),
    }
}

fn error_format(input: &Value, output: &Value) -> Outcome {
    let (format, content_type) = match explicit_type(input) {
        Some(ct) => (ErrorFormat::for_content_type(&ct), ct),
        None if grpc_request(input) => (
            ErrorFormat::Grpc,
            ErrorFormat::Grpc.content_type().to_owned(),
        ),
        None => {
            let f = error_page::negotiate(accept_of(input).as_deref());
            (f, f.content_type().to_owned())
        }
    };
    let observed = json!({"template": template_name(format), "content_type": content_type});
    let mut d = Diffs::default();
    d.eq("template", &output["template"], &observed["template"]);
    d.eq(
        "content_type",
        &output["content_type"],
        &observed["content_type"],
    );
    if let Some(err) = output.get("error") {
        // Kong raised instead of answering; rejoinder always answers.
        d.push(Diff::new("error", err.clone(), Value::Null));
    }
    d.outcome(observed)
}

/// The format an `error_body` case names.
pub(crate) fn body_format(input: &Value) -> ErrorFormat {
    match input["format"].as_str() {
        Some("html") => ErrorFormat::Html,
        Some("xml") => ErrorFormat::Xml,
        Some("plain") => ErrorFormat::Plain,
        Some("grpc") => ErrorFormat::Grpc,
        _ => ErrorFormat::Json,
    }
}

fn error_body(input: &Value, output: &Value) -> Outcome {
    let format = body_format(input);
    let status = match lua_status(&input["status"], "/status") {
        Ok(s) => s,
        Err(d) => return Outcome::fail(*d),
    };
    let rid = input["request_id"].as_str().unwrap_or_default();
    let message = ErrorMessage::from(input["message"].clone());
    let body = error_page::render(format, status, &message, rid);
    let observed = json!({
        "content_type": format.content_type(),
        "body": body,
        "content_length": body.len(),
        "default_message_used": message == ErrorMessage::Default,
    });
    let mut d = Diffs::default();
    for field in [
        "content_type",
        "body",
        "content_length",
        "default_message_used",
    ] {
        d.eq(field, &output[field], &observed[field]);
    }
    d.outcome(observed)
}

/// What a refused `exit` or `error` says, else the status it answers with.
fn answered(abort: &rejoinder::Abort) -> Result<u16, String> {
    crate::kong_exit::refusal(abort).map_or(Ok(abort.response().status().as_u16()), Err)
}

fn status_validation(input: &Value, output: &Value) -> Outcome {
    let prepared = lua_status(&input["status"], "/status").and_then(|status| {
        let headers = lua_headers(input.get("headers").unwrap_or(&Value::Null), "/headers")?;
        Ok((status, headers))
    });
    let (status, headers) = match prepared {
        Ok(p) => p,
        Err(d) => return Outcome::fail(*d),
    };
    let second = input.get("second").cloned().unwrap_or(Value::Null);
    let accepted: Result<u16, String> = match input["function"].as_str() {
        Some("set_status") => {
            let mut res = Response::new();
            res.kong()
                .set_status(status)
                .map(|()| status)
                .map_err(|e| e.to_string())
        }
        Some("exit") => {
            let body = match second {
                Value::Null => ExitBody::None,
                Value::String(s) => ExitBody::Text(s),
                v @ (Value::Object(_) | Value::Array(_)) => ExitBody::Json(v),
                other => {
                    return Outcome::fail(Diff::unrepresentable("/second", &other, takes::BODY))
                }
            };
            answered(&Response::new().exit(status, body, headers).unwrap_err())
        }
        Some("error") => {
            if matches!(second, Value::Bool(_) | Value::Number(_)) {
                return Outcome::fail(Diff::unrepresentable("/second", &second, takes::MESSAGE));
            }
            let req = rejoinder::http::Request::new(rejoinder::RequestBody::empty());
            let mut ctx = Context::new(req);
            let err = ctx
                .error(status, ErrorMessage::from(second), headers)
                .unwrap_err();
            answered(&err)
        }
        other => {
            return Outcome::fail(Diff::new(
                "replayer",
                "a function the runner replays",
                json!(other),
            ))
        }
    };
    let observed = match &accepted {
        Ok(s) => json!({"ok": true, "status": s}),
        Err(e) => json!({"ok": false, "error": e}),
    };
    let mut d = Diffs::default();
    match (&accepted, output["ok"].as_bool()) {
        (Ok(s), Some(true)) => {
            if integral(&output["status"]) != Some(i128::from(*s)) {
                d.push(Diff::new("status", output["status"].clone(), *s));
            }
        }
        (Err(_), Some(false)) => {}
        _ => d.push(Diff::new("result", output.clone(), observed.clone())),
    }
    d.outcome(observed)
}

/// The response Kong's test environment starts from: the request asked for
/// `Connection: close`, which ngx reports among the response headers.
pub(crate) fn environment() -> Response {
    let mut res = Response::new();
    let _ = res.set("connection", "close");
    res
}

fn normalization(input: &Value, output: &Value) -> Outcome {
    let Some(lookup) = input["lookup"].as_str() else {
        return Outcome::fail(Diff::unrepresentable(
            "/lookup",
            &input["lookup"],
            takes::NAME,
        ));
    };
    let mut res = environment();
    let pairs = |key: &str| -> Vec<(String, String)> {
        input[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let s = |i: usize| p[i].as_str().unwrap_or_default().to_owned();
                (s(0), s(1))
            })
            .collect()
    };
    for (n, v) in pairs("upstream_headers") {
        if let Err(e) = res.append(n.as_str(), v.as_str()) {
            return Outcome::fail(Diff::new("upstream header", json!([n, v]), e.to_string()));
        }
    }
    for (n, v) in pairs("kong_set_headers") {
        if let Err(e) = res.kong().set_header(&n, v.as_str()) {
            return Outcome::fail(Diff::new("set_header", json!([n, v]), e.to_string()));
        }
    }
    let actual = res
        .kong()
        .get_header(lookup)
        .map_or(Value::Null, |v| json!(text(v)));
    let observed = json!({ "value": actual });
    let mut d = Diffs::default();
    if output.get("error").is_some() {
        d.push(Diff::new("result", output.clone(), observed.clone()));
    } else {
        d.eq("value", &output["value"], &actual);
    }
    d.outcome(observed)
}

fn limit(input: &Value, output: &Value) -> Outcome {
    let max = match lua_limit(&input["max_headers"], "/max_headers") {
        Ok(m) => m,
        Err(d) => return Outcome::fail(*d),
    };
    let mut res = environment();
    let mut present: Vec<(String, String)> = Vec::new();
    for key in ["content_type", "content_length"] {
        if let Some(v) = input[key].as_str() {
            present.push((key.replace('_', "-"), v.to_owned()));
        }
    }
    for i in 1..=input["present_headers"].as_u64().unwrap_or(0) {
        present.push((format!("X-H-{i:03}"), "v".to_owned()));
    }
    for (n, v) in present {
        if let Err(e) = res.set(n.clone(), v.as_str()) {
            return Outcome::fail(Diff::new("header", json!([n, v]), e.to_string()));
        }
    }
    let kong = res.kong();
    let observed = match kong.get_headers(max) {
        Ok(listing) => {
            let names: BTreeSet<&str> = listing.entries.iter().map(|(n, _)| n.as_str()).collect();
            let x = names.iter().filter(|n| n.starts_with("x-h-")).count();
            json!({
                "ok": true,
                "truncated": listing.truncated,
                "returned": listing.entries.len(),
                "x_headers_returned": x,
                "keys": names,
            })
        }
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    };
    let mut d = Diffs::default();
    match (observed["ok"].as_bool(), output["ok"].as_bool()) {
        (Some(true), Some(true)) => {
            for field in ["truncated", "returned", "x_headers_returned"] {
                d.eq(field, &output[field], &observed[field]);
            }
            if let Some(keys) = output["keys"].as_array() {
                let expected: BTreeSet<&str> = keys.iter().filter_map(Value::as_str).collect();
                d.eq("keys", &json!(expected), &observed["keys"]);
            }
        }
        (Some(false), Some(false)) => {}
        _ => d.push(Diff::new("result", output.clone(), observed.clone())),
    }
    d.outcome(observed)
}
