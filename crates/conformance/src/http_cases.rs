//! Replays koa-response.json and adonis-response.json over a loopback socket:
//! each case's operations run inside a rejoinder handler, and the response
//! is read off the wire and compared with what Koa or Adonis sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rejoinder::content_disposition::{Disposition, Fallback, Options};
use rejoinder::prelude::*;
use rejoinder::testing::raw;
use rejoinder::testing::TestServer;
use rejoinder::{
    handler_fn, Abort, App, Body, Context, Error, HttpError, IntoResponse, RedirectError,
};
use serde_json::{json, Value};

use crate::outcome::{Diff, Outcome};
use crate::values::{base64, strings};
use crate::wire_compare::{self, compare, Observations};

/// Which system's vectors, and so which operations exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    Koa,
    Adonis,
}

impl Flavour {
    /// How this system's vectors record observations.
    fn observations(self) -> Observations {
        match self {
            Flavour::Koa => Observations::ByIndex,
            Flavour::Adonis => Observations::InOrder,
        }
    }

    fn supports(self, op: &str) -> bool {
        match self {
            Flavour::Koa => matches!(
                op,
                "set_body"
                    | "set_status"
                    | "set_message"
                    | "set_type"
                    | "set_length"
                    | "set_header"
                    | "set_headers"
                    | "append_header"
                    | "remove_header"
                    | "vary"
                    | "set_etag"
                    | "set_last_modified"
                    | "observe"
                    | "observe_is"
                    | "redirect"
                    | "back"
                    | "attachment"
            ),
            Flavour::Adonis => matches!(
                op,
                "send"
                    | "abort"
                    | "descriptive"
                    | "type"
                    | "header"
                    | "safe_header"
                    | "append"
                    | "remove_header"
                    | "status"
                    | "safe_status"
                    | "redirect_back"
                    | "redirect_to_path"
                    | "redirect"
                    | "jsonp"
                    | "attachment"
                    | "download"
            ),
        }
    }
}

/// Parses the ISO dates the vectors use (`2020-01-02T03:04:05.678Z`, or a
/// bare `2013-09-13`, which JavaScript reads as UTC midnight).
pub(crate) fn parse_date(s: &str) -> Option<SystemTime> {
    if s.len() == 10 {
        return humantime::parse_rfc3339(&format!("{s}T00:00:00Z")).ok();
    }
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(s).ok())
}

fn iso(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

fn body_of(spec: &Value, flavour: Flavour) -> Body {
    match spec["kind"].as_str() {
        Some("string") => Body::from(spec["value"].as_str().unwrap_or_default().to_owned()),
        Some("bytes") => Body::from(base64(spec["base64"].as_str().unwrap_or_default())),
        Some("json") => match (&spec["value"], flavour) {
            // Adonis sends numbers and booleans as their text.
            (Value::Number(n), Flavour::Adonis) => {
                if let Some(u) = n.as_u64() {
                    Body::from(u)
                } else if let Some(i) = n.as_i64() {
                    Body::from(i)
                } else {
                    Body::from(n.as_f64().unwrap_or_default())
                }
            }
            (Value::Bool(b), Flavour::Adonis) => Body::from(*b),
            (v, _) => Body::json(v.clone()),
        },
        Some("date") => {
            parse_date(spec["iso"].as_str().unwrap_or_default()).map_or(Body::Empty, Body::from)
        }
        // JavaScript's String(regexp).
        Some("regexp") => Body::from(format!(
            "/{}/{}",
            spec["source"].as_str().unwrap_or_default(),
            spec["flags"].as_str().unwrap_or_default()
        )),
        // What a Rust handler would send for an error: its message.
        Some("error") => Body::from(spec["message"].as_str().unwrap_or_default().to_owned()),
        _ => Body::Empty,
    }
}

fn str_of<'a>(op: &'a Value, key: &str) -> &'a str {
    op[key].as_str().unwrap_or_default()
}

/// Why a case's operations stopped early.
enum Stop {
    /// An operation was refused (Koa would have thrown; its default error
    /// handler answers a bare 500).
    Refused(Error),
    /// The request was ended on purpose (abort): this is the response.
    Ended(Abort),
}

