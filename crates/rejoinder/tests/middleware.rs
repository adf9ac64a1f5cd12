//! The middleware onion, error causes after `next()`, and late handlers.

use std::sync::{Arc, Mutex};

use rejoinder::testing::TestClient;
use rejoinder::{handler_fn, middleware_fn, App, Body, Context, HttpError};

fn record(log: &Arc<Mutex<Vec<String>>>, what: &str) {
    log.lock().unwrap().push(what.to_owned());
}

#[tokio::test]
async fn middleware_runs_as_an_onion_and_post_processes() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let app = App::new()
        .middleware(middleware_fn(move |ctx, next| {
            let log = l1.clone();
            Box::pin(async move {
                record(&log, "outer before");
                next.run(ctx).await;
                record(&log, "outer after");
                let _ = ctx.res.set("X-Outer", "1");
            })
        }))
        .middleware(middleware_fn(move |ctx, next| {
            let log = l2.clone();
            Box::pin(async move {
                record(&log, "inner before");
                next.run(ctx).await;
                record(&log, "inner after");
                // The body is still lazy: rewrite the handler's JSON.
                if let Some(doc) = ctx.res.body_mut().and_then(Body::as_json_mut) {
                    doc["seen_by"] = "inner".into();
                }
            })
        }))
        .handler(handler_fn(move |ctx| {
            let log = l3.clone();
            Box::pin(async move {
                record(&log, "handler");
                ctx.res.set_body(serde_json::json!({"ok": true}));
            })
        }));
    let res = TestClient::new(app).get("/").send().await;
    assert_eq!(res.header("x-outer"), Some("1"));
    assert_eq!(
        res.json::<serde_json::Value>(),
        serde_json::json!({"ok": true, "seen_by": "inner"})
    );
    assert_eq!(
        *log.lock().unwrap(),
        [
            "outer before",
            "inner before",
            "handler",
            "inner after",
            "outer after"
        ]
    );
}

#[tokio::test]
async fn middleware_sees_the_request_and_the_error_cause_after_next() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let app = App::new()
        .middleware(middleware_fn(move |ctx, next| {
            let seen = s.clone();
            Box::pin(async move {
                next.run(ctx).await;
                seen.lock().unwrap().push(format!(
                    "{} {} {} {:?}",
                    ctx.req.method(),
                    ctx.req.path(),
                    ctx.res.status().as_u16(),
                    ctx.res.error_cause().map(|e| e.to_string())
                ));
            })
        }))
        .handler(async |ctx: &mut Context| match ctx.req.path() {
            "/fail" => Err(HttpError::bad_gateway("upstream down")),
            "/panic" => panic!("handler exploded"),
            _ => Ok(()),
        });
    let client = TestClient::new(app);
    assert_eq!(client.get("/fail").send().await.status(), 502);
    assert_eq!(client.get("/panic").send().await.status(), 500);
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        "GET /fail 502 Some(\"502 Bad Gateway: upstream down\")"
    );
    assert_eq!(
        seen[1],
        "GET /panic 500 Some(\"the handler panicked: handler exploded\")"
    );
}

#[tokio::test]
async fn late_handlers_run_in_order_and_may_change_the_response() {
    let app = App::new()
        .handler(async |ctx: &mut Context| {
            ctx.res.set_body("body");
        })
        .late(|req, res| {
            let _ = res.append("X-Late", format!("first {}", req.path()));
        })
        .late(|_req, _res| panic!("a broken late handler"))
        .late(|_req, res| {
            let _ = res.append("X-Late", "third");
            if res.status().as_u16() == 200 {
                let _ = res.set_status(203);
            }
        });
    let res = TestClient::new(app).get("/x").send().await;
    assert_eq!(res.status(), 203);
    let late: Vec<_> = res
        .headers()
        .get_all("x-late")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(late, ["first /x", "third"]);
    assert_eq!(res.text(), "body");
}
