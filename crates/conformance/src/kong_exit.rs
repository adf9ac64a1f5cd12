//! Replays the `exit` cases of kong-response.json over a loopback socket.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rejoinder::testing::{raw, TestServer};
use rejoinder::{handler_fn, App, ExitBody, IntoResponse};
use serde_json::{json, Value};

use crate::lua::{lua_headers, lua_status, takes, Unpassable};
use crate::outcome::{Diff, Outcome};
use crate::values::json_eq;

/// What the handler needs for one case, prepared before serving.
struct Plan {
    /// The request's Content-Type and whether it goes over HTTP/2.
    request: Option<(String, bool)>,
    preset: Vec<(String, String)>,
    status: u16,
    body: ExitBody,
    headers: Vec<(String, Vec<String>)>,
}

fn plan(input: &Value) -> Result<Plan, Unpassable> {
    let request = input["request"]["content_type"].as_str().map(|ct| {
        (
            ct.to_owned(),
            input["request"]["http_version"].as_f64() == Some(2.0),
        )
    });
    let body = &input["body"];
    let body = match (body["kind"].as_str(), &body["value"]) {
        (Some("string"), v) => ExitBody::Text(v.as_str().unwrap_or_default().to_owned()),
        // A JSON string decodes to a Lua string, which Kong sends as is.
        (Some("json"), Value::String(s)) => ExitBody::Text(s.clone()),
        (Some("json"), v @ (Value::Object(_) | Value::Array(_))) => ExitBody::Json(v.clone()),
        // A number, a boolean or cjson's null is no body Kong takes.
        (Some("json"), other) => {
            return Err(Box::new(Diff::unrepresentable(
                "/body/value",
                other,
                takes::BODY,
            )))
        }
        _ => ExitBody::None,
    };
    let preset = input["preset_headers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    Ok(Plan {
        request,
        preset,
        status: lua_status(&input["status"], "/status")?,
        body,
        headers: lua_headers(&input["headers"], "/headers")?,
    })
}

pub(crate) async fn replay(cases: &[&Value]) -> Vec<Outcome> {
    let plans: Vec<Result<Plan, Unpassable>> = cases.iter().map(|c| plan(&c["input"])).collect();
    let mut routes: HashMap<String, Arc<Plan>> = HashMap::new();
    let mut paths = Vec::new();
    for (case, p) in cases.iter().zip(plans) {
        let path = format!("/{}", case["id"].as_str().unwrap_or("?"));
        match p {
            Ok(p) => {
                routes.insert(path.clone(), Arc::new(p));
                paths.push(Ok(path));
            }
            Err(e) => paths.push(Err(e)),
        }
    }
    let routes = Arc::new(routes);
    let refused: Arc<std::sync::Mutex<HashMap<String, String>>> = Arc::default();
    let seen = refused.clone();
    let app = App::new().handler(handler_fn(move |ctx| {
        let routes = routes.clone();
        let seen = seen.clone();
        Box::pin(async move {
            let path = ctx.req.path().to_owned();
            let Some(plan) = routes.get(&path) else {
                return std::mem::take(&mut ctx.res);
            };
            for (n, v) in &plan.preset {
                let _ = ctx.res.append(n.as_str(), v.as_str());
            }
            let err = ctx
                .exit(plan.status, plan.body.clone(), plan.headers.clone())
                .unwrap_err();
            if let Some(why) = refusal(&err) {
                seen.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(path, why);
            }
            err.into_response()
        })
    }));
    let server = TestServer::start(app).await;
    let mut outcomes = Vec::new();
    for (case, path) in cases.iter().zip(paths) {
        let path = match path {
            Ok(p) => p,
            Err(d) => {
                outcomes.push(Outcome::fail(*d));
                continue;
            }
        };
        let request = plan(&case["input"]).ok().and_then(|p| p.request);
        let wire = match &request {
            Some((ct, true)) => match h2_get(server.addr(), &path, ct).await {
                Ok(w) => w,
                Err(e) => {
                    outcomes.push(Outcome::fail(Diff::new(
                        "response",
                        "an HTTP/2 response",
                        e,
                    )));
                    continue;
                }
            },
            Some((ct, false)) => {
                raw::send(server.addr(), "GET", &path, &[("content-type", ct)]).await
            }
            None => raw::send(server.addr(), "GET", &path, &[]).await,
        };
        let refusal = refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&path);
        let http2 = matches!(request, Some((_, true)));
        outcomes.push(compare(&case["output"], &wire, refusal, http2));
    }
    let _ = server.shutdown().await;
    outcomes
}

