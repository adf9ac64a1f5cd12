//! Replays boom-errors.json through `HttpError`.

use rejoinder::HttpError;
use serde_json::{json, Map, Value};

use crate::outcome::{Diff, Diffs, Outcome};

type Constructor = fn(String) -> HttpError;

/// Boom's helper names and the constructors that stand for them.
const HELPERS: &[(&str, Constructor)] = &[
    ("badRequest", HttpError::bad_request),
    ("unauthorized", HttpError::unauthorized),
    ("paymentRequired", HttpError::payment_required),
    ("forbidden", HttpError::forbidden),
    ("notFound", HttpError::not_found),
    ("methodNotAllowed", HttpError::method_not_allowed),
    ("notAcceptable", HttpError::not_acceptable),
    ("proxyAuthRequired", HttpError::proxy_auth_required),
    ("clientTimeout", HttpError::client_timeout),
    ("conflict", HttpError::conflict),
    ("resourceGone", HttpError::resource_gone),
    ("lengthRequired", HttpError::length_required),
    ("preconditionFailed", HttpError::precondition_failed),
    ("entityTooLarge", HttpError::entity_too_large),
    ("uriTooLong", HttpError::uri_too_long),
    ("unsupportedMediaType", HttpError::unsupported_media_type),
    ("rangeNotSatisfiable", HttpError::range_not_satisfiable),
    ("expectationFailed", HttpError::expectation_failed),
    ("teapot", HttpError::teapot),
    ("badData", HttpError::bad_data),
    ("locked", HttpError::locked),
    ("failedDependency", HttpError::failed_dependency),
    ("tooEarly", HttpError::too_early),
    ("preconditionRequired", HttpError::precondition_required),
    ("tooManyRequests", HttpError::too_many_requests),
    ("illegal", HttpError::illegal),
    ("internal", HttpError::internal),
    ("badImplementation", HttpError::bad_implementation),
    ("notImplemented", HttpError::not_implemented),
    ("badGateway", HttpError::bad_gateway),
    ("serverUnavailable", HttpError::server_unavailable),
    ("gatewayTimeout", HttpError::gateway_timeout),
];

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn status_of(v: &Value) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        // Boom runs parseInt on the status.
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn build(input: &Value) -> Result<HttpError, String> {
    if let Some(name) = input["helper"].as_str() {
        let args = input["args"].as_array().cloned().unwrap_or_default();
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
        let (_, make) = HELPERS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("no constructor for Boom's {name}"))?;
        let mut err = make(text(&arg(0)));
        match name {
            "unauthorized" => {
                match arg(1) {
                    Value::String(s) => err = err.scheme(s),
                    Value::Array(_) => err = err.schemes(strings(&arg(1))),
                    _ => {}
                }
                match arg(2) {
                    Value::Object(map) => {
                        for (k, v) in map {
                            err = err.attribute(k, v);
                        }
                    }
                    Value::String(token) => err = err.token68(token),
                    _ => {}
                }
            }
            "methodNotAllowed" => {
                if !arg(1).is_null() {
                    err = err.data(arg(1));
                }
                if !arg(2).is_null() {
                    err = err.allow(strings(&arg(2)));
                }
            }
            _ => {
                if !arg(1).is_null() {
                    err = err.data(arg(1));
                }
                if let Some(code) = status_of(&arg(2)) {
                    err = err.with_status(code).map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(err)
    } else if let Some(c) = input.get("constructor") {
        let code = match &c["options"]["statusCode"] {
            Value::Null => 500,
            v => status_of(v).ok_or("status is not a number")?,
        };
        let mut err = HttpError::new(code, text(&c["message"])).map_err(|e| e.to_string())?;
        if let Some(data) = c["options"].get("data").filter(|d| !d.is_null()) {
            err = err.data(data.clone());
        }
        Ok(err)
    } else if let Some(b) = input.get("boomify") {
        let cause = std::io::Error::other(text(&b["error_message"]));
        let mut err = HttpError::wrap(cause);
        if let Some(prefix) = b["options"]["message"].as_str() {
            err = err.prefixed(prefix);
        }
        match status_of(&b["options"]["statusCode"]) {
            Some(code) => err.with_status(code).map_err(|e| e.to_string()),
            None => Ok(err),
        }
    } else {
        Err("unrecognized Boom case".into())
    }
}

pub(crate) fn replay(case: &Value) -> Outcome {
    let expected = &case["output"];
    // Boom throws at construction where rejoinder's `check` refuses.
    let built =
        build(&case["input"]).and_then(|e| e.check().map(|()| e).map_err(|x| x.to_string()));
    let err = match (built, expected["ok"].as_bool()) {
        (Err(_), Some(false)) => return Outcome::Pass,
        (Err(e), _) => {
            return Outcome::fail(Diff::new("result", "an error value", json!({"refused": e})))
        }
        (Ok(e), Some(false)) => {
            return Outcome::fail(Diff::new(
                "result",
                json!({"refused": expected["error"]}),
                e.to_string(),
            ))
        }
        (Ok(err), _) => err,
    };
    let headers: Map<String, Value> = err
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or_default())))
        .collect();
    let want_headers: Map<String, Value> = expected["output"]["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let observed = json!({
        "is_server": err.is_server(),
        "message": err.message(),
        "data": err.data_value().cloned().unwrap_or(Value::Null),
        "statusCode": err.status().as_u16(),
        "payload": err.payload(),
        "headers": headers,
    });
    let mut d = Diffs::default();
    for field in ["is_server", "message", "data"] {
        d.eq(field, &expected[field], &observed[field]);
    }
    for field in ["statusCode", "payload"] {
        d.eq(field, &expected["output"][field], &observed[field]);
    }
    d.eq(
        "headers",
        &Value::Object(want_headers),
        &observed["headers"],
    );
    d.outcome(observed)
}
