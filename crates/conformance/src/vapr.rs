//! Replays vapr-formats.json.
//!
//! Each case's returned value goes through [`Response::from_value`]: a valid
//! value must give the normalized response vapr built (code, message,
//! headers, trailers, body), an invalid one must be refused (only the fact
//! is compared, not the text). Then a rejoinder handler returns the same
//! value over a loopback socket, and the wire is compared with what vapr
//! sent: status, reason phrase, the set of headers, the body, and the
//! trailers when the response has some (the request says `TE: trailers`).

use std::collections::HashMap;
use std::sync::Arc;

use rejoinder::prelude::*;
use rejoinder::testing::raw::{self, Wire};
use rejoinder::testing::TestServer;
use rejoinder::{handler_fn, App, Body, IntoResponse, Response};
use serde_json::{Map, Value};

use crate::Outcome;

pub(crate) async fn replay_file(cases: &[Value]) -> Vec<Outcome> {
    let values: Vec<Result<(), String>> = cases.iter().map(check_value).collect();
    let wires = replay_wire(cases).await;
    values
        .into_iter()
        .zip(wires)
        .map(|(value, wire)| {
            let problems: Vec<String> = [value, wire].into_iter().filter_map(Result::err).collect();
            if problems.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(problems.join("; "))
            }
        })
        .collect()
}

/// `from_value` against `output.valid` / `output.response`.
fn check_value(case: &Value) -> Result<(), String> {
    let out = &case["output"];
    let returned = &case["input"]["returned"];
    match (out["valid"].as_bool(), Response::from_value(returned)) {
        (Some(true), Ok(res)) => compare_response(&out["response"], &res),
        (Some(true), Err(e)) => Err(format!("expected a response, got the error: {e}")),
        (Some(false), Err(_)) => Ok(()),
        (Some(false), Ok(res)) => Err(format!(
            "expected the error {}, got a {} response",
            out["error"]["message"],
            res.status().as_u16()
        )),
        (None, _) => Err("the case says neither valid nor invalid".into()),
    }
}

fn fields(list: impl Iterator<Item = (String, String)>) -> Value {
    let mut map = Map::new();
    for (name, value) in list {
        map.insert(name, Value::String(value));
    }
    Value::Object(map)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

fn compare_response(want: &Value, res: &Response) -> Result<(), String> {
    let mut problems = Vec::new();
    if want["code"].as_u64() != Some(u64::from(res.status().as_u16())) {
        problems.push(format!(
            "code: expected {}, got {}",
            want["code"],
            res.status().as_u16()
        ));
    }
    if want["message"].as_str() != res.message() {
        problems.push(format!(
            "message: expected {}, got {:?}",
            want["message"],
            res.message()
        ));
    }
    let headers = fields(
        res.headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), latin1(v.as_bytes()))),
    );
    if want["headers"] != headers {
        problems.push(format!(
            "headers: expected {}, got {headers}",
            want["headers"]
        ));
    }
    let trailers = fields(res.trailers().into_iter().flat_map(|t| {
        t.names()
            .map(|n| {
                let value = t.get(n.as_str()).map(|v| latin1(v.as_bytes()));
                (n.as_str().to_owned(), value.unwrap_or_default())
            })
            .collect::<Vec<_>>()
    }));
    if want["trailers"] != trailers {
        problems.push(format!(
            "trailers: expected {}, got {trailers}",
            want["trailers"]
        ));
    }
    let body = &want["body"];
    let same_body = match res.body() {
        // vapr keeps `undefined` and `null` apart; both send nothing.
        Some(Body::Empty) => body.is_null() || body["undefined"] == Value::Bool(true),
        Some(b) => b.as_text().is_some_and(|t| body.as_str() == Some(t)),
        None => false,
    };
    if !same_body {
        problems.push(format!("body: expected {body}, got {:?}", res.body()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Serves every case's value from `/<id>` and compares what comes back.
async fn replay_wire(cases: &[Value]) -> Vec<Result<(), String>> {
    let routes: HashMap<String, Value> = cases
        .iter()
        .map(|c| (path_of(c), c["input"]["returned"].clone()))
        .collect();
    let routes = Arc::new(routes);
    let app = App::new().handler(handler_fn(move |ctx| {
        let routes = routes.clone();
        Box::pin(async move {
            match routes.get(ctx.req.path()) {
                Some(value) => Response::from_value(value).into_response(),
                None => std::mem::take(&mut ctx.res),
            }
        })
    }));
    let server = TestServer::start(app).await;
    let mut results = Vec::new();
    for case in cases {
        let out = &case["output"];
        let has_trailers = out["response"]["trailers"]
            .as_object()
            .is_some_and(|t| !t.is_empty());
        let headers: &[(&str, &str)] = if has_trailers {
            &[("TE", "trailers")]
        } else {
            &[]
        };
        let wire = raw::send(server.addr(), "GET", &path_of(case), headers).await;
        let mut result = compare_wire(&out["wire"], &wire);
        if result.is_ok() && has_trailers {
            result = compare_trailers(&out["response"]["trailers"], &wire);
        }
        results.push(result);
    }
    let _ = server.shutdown().await;
    results
}

fn path_of(case: &Value) -> String {
    format!("/{}", case["id"].as_str().unwrap_or("?"))
}

fn compare_wire(want: &Value, wire: &Wire) -> Result<(), String> {
    let problems = crate::http_cases::wire_problems(want, wire, false);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The trailers vapr set arrive after the chunked body.
fn compare_trailers(want: &Value, wire: &Wire) -> Result<(), String> {
    let got = fields(wire.trailers.iter().cloned());
    if *want == got {
        Ok(())
    } else {
        Err(format!("trailers on the wire: expected {want}, got {got}"))
    }
}
