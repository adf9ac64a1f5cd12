//! The handler/middleware contract: one `Context` from the first middleware
//! to the handler and back, whatever the handler does, and the traps that
//! are refused or mean what they say.
#![cfg(all(feature = "adonis", feature = "vapr"))]

use rejoinder::http::{header, HeaderValue, StatusCode};
use rejoinder::prelude::*;
use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{App, Context, Handler, HttpError, Json, Next, Router, Vapr};

#[derive(Clone)]
struct Tag(&'static str);

#[derive(Clone)]
struct Ext(u32);

#[derive(Clone)]
struct HandlerSaw(String);

/// A middleware around the router that puts state and an extension in
/// before `next()` and reports, in headers set after it, what it still
/// sees: its own state, the route parameter the router found, the
/// extension, and state the handler added.
async fn reporter(ctx: &mut Context, next: Next<'_>) {
    ctx.insert_state(Tag("set-before-next"));
    ctx.req.extensions_mut().insert(Ext(7));
    next.run(ctx).await;
    let tag = ctx.state::<Tag>().map_or("missing", |t| t.0);
    let id = ctx.param("id").unwrap_or("missing").to_owned();
    let ext = ctx
        .req
        .extensions()
        .get::<Ext>()
        .map_or("missing".to_owned(), |e| e.0.to_string());
    let saw = ctx
        .state::<HandlerSaw>()
        .map_or("missing".to_owned(), |s| s.0.clone());
    let status = ctx.res.status().as_u16().to_string();
    ctx.res.set("x-tag-after", tag).unwrap();
    ctx.res.set("x-param-after", id).unwrap();
    ctx.res.set("x-ext-after", ext).unwrap();
    ctx.res.set("x-handler-state-after", saw).unwrap();
    ctx.res.set("x-status-after", status).unwrap();
}

/// The handler reads the middleware's state and leaves state of its own.
fn note(ctx: &mut Context) {
    let tag = ctx.state::<Tag>().map_or("missing", |t| t.0);
    ctx.insert_state(HandlerSaw(format!("handler saw {tag}")));
}

async fn returns_unit(ctx: &mut Context) {
    note(ctx);
    ctx.res.set_body("edited in place");
}

async fn returns_value(ctx: &mut Context) -> Json<serde_json::Value> {
    note(ctx);
    Json(serde_json::json!({"id": ctx.param("id")}))
}

async fn returns_err(ctx: &mut Context) -> Result<&'static str, HttpError> {
    note(ctx);
    Err(HttpError::conflict("already there"))
}

async fn panics(ctx: &mut Context) {
    note(ctx);
    panic!("on purpose");
}

fn app(handler: impl Handler) -> App {
    App::new()
        .router(Router::new().get("/items/{id}", handler))
        .middleware(reporter)
}

const SEEN: [(&str, &str); 4] = [
    ("x-tag-after", "set-before-next"),
    ("x-param-after", "42"),
    ("x-ext-after", "7"),
    ("x-handler-state-after", "handler saw set-before-next"),
];

async fn check_both_ways(app: App, status: u16, body: &str) {
    let res = TestClient::new(app.clone()).get("/items/42").send().await;
    assert_eq!(res.status(), status);
    assert!(res.text().contains(body), "{:?}", res.text());
    for (name, value) in SEEN {
        assert_eq!(res.header(name), Some(value), "{name} in process");
    }
    assert_eq!(
        res.header("x-status-after"),
        Some(status.to_string().as_str())
    );

    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/items/42", &[]).await;
    assert_eq!(wire.status, status);
    assert!(wire.text().contains(body), "{:?}", wire.text());
    for (name, value) in SEEN {
        assert_eq!(wire.header(name), Some(value), "{name} over loopback");
    }
}

#[tokio::test]
async fn the_context_survives_a_handler_that_edits_it_and_returns_unit() {
    check_both_ways(app(returns_unit), 200, "edited in place").await;
}

#[tokio::test]
async fn the_context_survives_a_handler_that_returns_a_value() {
    check_both_ways(app(returns_value), 200, r#"{"id":"42"}"#).await;
}

#[tokio::test]
async fn the_context_survives_a_handler_that_returns_an_error() {
    check_both_ways(app(returns_err), 409, "already there").await;
}

#[tokio::test]
async fn the_context_survives_a_handler_that_panics() {
    check_both_ways(app(panics), 500, "Internal Server Error").await;
}

#[tokio::test]
async fn the_context_survives_a_panicking_inner_middleware() {
    let app = App::new()
        .router(Router::new().get("/items/{id}", returns_unit))
        .middleware(reporter)
        .middleware(async |ctx: &mut Context, next: Next<'_>| {
            next.run(ctx).await;
            note(ctx);
            if ctx.res.status() == 200 {
                panic!("after next");
            }
        });
    check_both_ways(app, 500, "Internal Server Error").await;
}