/// A GET over HTTP/2 (prior knowledge) with a Content-Type, read into the
/// same shape as a raw HTTP/1.1 response.
async fn h2_get(
    addr: std::net::SocketAddr,
    path: &str,
    content_type: &str,
) -> Result<raw::Wire, String> {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = rejoinder::http::Request::get(format!("http://{addr}{path}"))
        .header("content-type", content_type)
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|e| e.to_string())?;
    let res = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.as_bytes().iter().map(|&b| b as char).collect(),
            )
        })
        .collect();
    let body = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes()
        .to_vec();
    Ok(raw::Wire {
        status,
        reason: String::new(),
        headers,
        body,
        trailers: Vec::new(),
        raw: Vec::new(),
    })
}

/// Every difference between the recorded exit and the wire: `result`
/// (a refusal on one side only), `status`, `header <name>` and `body`.
fn compare(out: &Value, wire: &raw::Wire, refusal: Option<String>, http2: bool) -> Outcome {
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, v) in &wire.headers {
        if !matches!(n.as_str(), "date" | "connection" | "x-request-id") {
            actual.entry(n.clone()).or_default().push(v.clone());
        }
    }
    let got = String::from_utf8_lossy(&wire.body).into_owned();
    let observed = json!({
        "status": wire.status,
        "refusal": refusal,
        "headers": actual,
        "body": got,
        "http_version": if http2 { "HTTP/2.0" } else { "HTTP/1.1" },
    });
    let mut diffs = Vec::new();
    match (out.get("error"), &refusal) {
        (Some(_), Some(_)) => return Outcome::Pass,
        (None, None) => {}
        _ => {
            diffs.push(Diff::new(
                "result",
                json!({"error": out.get("error"), "status": out.get("status")}),
                json!({"error": refusal, "status": wire.status}),
            ));
            return Outcome::of(diffs, observed);
        }
    }
    if out["status"].as_u64() != Some(u64::from(wire.status)) {
        diffs.push(Diff::new("status", out["status"].clone(), wire.status));
    }
    let expected = crate::values::header_lists(&out["headers"]);
    let dependent = out["iteration_order_dependent"].as_bool().unwrap_or(false);
    let mut names: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (want, have) = (expected.get(name), actual.get(name));
        let same = match (want, have) {
            (Some(w), Some(h)) => w == h || (dependent && w.len() == h.len()),
            _ => false,
        };
        if !same {
            diffs.push(Diff::new(
                format!("header {name}"),
                json!(want),
                json!(have),
            ));
        }
    }
    let want = out["body"].as_str().unwrap_or_default();
    let same_body = if out["body_is_json"].as_bool() == Some(true) {
        match (
            serde_json::from_str::<Value>(want),
            serde_json::from_str::<Value>(&got),
        ) {
            (Ok(a), Ok(b)) => json_eq(&a, &b),
            _ => false,
        }
    } else {
        want == got
    };
    if !same_body {
        diffs.push(Diff::new("body", want, got));
    }
    Outcome::of(diffs, observed)
}

/// Why an `exit` or `error` was refused: the cause of the 500 it answers
/// with instead (a call Kong accepts ends with a response and no cause).
pub(crate) fn refusal(abort: &rejoinder::Abort) -> Option<String> {
    abort.response().error_cause().map(|c| c.to_string())
}
