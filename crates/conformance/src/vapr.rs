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
use serde_json::{json, Map, Value};

use crate::outcome::{Diff, Outcome};

pub(crate) async fn replay_file(cases: &[Value]) -> Vec<Outcome> {
    let values: Vec<(Vec<Diff>, Value)> = cases.iter().map(check_value).collect();
    let wires = replay_wire(cases).await;
    values
        .into_iter()
        .zip(wires)
        .map(|((mut diffs, value), (wire_diffs, wire))| {
            diffs.extend(wire_diffs);
            Outcome::of(diffs, json!({"value": value, "wire": wire}))
        })
        .collect()
}

/// `from_value` against `output.valid` / `output.response`: the
/// differences, and what `from_value` gave (`{"error": …}` when refused).
fn check_value(case: &Value) -> (Vec<Diff>, Value) {
    let out = &case["output"];
    let returned = &case["input"]["returned"];
    let made = Response::from_value(returned);
    let observed = match &made {
        Ok(res) => json!({"code": res.status().as_u16()}),
        Err(e) => json!({"error": e.to_string()}),
    };
    let diffs = match (out["valid"].as_bool(), made) {
        (Some(true), Ok(res)) => compare_response(&out["response"], &res),
        (Some(false), Err(_)) => Vec::new(),
        (valid, _) => vec![Diff::new(
            "value",
            json!({"valid": valid, "response": out.get("response"), "error": out.get("error")}),
            observed.clone(),
        )],
    };
    (diffs, observed)
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

fn compare_response(want: &Value, res: &Response) -> Vec<Diff> {
    let mut diffs = Vec::new();
    if want["code"].as_u64() != Some(u64::from(res.status().as_u16())) {
        diffs.push(Diff::new(
            "code",
            want["code"].clone(),
            res.status().as_u16(),
        ));
    }
    if want["message"].as_str() != res.message() {
        diffs.push(Diff::new(
            "message",
            want["message"].clone(),
            json!(res.message()),
        ));
    }
    let headers = fields(
        res.headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), latin1(v.as_bytes()))),
    );
    if want["headers"] != headers {
        diffs.push(Diff::new("headers", want["headers"].clone(), headers));
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
        diffs.push(Diff::new("trailers", want["trailers"].clone(), trailers));
    }
    let body = &want["body"];
    let same_body = match res.body() {
        // vapr keeps `undefined` and `null` apart; both send nothing.
        Some(Body::Empty) => body.is_null() || body["undefined"] == Value::Bool(true),
        Some(b) => b.as_text().is_some_and(|t| body.as_str() == Some(t)),
        None => false,
    };
    if !same_body {
        diffs.push(Diff::new("body", body.clone(), format!("{:?}", res.body())));
    }
    diffs
}

/// Serves every case's value from `/<id>` and compares what comes back.
async fn replay_wire(cases: &[Value]) -> Vec<(Vec<Diff>, Value)> {
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
        let mut diffs = compare_wire(&out["wire"], &wire);
        if diffs.is_empty() && has_trailers {
            diffs.extend(compare_trailers(&out["response"]["trailers"], &wire));
        }
        let observed = crate::wire_compare::observed(&out["wire"], &wire, &[]);
        results.push((diffs, observed));
    }
    let _ = server.shutdown().await;
    results
}

fn path_of(case: &Value) -> String {
    format!("/{}", case["id"].as_str().unwrap_or("?"))
}

/// The wire against vapr's: a closed connection without response is one
/// difference (`wire`), else the shared wire comparison.
fn compare_wire(want: &Value, wire: &Wire) -> Vec<Diff> {
    if want["no_response"].as_bool() == Some(true) {
        return vec![Diff::new(
            "wire",
            json!({"no_response": true}),
            json!({"status": wire.status, "body_length": wire.body.len()}),
        )];
    }
    crate::wire_compare::wire_diffs(want, wire, false)
}

/// The trailers vapr set arrive after the chunked body.
fn compare_trailers(want: &Value, wire: &Wire) -> Option<Diff> {
    let got = fields(wire.trailers.iter().cloned());
    (*want != got).then(|| Diff::new("trailers on the wire", want.clone(), got))
}