#[tokio::test]
async fn a_value_is_laid_over_what_middleware_set_and_an_error_replaces_it() {
    let app = |handler: Router| {
        App::new()
            .router(handler)
            .middleware(async |ctx: &mut Context, next: Next<'_>| {
                ctx.res.set(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=60"),
                );
                next.run(ctx).await;
            })
    };
    let value = app(Router::new().get("/", async |_: &mut Context| "fine"));
    let res = TestClient::new(value).get("/").send().await;
    assert_eq!((res.status().as_u16(), res.text().as_str()), (200, "fine"));
    assert_eq!(res.header("cache-control"), Some("max-age=60"));

    // An error answers with its own headers only, as Koa's error handling
    // does: a cached or half-built response never leaks into it.
    let error = app(Router::new().get("/", async |_: &mut Context| {
        Err::<(), _>(HttpError::bad_gateway("upstream down"))
    }));
    let res = TestClient::new(error).get("/").send().await;
    assert_eq!(res.status(), 502);
    assert_eq!(res.header("cache-control"), None);
}

#[tokio::test]
async fn a_status_and_body_tuple_is_a_status_and_a_body() {
    let router = Router::new()
        .get("/made", async |_: &mut Context| {
            (StatusCode::CREATED, "made")
        })
        .get("/headers", async |_: &mut Context| {
            (
                StatusCode::ACCEPTED,
                [("x-job", "7"), ("content-type", "text/csv")],
                "a,b",
            )
        })
        .get("/only-headers", async |_: &mut Context| {
            (
                [(header::LOCATION, HeaderValue::from_static("/x"))],
                "see /x",
            )
        })
        .get("/vapr", async |_: &mut Context| Vapr((201, "Made")))
        .get("/status-over-error", async |_: &mut Context| {
            (StatusCode::OK, Err::<&str, _>(HttpError::forbidden("no")))
        });
    let client = TestClient::new(App::new().router(router));

    let res = client.get("/made").send().await;
    assert_eq!((res.status().as_u16(), res.reason()), (201, "Created"));
    assert_eq!(res.text(), "made");
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );

    let res = client.get("/headers").send().await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.header("x-job"), Some("7"));
    assert_eq!(res.header("content-type"), Some("text/csv"));
    assert_eq!(res.text(), "a,b");

    let res = client.get("/only-headers").send().await;
    assert_eq!(
        (res.status().as_u16(), res.header("location")),
        (200, Some("/x"))
    );

    // vapr's shape, by name: a code and a reason phrase, no body.
    let res = client.get("/vapr").send().await;
    assert_eq!((res.status().as_u16(), res.reason()), (201, "Made"));
    assert!(res.bytes().is_empty());

    // The error inside wins over the tuple's status.
    let res = client.get("/status-over-error").send().await;
    assert_eq!(res.status(), 403);
}

#[test]
#[should_panic(expected = "a path parameter is written `{id}`")]
fn a_koa_style_parameter_is_refused_with_the_form_that_works() {
    let _ = Router::new().get("/old/:id", async |_: &mut Context| {});
}

#[test]
#[should_panic(expected = "a catch-all parameter is written `{*path}`")]
fn a_koa_style_catch_all_is_refused_with_the_form_that_works() {
    let _ = Router::new().get("/files/*path", async |_: &mut Context| {});
}

#[test]
fn colons_inside_a_segment_are_text() {
    // Google-style custom methods (`/v1/books:search`) stay literal.
    let _ = Router::new().post("/v1/books:search", async |_: &mut Context| {});
}

#[tokio::test]
async fn typed_setters_need_no_result_handling() {
    // Compiles without a `let _ =`: typed input cannot be invalid.
    let app = App::new().handler(async |ctx: &mut Context| {
        ctx.res
            .set_status(StatusCode::ACCEPTED)
            .set(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
            .append(header::VARY, HeaderValue::from_static("accept"))
            .set_if_absent(header::ETAG, HeaderValue::from_static("\"v1\""))
            .set(header::HeaderName::from_static("x-count"), 3)
            .set_type(rejoinder::mime::TEXT_CSV);
        ctx.res.set_body("a,b");
    });
    let res = TestClient::new(app).get("/").send().await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("x-count"), Some("3"));
    assert_eq!(res.header("etag"), Some("\"v1\""));
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
}

#[tokio::test]
async fn a_typed_change_after_the_headers_are_sent_is_ignored_not_sent() {
    let mut res = rejoinder::Response::flushed();
    res.set_status(StatusCode::IM_A_TEAPOT).set(
        header::TRANSFER_ENCODING,
        HeaderValue::from_static("chunked"),
    );
    assert_eq!(res.status(), 404);
    assert!(res.headers().is_empty());
    // Checked input still reports why.
    assert!(res.set_status(418).is_err());
}

#[tokio::test]
async fn a_typed_transfer_encoding_never_reaches_the_wire() {
    let app = App::new().handler(async |ctx: &mut Context| {
        ctx.res
            .set(header::TRANSFER_ENCODING, HeaderValue::from_static("gzip"));
        "body"
    });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("transfer-encoding"), None);
    assert_eq!(wire.text(), "body");
}
