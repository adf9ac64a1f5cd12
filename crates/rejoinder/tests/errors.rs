//! Errors and short-circuits end to end: Boom-style `HttpError`s, `abort`,
//! `exit`, negotiated `Context::error` pages, descriptive methods, and the
//! 500 that hides its cause from the client but keeps it for the server.
#![cfg(all(feature = "adonis", feature = "kong"))]

use std::io::Write;
use std::sync::{Arc, Mutex};

use rejoinder::prelude::*;
use rejoinder::testing::{raw, TestClient, TestResponse, TestServer};
use rejoinder::{handler_fn, App, Context, HttpError, IntoResponse, Response, Source, NO_HEADERS};
use serde_json::{json, Value};

const JSON_UTF8: &str = "application/json; charset=utf-8";
const TEXT_UTF8: &str = "text/plain; charset=utf-8";
const HTML_UTF8: &str = "text/html; charset=utf-8";
const XML_UTF8: &str = "application/xml; charset=utf-8";
const HIDDEN: &str = "An internal server error occurred";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// What the app really sent, seen from the inside: the response's source and
/// the text of its error cause (and of the cause's own source).
#[derive(Debug, Default)]
struct Seen {
    source: Option<Source>,
    cause: Option<String>,
    cause_source: Option<String>,
}

#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Seen>>);

impl Probe {
    fn record(&self, res: &Response) {
        let mut seen = self.0.lock().unwrap();
        seen.source = Some(res.source());
        seen.cause = res.error_cause().map(|c| c.to_string());
        seen.cause_source = res
            .error_cause()
            .and_then(|c| c.source())
            .map(|s| s.to_string());
    }

    fn source(&self) -> Source {
        self.0
            .lock()
            .unwrap()
            .source
            .expect("a request was handled")
    }

    fn cause(&self) -> String {
        self.0
            .lock()
            .unwrap()
            .cause
            .clone()
            .expect("the response has an error cause")
    }

    fn has_cause(&self) -> bool {
        self.0.lock().unwrap().cause.is_some()
    }

    fn cause_source(&self) -> Option<String> {
        self.0.lock().unwrap().cause_source.clone()
    }
}

/// An app running a synchronous closure; an `Err` becomes the response (as a
/// handler returning it would), and the probe records that response.
fn probed<E, F>(f: F) -> (App, Probe)
where
    E: IntoResponse + Send + 'static,
    F: Fn(&mut Context) -> Result<(), E> + Send + Sync + 'static,
{
    let probe = Probe::default();
    let p = probe.clone();
    let app = App::new()
        .handler(handler_fn(move |ctx| {
            let result = f(ctx);
            Box::pin(async move { result })
        }))
        .late(move |_, res| p.record(res));
    (app, probe)
}

/// [`probed`] for closures that fail with an [`HttpError`].
fn http<F>(f: F) -> (TestClient, Probe)
where
    F: Fn(&mut Context) -> Result<(), HttpError> + Send + Sync + 'static,
{
    let (app, probe) = probed(f);
    (TestClient::new(app), probe)
}

/// [`probed`] for closures that end early with an [`Abort`] (abort, exit,
/// error, files).
fn ends<F>(f: F) -> (TestClient, Probe)
where
    F: Fn(&mut Context) -> Result<(), Abort> + Send + Sync + 'static,
{
    let (app, probe) = probed(f);
    (TestClient::new(app), probe)
}

/// [`probed`] for closures that fail with a refused response operation.
fn core<F>(f: F) -> (TestClient, Probe)
where
    F: Fn(&mut Context) -> Result<(), rejoinder::Error> + Send + Sync + 'static,
{
    let (app, probe) = probed(f);
    (TestClient::new(app), probe)
}

/// A loopback server for an [`Abort`] closure.
async fn http_server<F>(f: F) -> (TestServer, Probe)
where
    F: Fn(&mut Context) -> Result<(), Abort> + Send + Sync + 'static,
{
    let (app, probe) = probed(f);
    (TestServer::start(app).await, probe)
}

/// Sends GET / with the given headers.
async fn get(client: &TestClient, headers: &[(&str, &str)]) -> TestResponse {
    let mut req = client.get("/");
    for (n, v) in headers {
        req = req.header(n, v);
    }
    req.send().await
}

/// The JSON 500 every hidden server error sends.
fn hidden_500() -> Value {
    json!({"statusCode": 500, "error": "Internal Server Error", "message": HIDDEN})
}

/// Asserts a response is the hidden 500 and carries nothing of `secrets`.
fn assert_hidden_500(res: &TestResponse, secrets: &[&str]) {
    assert_eq!(res.status(), 500);
    assert_eq!(res.header("content-type"), Some(JSON_UTF8));
    assert_eq!(res.json::<Value>(), hidden_500());
    for s in secrets {
        assert!(!res.text().contains(s), "{s:?} leaked: {}", res.text());
        for (name, value) in res.headers() {
            if name == "x-request-id" {
                continue; // random hex digits could match by chance
            }
            let v = String::from_utf8_lossy(value.as_bytes());
            assert!(!v.contains(s), "{s:?} leaked in header {name}: {v}");
        }
    }
}

/// A `MakeWriter` target: every log line goes into a shared buffer.
#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Installs a subscriber writing into this buffer for the current thread.
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let buf = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || buf.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

// ---------------------------------------------------------------------------
// 1. HttpError constructors
// ---------------------------------------------------------------------------

type Ctor = fn(String) -> HttpError;