impl From<RedirectError> for Stop {
    fn from(e: RedirectError) -> Self {
        match e.into_refusal() {
            Ok(e) => Stop::Refused(e),
            Err(other) => Stop::Ended(HttpError::wrap(other).into()),
        }
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Refused(e)
    }
}

/// Applies one operation; an `Err` is an operation that threw.
fn apply(ctx: &mut Context, op: &Value, flavour: Flavour) -> Result<Option<Value>, Stop> {
    let name = str_of(op, "name");
    match (str_of(op, "op"), flavour) {
        ("redirect", Flavour::Koa) => {
            ctx.redirect(str_of(op, "url"))?;
        }
        ("attachment", Flavour::Koa) => {
            let options = &op["options"];
            let disposition = match options["type"].as_str() {
                None | Some("attachment") => Disposition::Attachment,
                Some("inline") => Disposition::Inline,
                Some(other) => Disposition::Other(other.to_owned()),
            };
            let fallback = match &options["fallback"] {
                Value::Bool(false) => Fallback::Off,
                Value::String(s) => Fallback::Name(s.clone()),
                _ => Fallback::Auto,
            };
            let opts = Options {
                disposition,
                fallback,
            };
            ctx.res.attachment(op["filename"].as_str(), &opts)?;
        }
        ("jsonp", _) => {
            let value = op["body"]["value"].clone();
            match op["callback"].as_str() {
                Some(param) => ctx.jsonp_with_param(&value, param),
                None => ctx.jsonp(&value),
            };
        }
        ("back", _) => {
            ctx.back(op["alt"].as_str())?;
        }
        ("redirect", Flavour::Adonis) => {
            ctx.redirect_to().to_path(str_of(op, "path"))?;
        }
        ("redirect_back", _) => {
            let mut r = ctx.redirect_to();
            if op["with_qs"].as_bool() == Some(true) {
                r = r.with_qs();
            }
            r.back()?;
        }
        ("redirect_to_path", _) => {
            let mut r = ctx.redirect_to();
            if let Some(code) = op["status"].as_u64() {
                r = r.status(u16::try_from(code).unwrap_or(0));
            }
            match &op["with_qs"] {
                Value::Bool(true) => r = r.with_qs(),
                v @ Value::Object(_) => r = r.with_qs_from(v),
                _ => {}
            }
            if let v @ Value::Object(_) = &op["with_qs_extra"] {
                r = r.with_qs_from(v);
            }
            if op["clear_qs"].as_bool() == Some(true) {
                r = r.clear_qs();
            }
            r.to_path(str_of(op, "path"))?;
        }
        _ => {}
    }
    let res = &mut ctx.res;
    match str_of(op, "op") {
        "redirect" | "back" | "redirect_back" | "redirect_to_path" | "attachment" | "jsonp"
        | "download" => {}
        "abort" => {
            let status = op["status"].as_u64().map(|s| u16::try_from(s).unwrap_or(0));
            let body = body_of(&op["body"], flavour);
            res.abort(body, status).map_err(Stop::Ended)?;
        }
        "descriptive" => {
            let body = match op.get("body") {
                Some(b) => body_of(b, flavour),
                None => Body::Empty,
            };
            res.send_descriptive(str_of(op, "method"), body)?;
        }
        "set_body" => {
            res.set_body(body_of(&op["body"], flavour));
        }
        "send" => {
            let body = body_of(&op["body"], flavour);
            if op["etag"].as_bool() == Some(true) {
                res.send_with_etag(body);
            } else {
                res.send(body);
            }
        }
        "set_status" | "status" | "safe_status" => {
            let value = &op["value"];
            let safe = str_of(op, "op") == "safe_status";
            match (value.as_i64(), value.as_str()) {
                (Some(n), _) => {
                    let n = i32::try_from(n).unwrap_or(i32::MAX);
                    if safe {
                        res.set_status_if_unset(n)?;
                    } else {
                        res.set_status(n)?;
                    }
                }
                (None, Some(s)) => {
                    res.set_status(s)?;
                }
                _ => {
                    res.set_status(0)?;
                }
            }
        }
        "set_message" => {
            res.set_message(str_of(op, "value").to_owned())?;
        }
        "set_type" | "type" => {
            // Koa and Adonis do not throw for an unknown type; rejoinder
            // reports it and leaves the response as it was.
            let _ = res.set_type(str_of(op, "value"));
        }
        "set_length" => {
            res.set_length(op["value"].as_u64().unwrap_or(0));
        }
        "set_header" | "header" => {
            res.set(name, strings(&op["value"]))?;
        }
        "safe_header" => {
            res.set_if_absent(name, strings(&op["value"]))?;
        }
        "set_headers" => {
            let fields: Vec<(String, Vec<String>)> = op["fields"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), strings(v)))
                .collect();
            res.set_all(fields)?;
        }
        "append_header" | "append" => {
            res.append(name, strings(&op["value"]))?;
        }
        "remove_header" => {
            res.remove(name);
        }
        "vary" => {
            let fields = strings(&op["field"]);
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            res.vary(&refs)?;
        }
        "set_etag" => {
            res.set_etag(str_of(op, "value"))?;
        }
        "set_last_modified" => match str_of(op, "as") {
            // Koa's string form: the library parses it.
            "string" => {
                res.set_last_modified(str_of(op, "value"))?;
            }
            _ => {
                if let Some(t) = parse_date(str_of(op, "value")) {
                    res.set_last_modified(t);
                }
            }
        },
        "observe" => {
            let undefined = json!({"undefined": true});
            return Ok(Some(match str_of(op, "prop") {
                "type" => json!(res.content_type().unwrap_or_default()),
                "length" => res.length().map_or(undefined, |n| json!(n)),
                "message" => res.message().map_or(undefined, |m| json!(m)),
                "lastModified" => res
                    .last_modified()
                    .map_or(undefined, |t| json!({"date": iso(t)})),
                other => json!({"unknown_prop": other}),
            }));
        }
        "observe_is" => {
            let args = strings(&op["args"]);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            return Ok(Some(res.is(&refs).map_or(json!(false), |s| json!(s))));
        }
        other => unreachable!("unsupported op {other} reached the handler"),
    }
    Ok(None)
}

