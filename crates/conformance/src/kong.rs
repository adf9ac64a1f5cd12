//! Replays the header kinds of kong-response.json through `Response::kong`.

use std::collections::{BTreeMap, BTreeSet};

use rejoinder::http::HeaderValue;
use rejoinder::kong::{self as error_page, ErrorFormat, ErrorMessage};
use rejoinder::prelude::*;
use rejoinder::{Context, ExitBody, Response};
use serde_json::{json, Value};

use crate::lua::{lua_headers, lua_status, lua_string};
use crate::{expect_eq, outcome, Outcome, NOT_YET};

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
                Some("header_name_normalization") => outcome(normalization(input, output)),
                Some("get_headers_limit") => outcome(limit(input, output)),
                Some("set_headers_order") => outcome(order(input, output)),
                Some("error_format") => outcome(error_format(input, output)),
                Some("error_body") => outcome(error_body(input, output)),
                Some("error_status_validation") => outcome(status_validation(input, output)),
                Some("exit") => exit_outcomes
                    .next()
                    .unwrap_or_else(|| Outcome::Fail("exit case not replayed".into())),
                _ => Outcome::Skip(NOT_YET.into()),
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

fn template_name(format: ErrorFormat) -> &'static str {
    match format {
        ErrorFormat::Json => "json",
        ErrorFormat::Html => "html",
        ErrorFormat::Xml => "xml",
        ErrorFormat::Plain => "plain",
        ErrorFormat::Grpc => "grpc",
    }
}

fn error_format(input: &Value, output: &Value) -> Result<(), String> {
    let grpc_request = input["request_http_version"].as_f64() == Some(2.0)
        && input["request_content_type"]
            .as_str()
            .is_some_and(|t| t.starts_with(rejoinder::mime::GRPC_TYPE));
    let explicit = match &input["explicit_content_type"] {
        Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_owned),
        v => v.as_str().map(str::to_owned),
    };
    let (format, content_type) = match explicit {
        Some(ct) => (ErrorFormat::for_content_type(&ct), ct),
        None if grpc_request => (
            ErrorFormat::Grpc,
            ErrorFormat::Grpc.content_type().to_owned(),
        ),
        None => {
            let f = error_page::negotiate(joined(&input["accept"]).as_deref());
            (f, f.content_type().to_owned())
        }
    };
    expect_eq(
        "template",
        &output["template"],
        &json!(template_name(format)),
    )?;
    expect_eq(
        "content_type",
        &output["content_type"],
        &json!(content_type),
    )
}

fn error_message(v: &Value) -> ErrorMessage {
    ErrorMessage::from(v.clone())
}

fn error_body(input: &Value, output: &Value) -> Result<(), String> {
    let format = match input["format"].as_str() {
        Some("html") => ErrorFormat::Html,
        Some("xml") => ErrorFormat::Xml,
        Some("plain") => ErrorFormat::Plain,
        Some("grpc") => ErrorFormat::Grpc,
        _ => ErrorFormat::Json,
    };
    let status = input["status"].as_u64().unwrap_or(500) as u16;
    let rid = input["request_id"].as_str().unwrap_or_default();
    let body = error_page::render(format, status, &error_message(&input["message"]), rid);
    expect_eq(
        "content_type",
        &output["content_type"],
        &json!(format.content_type()),
    )?;
    expect_eq("body", &output["body"], &json!(body))?;
    expect_eq(
        "content_length",
        &output["content_length"],
        &json!(body.len()),
    )
}

fn status_validation(input: &Value, output: &Value) -> Result<(), String> {
    let status = lua_status(&input["status"])?;
    let headers = lua_headers(input.get("headers").unwrap_or(&Value::Null))?;
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
                other => return Err(format!("body {other} is not a nil, string or table")),
            };
            let err = Response::new().exit(status, body, headers).unwrap_err();
            crate::kong_exit::refusal(&err).map_or(Ok(err.response().status().as_u16()), Err)
        }
        Some("error") => {
            if matches!(second, Value::Bool(_) | Value::Number(_)) {
                return Err(format!("message {second} is not a nil, string or table"));
            }
            let req = rejoinder::http::Request::new(rejoinder::RequestBody::empty());
            let mut ctx = Context::new(req);
            let err = ctx
                .error(status, error_message(&second), headers)
                .unwrap_err();
            crate::kong_exit::refusal(&err).map_or(Ok(err.response().status().as_u16()), Err)
        }
        other => return Err(format!("unknown function {other:?}")),
    };
    match (accepted, output["ok"].as_bool()) {
        (Ok(s), Some(true)) => expect_eq(
            "status",
            &json!(output["status"].as_f64().map(|f| f as u16)),
            &json!(s),
        ),
        (Err(_), Some(false)) => Ok(()),
        (Ok(s), _) => Err(format!(
            "expected error {}, got status {s}",
            output["error"]
        )),
        (Err(e), _) => Err(format!(
            "expected status {}, got error: {e}",
            output["status"]
        )),
    }
}

/// The response Kong's test environment starts from: the request asked for
/// `Connection: close`, which ngx reports among the response headers.
fn environment() -> Response {
    let mut res = Response::new();
    let _ = res.set("connection", "close");
    res
}