/// Every constructor, its status and Boom's error name for it.
const CONSTRUCTORS: &[(&str, Ctor, u16, &str)] = &[
    ("bad_request", HttpError::bad_request, 400, "Bad Request"),
    ("unauthorized", HttpError::unauthorized, 401, "Unauthorized"),
    (
        "payment_required",
        HttpError::payment_required,
        402,
        "Payment Required",
    ),
    ("forbidden", HttpError::forbidden, 403, "Forbidden"),
    ("not_found", HttpError::not_found, 404, "Not Found"),
    (
        "method_not_allowed",
        HttpError::method_not_allowed,
        405,
        "Method Not Allowed",
    ),
    (
        "not_acceptable",
        HttpError::not_acceptable,
        406,
        "Not Acceptable",
    ),
    (
        "proxy_auth_required",
        HttpError::proxy_auth_required,
        407,
        "Proxy Authentication Required",
    ),
    (
        "client_timeout",
        HttpError::client_timeout,
        408,
        "Request Time-out",
    ),
    ("conflict", HttpError::conflict, 409, "Conflict"),
    ("resource_gone", HttpError::resource_gone, 410, "Gone"),
    (
        "length_required",
        HttpError::length_required,
        411,
        "Length Required",
    ),
    (
        "precondition_failed",
        HttpError::precondition_failed,
        412,
        "Precondition Failed",
    ),
    (
        "entity_too_large",
        HttpError::entity_too_large,
        413,
        "Request Entity Too Large",
    ),
    (
        "uri_too_long",
        HttpError::uri_too_long,
        414,
        "Request-URI Too Large",
    ),
    (
        "unsupported_media_type",
        HttpError::unsupported_media_type,
        415,
        "Unsupported Media Type",
    ),
    (
        "range_not_satisfiable",
        HttpError::range_not_satisfiable,
        416,
        "Requested Range Not Satisfiable",
    ),
    (
        "expectation_failed",
        HttpError::expectation_failed,
        417,
        "Expectation Failed",
    ),
    ("teapot", HttpError::teapot, 418, "I'm a teapot"),
    ("bad_data", HttpError::bad_data, 422, "Unprocessable Entity"),
    ("locked", HttpError::locked, 423, "Locked"),
    (
        "failed_dependency",
        HttpError::failed_dependency,
        424,
        "Failed Dependency",
    ),
    ("too_early", HttpError::too_early, 425, "Too Early"),
    (
        "precondition_required",
        HttpError::precondition_required,
        428,
        "Precondition Required",
    ),
    (
        "too_many_requests",
        HttpError::too_many_requests,
        429,
        "Too Many Requests",
    ),
    (
        "illegal",
        HttpError::illegal,
        451,
        "Unavailable For Legal Reasons",
    ),
    (
        "bad_implementation",
        HttpError::bad_implementation,
        500,
        "Internal Server Error",
    ),
    (
        "internal",
        HttpError::internal,
        500,
        "Internal Server Error",
    ),
    (
        "not_implemented",
        HttpError::not_implemented,
        501,
        "Not Implemented",
    ),
    ("bad_gateway", HttpError::bad_gateway, 502, "Bad Gateway"),
    (
        "server_unavailable",
        HttpError::server_unavailable,
        503,
        "Service Unavailable",
    ),
    (
        "gateway_timeout",
        HttpError::gateway_timeout,
        504,
        "Gateway Time-out",
    ),
];

/// An app answering `/INDEX` with `Err(CONSTRUCTORS[INDEX](x-msg header))`,
/// with data attached that must never be sent.
fn constructor_app() -> TestClient {
    TestClient::new(App::new().handler(async |ctx: &mut Context| {
        let i: usize = ctx.req.path()[1..].parse().unwrap();
        let message = ctx.req.header("x-msg").unwrap_or_default().to_owned();
        let err = (CONSTRUCTORS[i].1)(message).data(json!({"secret": "data-s3cr3t"}));
        Err::<(), _>(err)
    }))
}

#[tokio::test]
async fn every_constructor_sends_its_status_and_boom_payload() {
    let client = constructor_app();
    for (i, &(name, _, code, error)) in CONSTRUCTORS.iter().enumerate() {
        let message = format!("message from {name}");
        let res = client
            .get(&format!("/{i}"))
            .header("x-msg", &message)
            .send()
            .await;
        assert_eq!(res.status(), code, "{name}");
        assert_eq!(res.header("content-type"), Some(JSON_UTF8), "{name}");
        let shown = if code == 500 {
            HIDDEN
        } else {
            message.as_str()
        };
        assert_eq!(
            res.json::<Value>(),
            json!({"statusCode": code, "error": error, "message": shown}),
            "{name}"
        );
        assert!(!res.text().contains("data-s3cr3t"), "{name}: data leaked");
        if code == 500 {
            assert!(!res.text().contains(&message), "{name}: message leaked");
        }
    }
}

#[tokio::test]
async fn an_empty_message_is_the_error_name_except_for_500() {
    let client = constructor_app();
    for (i, &(name, _, code, error)) in CONSTRUCTORS.iter().enumerate() {
        let res = client.get(&format!("/{i}")).send().await;
        assert_eq!(res.status(), code, "{name}");
        let shown = if code == 500 { HIDDEN } else { error };
        assert_eq!(
            res.json::<Value>(),
            json!({"statusCode": code, "error": error, "message": shown}),
            "{name}"
        );
    }
}

#[tokio::test]
async fn server_errors_other_than_500_keep_their_message() {
    let cases: [(Ctor, u16, &str); 4] = [
        (HttpError::not_implemented, 501, "Not Implemented"),
        (HttpError::bad_gateway, 502, "Bad Gateway"),
        (HttpError::server_unavailable, 503, "Service Unavailable"),
        (HttpError::gateway_timeout, 504, "Gateway Time-out"),
    ];
    for (ctor, code, error) in cases {
        let res = send_error(move || ctor("upstream said no".into())).await;
        assert_eq!(res.status(), code);
        assert_eq!(
            res.json::<Value>(),
            json!({"statusCode": code, "error": error, "message": "upstream said no"})
        );
    }
}