type Seen = Arc<Mutex<HashMap<String, Vec<Value>>>>;

/// An operation that threw, recorded as the system's vectors record it:
/// Koa by `op_index` (the text is rejoinder's), Adonis as the exception
/// alone, `{"threw": {...}}`, with the status and body an `abort` answers
/// with (a refused operation states only its message).
fn thrown(stop: &Stop, index: usize, flavour: Flavour) -> Value {
    match (flavour, stop) {
        (Flavour::Koa, Stop::Refused(e)) => json!({"op_index": index, "threw": e.to_string()}),
        (Flavour::Koa, Stop::Ended(e)) => json!({"op_index": index, "threw": e.to_string()}),
        (Flavour::Adonis, Stop::Refused(e)) => json!({"threw": {"message": e.to_string()}}),
        (Flavour::Adonis, Stop::Ended(e)) => {
            let res = e.response();
            let body = res.body().and_then(|b| {
                b.as_text()
                    .map(|t| json!(t))
                    .or_else(|| b.to_json().map(|v| json!(v.to_string())))
            });
            json!({"threw": {"status": res.status().as_u16(), "body": body}})
        }
    }
}

/// Adonis's file operations, on the fixture folder.
async fn file_op(ctx: &mut Context, op: &Value, files: &std::path::Path) -> Result<(), Stop> {
    let path = files.join(str_of(op, "file"));
    if str_of(op, "op") == "download" {
        let done = if op["etag"].as_bool() == Some(true) {
            ctx.res.download_with_etag(&path).await
        } else {
            ctx.res.download(&path).await
        };
        done.map(|_| ()).map_err(Stop::Ended)
    } else {
        let disposition = match op["disposition"].as_str() {
            Some("inline") => Disposition::Inline,
            Some(other) if other != "attachment" => Disposition::Other(other.to_owned()),
            _ => Disposition::Attachment,
        };
        ctx.res
            .attachment_file(&path, op["name"].as_str(), disposition)
            .await
            .map(|_| ())
            .map_err(Stop::Ended)
    }
}