fn text(v: &HeaderValue) -> String {
    v.as_bytes().iter().map(|&b| b as char).collect()
}

fn normalization(input: &Value, output: &Value) -> Result<(), String> {
    let mut res = environment();
    for pair in input["upstream_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        res.append(n, v)
            .map_err(|e| format!("upstream header: {e}"))?;
    }
    for pair in input["kong_set_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        res.kong()
            .set_header(n, v)
            .map_err(|e| format!("set_header: {e}"))?;
    }
    let Some(lookup) = input["lookup"].as_str() else {
        return Err("header name is not a string: a Rust &str cannot be anything else".into());
    };
    let actual = res
        .kong()
        .get_header(lookup)
        .map_or(Value::Null, |v| json!(text(v)));
    if output.get("error").is_some() {
        return Err(format!("expected error {}, got {actual}", output["error"]));
    }
    expect_eq("value", &output["value"], &actual)
}

fn limit(input: &Value, output: &Value) -> Result<(), String> {
    let mut res = environment();
    if let Some(ct) = input["content_type"].as_str() {
        res.set("content-type", ct).map_err(|e| e.to_string())?;
    }
    if let Some(cl) = input["content_length"].as_str() {
        res.set("content-length", cl).map_err(|e| e.to_string())?;
    }
    for i in 1..=input["present_headers"].as_u64().unwrap_or(0) {
        res.set(format!("X-H-{i:03}"), "v")
            .map_err(|e| e.to_string())?;
    }
    let max = match &input["max_headers"] {
        Value::Null => None,
        // A Lua number reaches the C side truncated toward zero.
        Value::Number(n) => Some(n.as_f64().unwrap_or(0.0).max(0.0) as usize),
        Value::Object(o) if o.get("float") == Some(&json!("inf")) => Some(usize::MAX),
        other => return Err(format!("max_headers {other} is not an integer")),
    };
    let kong = res.kong();
    match (kong.get_headers(max), output["ok"].as_bool()) {
        (Ok(listing), Some(true)) => {
            let names: BTreeSet<&str> = listing.entries.iter().map(|(n, _)| n.as_str()).collect();
            let x = listing
                .entries
                .iter()
                .filter(|(n, _)| n.as_str().starts_with("x-h-"))
                .count();
            expect_eq("truncated", &output["truncated"], &json!(listing.truncated))?;
            expect_eq(
                "returned",
                &output["returned"],
                &json!(listing.entries.len()),
            )?;
            expect_eq(
                "x_headers_returned",
                &output["x_headers_returned"],
                &json!(x),
            )?;
            if let Some(keys) = output["keys"].as_array() {
                let expected: BTreeSet<&str> = keys.iter().filter_map(Value::as_str).collect();
                if expected != names {
                    return Err(format!("keys: expected {expected:?}, got {names:?}"));
                }
            }
            Ok(())
        }
        (Err(_), Some(false)) => Ok(()),
        (Ok(l), _) => Err(format!(
            "expected error {}, got {} entries",
            output["error"],
            l.entries.len()
        )),
        (Err(e), _) => Err(format!("expected a listing, got error: {e}")),
    }
}

fn order(input: &Value, output: &Value) -> Result<(), String> {
    let mut res = Response::new();
    for pair in input["preset_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        res.append(n, v).map_err(|e| e.to_string())?;
    }
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    let mut candidates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in input["headers"].as_object().into_iter().flatten() {
        let values: Vec<String> = match value {
            Value::Array(items) => items.iter().filter_map(lua_string).collect(),
            // A table without an array part: Kong's ipairs finds no value.
            Value::Object(_) => Vec::new(),
            scalar => match lua_string(scalar) {
                Some(s) => vec![s],
                None => {
                    return Err(format!(
                        "header {name}: a {scalar} value is not a header value"
                    ))
                }
            },
        };
        let key = name.to_ascii_lowercase().replace('_', "-");
        candidates
            .entry(key)
            .or_default()
            .extend(values.iter().cloned());
        fields.push((name.clone(), values));
    }
    let result = res.kong().set_headers(fields);
    if let Err(e) = result {
        return match output.get("error") {
            Some(_) => Ok(()),
            None => Err(format!("set_headers failed: {e}")),
        };
    }
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, v) in res.headers() {
        actual
            .entry(n.as_str().to_owned())
            .or_default()
            .push(text(v));
    }
    let expected: BTreeMap<String, Vec<String>> = output["values_by_name"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(lua_string)
                    .collect(),
            )
        })
        .collect();
    let dependent = output["iteration_order_dependent"]
        .as_bool()
        .unwrap_or(false);
    if expected.keys().ne(actual.keys()) {
        return Err(format!(
            "names: expected {:?}, got {:?}",
            expected.keys(),
            actual.keys()
        ));
    }
    for (name, want) in &expected {
        let got = &actual[name];
        let ok = got == want
            || (dependent
                && got.len() == 1
                && candidates.get(name).is_some_and(|c| c.contains(&got[0])));
        if !ok {
            return Err(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    Ok(())
}