#[tokio::test]
async fn data_is_never_in_the_payload() {
    let (client, _) = http(|_| {
        Err(HttpError::conflict("already exists")
            .data(json!({"user": "alice", "token": "tok-123"})))
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>(),
        json!({"statusCode": 409, "error": "Conflict", "message": "already exists"})
    );
    assert!(!res.text().contains("tok-123"));
    assert!(!res.text().contains("alice"));
}

#[tokio::test]
async fn custom_codes_with_new_and_with_status() {
    let (client, _) = http(|ctx| {
        let err = match ctx.req.path() {
            "/499" => HttpError::new(499, "client went away").unwrap(),
            "/503" => HttpError::bad_request("try later")
                .with_status(503)
                .unwrap(),
            "/internal-503" => HttpError::internal("db restarting")
                .with_status(503)
                .unwrap(),
            "/503-to-500" => HttpError::server_unavailable("secret reason")
                .with_status(500)
                .unwrap(),
            _ => unreachable!(),
        };
        Err(err)
    });

    let res = client.get("/499").send().await;
    assert_eq!(res.status(), 499);
    assert_eq!(
        res.json::<Value>(),
        json!({"statusCode": 499, "error": "Unknown", "message": "client went away"})
    );

    let res = client.get("/503").send().await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.json::<Value>(),
        json!({"statusCode": 503, "error": "Service Unavailable", "message": "try later"})
    );

    let res = client.get("/internal-503").send().await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>()["message"], "db restarting");

    let res = client.get("/503-to-500").send().await;
    assert_hidden_500(&res, &["secret reason"]);
}

#[test]
fn new_and_with_status_refuse_statuses_outside_400_to_999() {
    for bad in [0, 200, 399, 1000] {
        let err = HttpError::new(bad, "x").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("400 to 999"), "{text}");
        assert!(text.contains(&bad.to_string()), "{text}");
        assert!(err.is_invalid_argument());
        let err = HttpError::bad_request("x").with_status(bad).unwrap_err();
        assert!(err.to_string().contains("400 to 999"), "{err}");
    }
    assert_eq!(HttpError::new(400, "x").unwrap().status(), 400);
    assert_eq!(HttpError::new(999, "x").unwrap().status(), 999);
}

#[tokio::test]
async fn an_invalid_new_status_propagated_with_question_mark_is_a_hidden_500() {
    let (client, probe) = http(|_| {
        let err = HttpError::new(399, "never shown")?;
        Err(err)
    });
    let res = get(&client, &[]).await;
    assert_hidden_500(&res, &["never shown", "399"]);
    assert!(probe.cause().contains("400 to 999"), "{}", probe.cause());
}

// ---------------------------------------------------------------------------
// 2. WWW-Authenticate and Allow
// ---------------------------------------------------------------------------

async fn send_error(err: impl Fn() -> HttpError + Send + Sync + 'static) -> TestResponse {
    let (client, _) = http(move |_| Err(err()));
    get(&client, &[]).await
}

#[tokio::test]
async fn unauthorized_with_a_scheme() {
    let res = send_error(|| HttpError::unauthorized("invalid password").scheme("sample")).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.header("www-authenticate"),
        Some("sample error=\"invalid password\"")
    );
    assert_eq!(
        res.json::<Value>(),
        json!({
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "invalid password",
            "attributes": {"error": "invalid password"}
        })
    );
}

#[tokio::test]
async fn unauthorized_with_attributes() {
    let res = send_error(|| {
        HttpError::unauthorized("invalid password")
            .scheme("sample")
            .attribute("ttl", 0)
            .attribute("cache", Value::Null)
            .attribute("foo", "bar")
    })
    .await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.header("www-authenticate"),
        Some("sample ttl=\"0\", cache=\"\", foo=\"bar\", error=\"invalid password\"")
    );
    let body: Value = res.json();
    assert_eq!(
        body["attributes"],
        json!({"ttl": 0, "cache": "", "foo": "bar", "error": "invalid password"})
    );
    assert_eq!(body["message"], "invalid password");
}

#[tokio::test]
async fn unauthorized_with_token68() {
    let res = send_error(|| {
        HttpError::unauthorized("")
            .scheme("Negotiate")
            .token68("VGhpcyBpcyBhIHRlc3QgdG9rZW4=")
    })
    .await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.header("www-authenticate"),
        Some("Negotiate VGhpcyBpcyBhIHRlc3QgdG9rZW4=")
    );
    assert_eq!(
        res.json::<Value>(),
        json!({
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "Unauthorized",
            "attributes": "VGhpcyBpcyBhIHRlc3QgdG9rZW4="
        })
    );
}

#[tokio::test]
async fn unauthorized_with_several_schemes_has_no_attributes() {
    let res = send_error(|| HttpError::unauthorized("log in").schemes(["Basic", "Bearer"])).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.header("www-authenticate"), Some("Basic, Bearer"));
    assert_eq!(
        res.json::<Value>(),
        json!({"statusCode": 401, "error": "Unauthorized", "message": "log in"})
    );
}

#[tokio::test]
async fn unauthorized_with_a_bare_scheme() {
    let res = send_error(|| HttpError::unauthorized("").scheme("Basic")).await;
    assert_eq!(res.header("www-authenticate"), Some("Basic"));
    assert!(res.json::<Value>().get("attributes").is_none());
    // Without a scheme there is no WWW-Authenticate at all.
    let res = send_error(|| HttpError::unauthorized("nope")).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.header("www-authenticate"), None);
    assert!(res.json::<Value>().get("attributes").is_none());
}