fn app(
    cases: Arc<HashMap<String, Value>>,
    observed: Seen,
    flavour: Flavour,
    files: Arc<std::path::PathBuf>,
) -> App {
    App::new().handler(handler_fn(move |ctx| {
        let cases = cases.clone();
        let observed = observed.clone();
        let files = files.clone();
        Box::pin(async move {
            let Some(ops) = cases.get(ctx.req.path()).cloned() else {
                return Ok(());
            };
            let mut seen = Vec::new();
            let mut result = Ok(());
            for (i, op) in ops.as_array().into_iter().flatten().enumerate() {
                let step = match (str_of(op, "op"), flavour) {
                    ("download" | "attachment", Flavour::Adonis) => {
                        // A file that cannot be sent is answered, not thrown.
                        if let Err(Stop::Ended(e)) = file_op(ctx, op, &files).await {
                            result = Err(e.into_response());
                            break;
                        }
                        Ok(None)
                    }
                    _ => apply(ctx, op, flavour),
                };
                match step {
                    Ok(Some(v)) => seen.push(json!({"op_index": i, "result": v})),
                    Ok(None) => {}
                    Err(stop) => {
                        seen.push(thrown(&stop, i, flavour));
                        result = Err(match stop {
                            Stop::Refused(e) => e.into_response(),
                            Stop::Ended(e) => e.into_response(),
                        });
                        break;
                    }
                }
            }
            observed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(ctx.req.path().to_owned(), seen);
            result
        })
    }))
}

pub(crate) async fn replay(cases: &[Value], flavour: Flavour) -> Vec<Outcome> {
    let mut routes = HashMap::new();
    let mut plan = Vec::new();
    for case in cases {
        let input = &case["input"];
        let unsupported = input["ops"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|op| str_of(op, "op"))
            .find(|op| !flavour.supports(op));
        if let Some(op) = unsupported {
            plan.push(Err(Diff::new(
                "replayer",
                "an operation the runner replays",
                op,
            )));
            continue;
        }
        let path = str_of(&input["request"], "path").to_owned();
        let route = path.split('?').next().unwrap_or_default().to_owned();
        routes.insert(route, input["ops"].clone());
        plan.push(Ok(path));
    }
    let observed: Seen = Arc::default();
    let fixtures = match fixture_dir() {
        Ok(d) => d,
        Err(e) => {
            return cases
                .iter()
                .map(|_| Outcome::fail(Diff::new("fixtures", "a fixture folder", e.to_string())))
                .collect()
        }
    };
    let files = Arc::new(fixtures.path().to_path_buf());
    let server = TestServer::start(app(Arc::new(routes), observed.clone(), flavour, files)).await;
    let mut outcomes = Vec::new();
    for (case, planned) in cases.iter().zip(plan) {
        let path = match planned {
            Ok(p) => p,
            Err(diff) => {
                outcomes.push(Outcome::fail(diff));
                continue;
            }
        };
        let request = &case["input"]["request"];
        let method = str_of(request, "method");
        let headers: Vec<(String, String)> = request["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let wire = tokio::time::timeout(
            Duration::from_secs(10),
            raw::send(server.addr(), method, &path, &refs),
        )
        .await;
        let route = path.split('?').next().unwrap_or_default();
        let seen = observed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(route)
            .unwrap_or_default();
        outcomes.push(match wire {
            Ok(wire) => Outcome::of(
                compare(case, &wire, &seen, flavour.observations()),
                wire_compare::observed(&case["output"], &wire, &seen),
            ),
            Err(_) => Outcome::fail(Diff::new("response", "a response", "none within 10 s")),
        });
    }
    let _ = server.shutdown().await;
    outcomes
}

/// The file the Adonis vectors serve: `foo.jpg`, 10 bytes (a JPEG
/// header), modified 2020-01-01T00:00:00Z.
fn fixture_dir() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("foo.jpg");
    std::fs::write(
        &path,
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'],
    )?;
    let file = std::fs::File::options().write(true).open(&path)?;
    file.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(1_577_836_800))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn dates() {
        let t = parse_date("2013-09-13").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_379_030_400
        );
        assert_eq!(
            iso(parse_date("2020-01-02T03:04:05.678Z").unwrap()),
            "2020-01-02T03:04:05.678Z"
        );
    }
}