#[tokio::test]
async fn auth_param_values_escape_quotes_and_backslashes() {
    let res = send_error(|| {
        HttpError::unauthorized(r#"say "hi""#)
            .scheme("sample")
            .attribute("realm", r"C:\path")
            .attribute("q", r#"a"b"#)
    })
    .await;
    assert_eq!(
        res.header("www-authenticate"),
        Some(r#"sample realm="C:\\path", q="a\"b", error="say \"hi\"""#)
    );
    // The payload carries the values unescaped.
    let body: Value = res.json();
    assert_eq!(
        body["attributes"],
        json!({"realm": r"C:\path", "q": r#"a"b"#, "error": r#"say "hi""#})
    );
}

#[tokio::test]
async fn an_attribute_that_cannot_be_a_header_is_left_out() {
    let res = send_error(|| {
        HttpError::unauthorized("bad")
            .scheme("sample")
            .attribute("realm", "line\r\nInjected: yes")
    })
    .await;
    // Boom refuses such a value when the error is built ("Bad attribute
    // value"); sent, the refusal is a 500 and the header never goes out.
    assert_eq!(res.status(), 500);
    assert_eq!(res.header("www-authenticate"), None);
    assert_eq!(res.header("injected"), None);
}

#[tokio::test]
async fn method_not_allowed_sets_allow() {
    let res = send_error(|| HttpError::method_not_allowed("Nope").allow(["GET", "POST"])).await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("allow"), Some("GET, POST"));
    assert_eq!(
        res.json::<Value>(),
        json!({"statusCode": 405, "error": "Method Not Allowed", "message": "Nope"})
    );
}

// ---------------------------------------------------------------------------
// 3. The hidden 500 and its log line
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_500_hides_its_message_from_the_client_and_logs_it() {
    let logs = LogBuf::default();
    let _guard = logs.install();
    let (client, probe) = http(|_| {
        Err(HttpError::internal("db password wrong").data(json!({"table": "users_secret"})))
    });
    let res = get(&client, &[]).await;
    assert_hidden_500(&res, &["db password wrong", "users_secret"]);
    let log = logs.text();
    assert!(log.contains("db password wrong"), "log: {log}");
    assert!(log.contains("users_secret"), "data is logged: {log}");
    assert!(log.contains("ERROR"), "logged as an error: {log}");
    // The server keeps the real message as the response's cause.
    assert_eq!(
        probe.cause(),
        "500 Internal Server Error: db password wrong"
    );
    assert_eq!(probe.source(), Source::Error);
}

#[tokio::test]
async fn a_503_logs_its_message_and_shows_it() {
    let logs = LogBuf::default();
    let _guard = logs.install();
    let (client, _) = http(|_| Err(HttpError::server_unavailable("queue full")));
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>()["message"], "queue full");
    assert!(logs.text().contains("queue full"), "log: {}", logs.text());
}

// ---------------------------------------------------------------------------
// 4. `?` on std errors, error_cause, source
// ---------------------------------------------------------------------------

fn read_config() -> Result<String, std::io::Error> {
    Err(std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        "open /etc/app/secret.conf: permission denied",
    ))
}

#[tokio::test]
async fn question_mark_on_a_std_error_is_a_hidden_500() {
    let app = App::new().handler(async |ctx: &mut Context| {
        match ctx.req.path() {
            "/io" => {
                let config = read_config()?;
                ctx.res.set_body(config);
            }
            _ => {
                let n: u32 = ctx.req.path()[1..].parse()?;
                ctx.res.set_body(format!("n={n}"));
            }
        }
        Ok::<_, HttpError>(())
    });
    let client = TestClient::new(app);
    let res = client.get("/io").send().await;
    assert_hidden_500(&res, &["secret.conf", "permission denied"]);
    let res = client.get("/abc").send().await;
    assert_hidden_500(&res, &["invalid digit"]);
    let res = client.get("/42").send().await;
    assert_eq!((res.status().as_u16(), res.text().as_str()), (200, "n=42"));
}

#[test]
fn a_converted_std_error_keeps_its_cause() {
    let io = std::io::Error::other("disk on fire");
    let err = HttpError::from(io);
    assert_eq!(err.status(), 500);
    assert_eq!(err.message(), "disk on fire");
    assert_eq!(err.cause().unwrap().to_string(), "disk on fire");
    assert!(err.to_string().contains("disk on fire"), "{err}");
    let res = err.into_response();
    assert_eq!(res.status().as_u16(), 500);
    assert_eq!(res.source(), Source::Error);
    let cause = res.error_cause().expect("cause kept");
    assert!(cause.to_string().contains("disk on fire"), "{cause}");
    let inner = cause.source().expect("the io error is the cause's source");
    assert_eq!(inner.to_string(), "disk on fire");
    assert!(inner.downcast_ref::<std::io::Error>().is_some());
}

#[tokio::test]
async fn the_cause_is_visible_on_the_response_the_app_sends() {
    let (client, probe) = ends(|_| {
        read_config()?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_hidden_500(&res, &["secret.conf"]);
    assert_eq!(probe.source(), Source::Error);
    assert!(probe.cause().contains("secret.conf"), "{}", probe.cause());
    assert_eq!(
        probe.cause_source().as_deref(),
        Some("open /etc/app/secret.conf: permission denied")
    );
}

#[test]
fn every_http_error_response_has_source_error() {
    for err in [
        HttpError::not_found("x"),
        HttpError::internal("y"),
        HttpError::unauthorized("z").scheme("Basic"),
        HttpError::new(499, "w").unwrap(),
    ] {
        let status = err.status();
        let res = err.into_response();
        assert_eq!(res.source(), Source::Error, "{status}");
        assert!(res.error_cause().is_some(), "{status}");
    }
    // A successful response is the service's.
    assert_eq!(Response::new().source(), Source::Service);
}

// ---------------------------------------------------------------------------
// 5. abort
// ---------------------------------------------------------------------------

#[tokio::test]
async fn abort_sends_the_body_with_the_status() {
    let (client, probe) = ends(|ctx| {
        ctx.res.abort("msg", 401)?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.reason(), "Unauthorized");
    assert_eq!(res.header("content-type"), Some(TEXT_UTF8));
    assert_eq!(res.text(), "msg");
    assert_eq!(probe.source(), Source::Error);
}

#[tokio::test]
async fn abort_without_a_status_is_400() {
    let (client, _) = ends(|ctx| {
        ctx.res.abort("bad", None)?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.text(), "bad");
}

#[tokio::test]
async fn abort_if_and_abort_unless() {
    let (client, _) = ends(|ctx| {
        let flag = ctx.req.header("x-flag") == Some("1");
        match ctx.req.path() {
            "/if" => ctx.res.abort_if(flag, "aborted by if", 403)?,
            _ => ctx.res.abort_unless(flag, "Not logged in", 401)?,
        }
        ctx.res.set_body("continued");
        Ok(())
    });
    // abort_if(false) continues, abort_if(true) aborts.
    let res = client.get("/if").send().await;
    assert_eq!(
        (res.status().as_u16(), res.text().as_str()),
        (200, "continued")
    );
    let res = client.get("/if").header("x-flag", "1").send().await;
    assert_eq!(
        (res.status().as_u16(), res.text().as_str()),
        (403, "aborted by if")
    );
    // abort_unless(false) aborts, abort_unless(true) continues.
    let res = client.get("/unless").send().await;
    assert_eq!(
        (res.status().as_u16(), res.text().as_str()),
        (401, "Not logged in")
    );
    let res = client.get("/unless").header("x-flag", "1").send().await;
    assert_eq!(
        (res.status().as_u16(), res.text().as_str()),
        (200, "continued")
    );
}

#[tokio::test]
async fn abort_keeps_headers_set_before_it() {
    let (client, _) = ends(|ctx| {
        ctx.res.set("X-Trace", "abc-123")?;
        ctx.res.set("Cache-Control", "no-store")?;
        ctx.res.abort("gone", 410)?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 410);
    assert_eq!(res.header("x-trace"), Some("abc-123"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.text(), "gone");
}

#[tokio::test]
async fn abort_with_a_json_body() {
    let (client, _) = ends(|ctx| {
        ctx.res
            .abort(json!({"errors": [{"field": "email"}]}), 422)?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.header("content-type"), Some(JSON_UTF8));
    assert_eq!(res.json::<Value>(), json!({"errors": [{"field": "email"}]}));
}

#[tokio::test]
async fn abort_with_an_invalid_status_is_a_500_with_a_clear_cause() {
    let (client, probe) = ends(|ctx| {
        ctx.res.abort("never sent", 1000)?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_hidden_500(&res, &["never sent", "1000"]);
    let cause = probe.cause();
    assert!(cause.contains("100 to 999"), "{cause}");
    assert!(cause.contains("1000"), "{cause}");
}

// ---------------------------------------------------------------------------
// 6. exit
// ---------------------------------------------------------------------------

#[tokio::test]
async fn exit_sends_a_string_as_is_without_a_type() {
    let (srv, probe) = http_server(|ctx| {
        ctx.res.exit(200, "<b>hello</b>", NO_HEADERS)?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!((wire.status, wire.reason.as_str()), (200, "OK"));
    assert_eq!(wire.header("content-type"), None);
    assert_eq!(wire.header("content-length"), Some("12"));
    assert_eq!(wire.text(), "<b>hello</b>");
    assert_eq!(probe.source(), Source::Exit);
    assert!(!probe.has_cause());
}

#[tokio::test]
async fn exit_sends_json_with_a_json_type() {
    let (srv, _) = http_server(|ctx| {
        ctx.res
            .exit(403, json!({"message": "forbidden"}), NO_HEADERS)?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 403);
    assert_eq!(wire.header("content-type"), Some(JSON_UTF8));
    assert_eq!(
        wire.header("content-length"),
        Some(wire.body.len().to_string().as_str())
    );
    let body: Value = serde_json::from_slice(&wire.body).unwrap();
    assert_eq!(body, json!({"message": "forbidden"}));
}

#[tokio::test]
async fn exit_keeps_an_explicit_type_for_json() {
    let (client, _) = ends(|ctx| {
        ctx.res.exit(
            400,
            json!({"title": "bad"}),
            [("Content-Type", "application/problem+json")],
        )?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(res.json::<Value>(), json!({"title": "bad"}));
}

#[tokio::test]
async fn exit_applies_headers_with_underscores_as_dashes() {
    let (srv, _) = http_server(|ctx| {
        ctx.res.exit(200, "ok", [("X-A", "1"), ("x_b", "2")])?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.header("x-a"), Some("1"));
    assert_eq!(wire.header("x-b"), Some("2"));
    assert!(wire.headers.iter().all(|(n, _)| n != "x_b"));
}

#[tokio::test]
async fn exit_sends_a_list_value_as_repeated_lines() {
    let (srv, _) = http_server(|ctx| {
        ctx.res.exit(
            200,
            "ok",
            [("X-Multi", vec!["a", "b", "c"]), ("X-One", vec!["1"])],
        )?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.all("x-multi"), ["a", "b", "c"]);
    assert_eq!(wire.all("x-one"), ["1"]);
}

#[tokio::test]
async fn exit_ignores_transfer_encoding_and_sends_the_real_length() {
    let (srv, _) = http_server(|ctx| {
        ctx.res.exit(
            200,
            "abc",
            [
                ("Transfer-Encoding", "chunked"),
                ("Content-Length", "99"),
                ("X-Kept", "yes"),
            ],
        )?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("transfer-encoding"), None);
    assert_eq!(wire.header("content-length"), Some("3"));
    assert_eq!(wire.header("x-kept"), Some("yes"));
    assert_eq!(wire.text(), "abc");
}

#[tokio::test]
async fn exit_without_a_body_sends_content_length_zero() {
    let (srv, _) = http_server(|ctx| {
        ctx.res.exit(200, (), NO_HEADERS)?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("content-length"), Some("0"));
    assert_eq!(wire.header("content-type"), None);
    assert!(wire.body.is_empty());
}

#[tokio::test]
async fn exit_with_a_non_numeric_content_length_is_a_500() {
    let (client, probe) = ends(|ctx| {
        ctx.res.exit(200, "abc", [("Content-Length", "lots")])?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_hidden_500(&res, &["lots"]);
    assert!(
        probe.cause().contains("Content-Length"),
        "{}",
        probe.cause()
    );
}

#[tokio::test]
async fn exit_with_a_status_outside_100_to_599_is_a_500() {
    let (client, probe) = ends(|ctx| {
        let code: u16 = ctx.req.path()[1..].parse().unwrap();
        ctx.res.exit(code, "never sent", NO_HEADERS)?;
        Ok(())
    });
    for code in [600, 99, 999] {
        let res = client.get(&format!("/{code}")).send().await;
        assert_hidden_500(&res, &["never sent"]);
        let cause = probe.cause();
        assert!(cause.contains("between 100 and 599"), "{cause}");
        assert!(cause.contains(&code.to_string()), "{cause}");
    }
}

#[test]
fn an_exit_response_has_source_exit() {
    let mut res = Response::new();
    let err = res.exit(202, "accepted", [("X-Job", "7")]).unwrap_err();
    let prepared = err.response();
    assert_eq!(prepared.source(), Source::Exit);
    assert_eq!(prepared.status().as_u16(), 202);
    assert_eq!(prepared.get("x-job"), Some("7"));
    let res = err.into_response();
    assert_eq!(res.source(), Source::Exit);
    // A refused exit carries no prepared response: it is an error.
    let err = Response::new().exit(600, "x", NO_HEADERS).unwrap_err();
    assert_eq!(err.response().status(), 500);
    assert_eq!(err.into_response().source(), Source::Error);
}

// ---------------------------------------------------------------------------
// 7. Context::error
// ---------------------------------------------------------------------------

/// An app answering every request with `ctx.error(403, "Access denied")`.
fn access_denied() -> (TestClient, Probe) {
    let (app, probe) = probed(|ctx: &mut Context| {
        ctx.error(403, "Access denied", NO_HEADERS)?;
        Ok::<(), Abort>(())
    });
    (TestClient::new(app), probe)
}

fn html_page(message: &str, id: &str) -> String {
    format!(
        "<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    \
         <p>{message}.</p>\n    <p>request_id: {id}</p>\n  </body>\n</html>\n"
    )
}

fn xml_doc(message: &str, id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n  <message>{message}</message>\n  \
         <requestid>{id}</requestid>\n</error>\n"
    )
}

#[tokio::test]
async fn error_as_json_by_default_and_for_application_json() {
    let (client, probe) = access_denied();
    for accept in [None, Some("application/json")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let res = get(&client, &headers).await;
        assert_eq!(res.status(), 403, "{accept:?}");
        assert_eq!(res.header("content-type"), Some(JSON_UTF8));
        let id = res.header("x-request-id").expect("a request id").to_owned();
        assert_eq!(id.len(), 16, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_eq!(
            res.text(),
            format!("{{\n  \"message\":\"Access denied\",\n  \"request_id\":\"{id}\"\n}}")
        );
        assert_eq!(
            res.json::<Value>(),
            json!({"message": "Access denied", "request_id": id})
        );
        assert_eq!(probe.source(), Source::Error);
    }
}

#[tokio::test]
async fn error_as_html_xml_and_plain_text() {
    let (client, _) = access_denied();
    let id = [("x-request-id", "req-1")];

    let res = get(&client, &[id[0], ("accept", "text/html")]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.header("content-type"), Some(HTML_UTF8));
    assert_eq!(res.text(), html_page("Access denied", "req-1"));
    assert!(res.text().contains("<p>Access denied.</p>"));

    let res = get(&client, &[id[0], ("accept", "application/xml")]).await;
    assert_eq!(res.header("content-type"), Some(XML_UTF8));
    assert_eq!(res.text(), xml_doc("Access denied", "req-1"));

    for accept in ["text/plain", "text/*"] {
        let res = get(&client, &[id[0], ("accept", accept)]).await;
        assert_eq!(res.header("content-type"), Some(TEXT_UTF8), "{accept}");
        assert_eq!(res.text(), "Access denied\nrequest_id: req-1\n", "{accept}");
    }
}

/// The documented rule (`error_page::negotiate`): the first range with the
/// strictly highest q decides, q=0 never; `*/*` and `application/*` mean
/// JSON, `text/*` plain text; other ranges mean JSON.
#[tokio::test]
async fn error_negotiation_follows_the_accept_header() {
    let (client, _) = access_denied();
    let cases: &[(&[&str], &str)] = &[
        (&["*/*"], JSON_UTF8),
        (&["application/*"], JSON_UTF8),
        (&["text/*"], TEXT_UTF8),
        (&["text/html"], HTML_UTF8),
        (&["TEXT/HTML"], HTML_UTF8),
        (&["application/xml"], XML_UTF8),
        (&["text/html;q=0.9, application/xml;q=0.8"], HTML_UTF8),
        (&["application/xml;q=0.8,text/html;q=0.9"], HTML_UTF8),
        (&["text/html;q=0.5, text/plain;q=0.6"], TEXT_UTF8),
        (&["application/xml, text/html"], XML_UTF8),
        (&["text/html, application/xml"], HTML_UTF8),
        (&["text/html;q=0, */*"], JSON_UTF8),
        (&["text/html;q=0, text/plain"], TEXT_UTF8),
        (&["text/html;q=0, application/xml;q=0"], JSON_UTF8),
        (&["image/png, text/html"], JSON_UTF8),
        (&["image/png;q=0.5, text/html"], HTML_UTF8),
        (&["application/json, text/html"], JSON_UTF8),
        (&["nonsense, text/html"], HTML_UTF8),
        // Several Accept lines count as one list.
        (&["text/plain;q=0.5", "application/xml"], XML_UTF8),
    ];
    for &(accepts, expected) in cases {
        let mut req = client.get("/");
        for a in accepts {
            req = req.header("accept", a);
        }
        let res = req.send().await;
        assert_eq!(res.status(), 403);
        assert_eq!(
            res.header("content-type"),
            Some(expected),
            "Accept {accepts:?}"
        );
        if expected == JSON_UTF8 {
            assert_eq!(res.json::<Value>()["message"], "Access denied");
        } else {
            assert!(res.text().contains("Access denied"), "{accepts:?}");
        }
    }
}

#[tokio::test]
async fn an_explicit_content_type_wins_over_accept() {
    let (app, _) = probed(|ctx: &mut Context| {
        let ct = ctx.req.header("x-type").unwrap_or_default().to_owned();
        ctx.error(
            409,
            "Taken",
            [("content_type", ct.as_str()), ("X-Extra", "1")],
        )?;
        Ok::<(), Abort>(())
    });
    let client = TestClient::new(app);
    let id = ("x-request-id", "r9");

    let res = get(
        &client,
        &[id, ("accept", "text/html"), ("x-type", "application/xml")],
    )
    .await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.header("content-type"), Some("application/xml"));
    assert_eq!(res.text(), xml_doc("Taken", "r9"));
    assert_eq!(res.header("x-extra"), Some("1"));

    let res = get(
        &client,
        &[id, ("accept", "application/json"), ("x-type", "text/plain")],
    )
    .await;
    assert_eq!(res.header("content-type"), Some("text/plain"));
    assert_eq!(res.text(), "Taken\nrequest_id: r9\n");

    let res = get(
        &client,
        &[
            id,
            ("accept", "text/plain"),
            ("x-type", "application/problem+json"),
        ],
    )
    .await;
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(
        res.json::<Value>(),
        json!({"message": "Taken", "request_id": "r9"})
    );

    let res = get(
        &client,
        &[
            id,
            ("accept", "application/xml"),
            ("x-type", "text/html; charset=utf-8"),
        ],
    )
    .await;
    assert_eq!(res.header("content-type"), Some(HTML_UTF8));
    assert_eq!(res.text(), html_page("Taken", "r9"));
}

#[tokio::test]
async fn error_default_messages_per_status() {
    let (app, _) = probed(|ctx: &mut Context| {
        let code: u16 = ctx.req.path()[1..].parse().unwrap();
        ctx.error(code, (), NO_HEADERS)?;
        Ok::<(), Abort>(())
    });
    let client = TestClient::new(app);
    for (code, message) in [
        (400, "Bad request"),
        (401, "Unauthorized"),
        (404, "Not found"),
        (429, "Too many requests"),
        (500, "An unexpected error occurred"),
        (
            502,
            "An invalid response was received from the upstream server",
        ),
        (503, "The upstream server is currently unavailable"),
        (504, "The upstream server is timing out"),
        (419, "The upstream server responded with 419"),
        (599, "The upstream server responded with 599"),
    ] {
        let res = client
            .get(&format!("/{code}"))
            .header("accept", "text/plain")
            .header("x-request-id", "d1")
            .send()
            .await;
        assert_eq!(res.status(), code);
        assert_eq!(res.text(), format!("{message}\nrequest_id: d1\n"), "{code}");
    }
}

#[tokio::test]
async fn a_json_message_is_embedded_as_json() {
    let (app, _) = probed(|ctx: &mut Context| {
        ctx.error(422, json!({"field": "email", "code": 7}), NO_HEADERS)?;
        Ok::<(), Abort>(())
    });
    let client = TestClient::new(app);
    let res = get(&client, &[("x-request-id", "j1")]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>(),
        json!({"message": {"field": "email", "code": 7}, "request_id": "j1"})
    );
    let res = get(&client, &[("x-request-id", "j1"), ("accept", "text/plain")]).await;
    assert_eq!(
        res.text(),
        "{\"field\":\"email\",\"code\":7}\nrequest_id: j1\n"
    );
}

#[tokio::test]
async fn a_client_request_id_is_echoed_and_used_in_the_body() {
    let (client, _) = access_denied();
    let res = get(&client, &[("x-request-id", "client-id-42")]).await;
    assert_eq!(res.header("x-request-id"), Some("client-id-42"));
    assert_eq!(res.json::<Value>()["request_id"], "client-id-42");
    // An unusable id (with a space) is replaced by a fresh one.
    let res = get(&client, &[("x-request-id", "has space")]).await;
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_ne!(id, "has space");
    assert_eq!(res.json::<Value>()["request_id"], id.as_str());
}

#[tokio::test]
async fn hostile_messages_and_ids_are_escaped_for_each_format() {
    let (app, _) = probed(|ctx: &mut Context| {
        let message = ctx.req.header("x-msg").unwrap_or_default().to_owned();
        ctx.error(400, message, NO_HEADERS)?;
        Ok::<(), Abort>(())
    });
    let client = TestClient::new(app);

    let res = get(
        &client,
        &[
            ("accept", "text/html"),
            ("x-msg", "<script>alert(1)</script>"),
            ("x-request-id", "<i>&"),
        ],
    )
    .await;
    let html = res.text();
    assert!(
        html.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;.</p>"),
        "{html}"
    );
    assert!(html.contains("<p>request_id: &lt;i&gt;&amp;</p>"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<i>"), "{html}");

    let res = get(
        &client,
        &[
            ("accept", "application/xml"),
            ("x-msg", "]]></message><x>"),
            ("x-request-id", "a<b>"),
        ],
    )
    .await;
    let xml = res.text();
    assert!(
        xml.contains("<message>]]&gt;&lt;/message&gt;&lt;x&gt;</message>"),
        "{xml}"
    );
    assert!(xml.contains("<requestid>a&lt;b&gt;</requestid>"), "{xml}");
    assert_eq!(xml.matches("</message>").count(), 1, "{xml}");

    let hostile = r#"he said "stop" \ then "}, {"x": 1"#;
    let res = get(&client, &[("x-msg", hostile), ("x-request-id", r#"id"\"#)]).await;
    assert_eq!(res.header("content-type"), Some(JSON_UTF8));
    let body: Value = serde_json::from_str(&res.text()).expect("valid JSON");
    assert_eq!(body, json!({"message": hostile, "request_id": r#"id"\"#}));
}

// ---------------------------------------------------------------------------
// 8. Bad input
// ---------------------------------------------------------------------------

#[tokio::test]
async fn error_with_a_status_outside_400_to_599_is_a_500() {
    let (app, probe) = probed(|ctx: &mut Context| {
        let code: u16 = ctx.req.path()[1..].parse().unwrap();
        ctx.error(code, "never shown", NO_HEADERS)?;
        Ok::<(), Abort>(())
    });
    let client = TestClient::new(app);
    for code in [399, 600, 200] {
        let res = client
            .get(&format!("/{code}"))
            .header("accept", "text/html")
            .send()
            .await;
        assert_hidden_500(&res, &["never shown", "between"]);
        let cause = probe.cause();
        assert!(cause.contains("between 400 and 599"), "{cause}");
        assert!(cause.contains(&code.to_string()), "{cause}");
    }
}

#[tokio::test]
async fn error_with_an_invalid_header_is_a_500() {
    let (app, probe) = probed(|ctx: &mut Context| {
        match ctx.req.path() {
            "/name" => ctx.error(401, "x", [("bad name", "v")])?,
            _ => ctx.error(401, "x", [("X-Evil", "a\r\nInjected: yes")])?,
        };
        Ok::<(), Abort>(())
    });
    let client = TestClient::new(app);
    let res = client.get("/name").send().await;
    assert_hidden_500(&res, &["bad name"]);
    assert!(
        probe.cause().contains("invalid header name"),
        "{}",
        probe.cause()
    );
    let res = client.get("/value").send().await;
    assert_hidden_500(&res, &["Injected"]);
    assert!(probe.cause().contains("CR, LF"), "{}", probe.cause());
}

#[tokio::test]
async fn a_misspelled_status_name_suggests_the_right_one() {
    let (client, probe) = core(|ctx| {
        ctx.res.set_status("Not Fuond")?;
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(res.status(), 500);
    assert!(!res.text().contains("Fuond"), "{}", res.text());
    let cause = probe.cause();
    assert!(
        cause.contains("did you mean \"Not Found\""),
        "the cause suggests Not Found: {cause}"
    );
    // The correct spelling works, in any case.
    let (client, _) = core(|ctx| {
        ctx.res.set_status("not found")?;
        ctx.res.set_body("missing");
        Ok(())
    });
    let res = get(&client, &[]).await;
    assert_eq!(
        (res.status().as_u16(), res.text().as_str()),
        (404, "missing")
    );
}

#[tokio::test]
async fn exit_with_crlf_in_a_header_injects_nothing_on_the_wire() {
    let (srv, probe) = http_server(|ctx| {
        match ctx.req.path() {
            "/value" => ctx
                .res
                .exit(200, "body", [("X-Evil", "a\r\nInjected: yes")])?,
            _ => ctx.res.exit(200, "body", [("X-Evil\r\nInjected", "yes")])?,
        };
        Ok(())
    })
    .await;
    for path in ["/value", "/name"] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 500, "{path}");
        let raw_text = String::from_utf8_lossy(&wire.raw);
        assert!(!raw_text.contains("Injected"), "{path}: {raw_text}");
        assert!(!raw_text.contains("X-Evil"), "{path}: {raw_text}");
        assert_eq!(wire.header("x-evil"), None);
        let body: Value = serde_json::from_slice(&wire.body).unwrap();
        assert_eq!(body, hidden_500());
        let cause = probe.cause();
        assert!(cause.contains("invalid"), "{path}: {cause}");
    }
    let wire = raw::send(srv.addr(), "GET", "/value", &[]).await;
    assert_eq!(wire.status, 500);
    assert!(probe.cause().contains("CR, LF"), "{}", probe.cause());
}

// ---------------------------------------------------------------------------
// 9. Descriptive methods
// ---------------------------------------------------------------------------

#[tokio::test]
async fn descriptive_methods_set_status_and_body() {
    let (client, probe) = core(|ctx| {
        match ctx.req.path() {
            "/created" => {
                ctx.res.created(json!({"id": 1}));
            }
            "/no-content" => {
                ctx.res.no_content(());
            }
            "/not-modified" => {
                ctx.res.not_modified("x");
            }
            "/slow" => {
                ctx.res.too_many_requests("slow down");
            }
            "/bad" => {
                ctx.res.send_descriptive("badRequest", "nope")?;
            }
            "/snake" => {
                ctx.res.send_descriptive("service_unavailable", "later")?;
            }
            _ => {
                ctx.res.send_descriptive("noSuchThing", "x")?;
            }
        }
        Ok(())
    });

    let res = client.get("/created").send().await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.header("content-type"), Some(JSON_UTF8));
    assert_eq!(res.json::<Value>(), json!({"id": 1}));
    assert_eq!(probe.source(), Source::Service);

    for path in ["/no-content", "/not-modified"] {
        let res = client.get(path).send().await;
        let code = if path == "/no-content" { 204 } else { 304 };
        assert_eq!(res.status(), code);
        assert!(res.bytes().is_empty(), "{path}");
        assert_eq!(res.header("content-type"), None, "{path}");
        assert_eq!(res.header("content-length"), None, "{path}");
    }

    let res = client.get("/slow").send().await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.reason(), "Too Many Requests");
    assert_eq!(res.header("content-type"), Some(TEXT_UTF8));
    assert_eq!(res.text(), "slow down");

    let res = client.get("/bad").send().await;
    assert_eq!((res.status().as_u16(), res.text().as_str()), (400, "nope"));

    let res = client.get("/snake").send().await;
    assert_eq!((res.status().as_u16(), res.text().as_str()), (503, "later"));

    let res = client.get("/unknown").send().await;
    assert_eq!(res.status(), 500);
    assert!(!res.text().contains("noSuchThing"));
    let cause = probe.cause();
    assert!(cause.contains("noSuchThing"), "{cause}");
    for valid in ["bad_request", "too_many_requests", "created", "no_content"] {
        assert!(cause.contains(valid), "{valid} listed: {cause}");
    }
}

#[test]
fn send_descriptive_refuses_unknown_names_and_leaves_the_response_alone() {
    let mut res = Response::new();
    let err = res.send_descriptive("noSuchThing", "x").unwrap_err();
    assert!(err.is_invalid_argument());
    let text = err.to_string();
    assert!(text.contains("\"noSuchThing\""), "{text}");
    assert!(text.contains("valid:"), "{text}");
    assert!(text.contains("network_authentication_required"), "{text}");
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.body().is_none());
}
