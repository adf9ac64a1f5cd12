//! The request view a handler sees, and the in-process test client.

mod common;

use rejoinder::http::Method;

#[tokio::test]
async fn request_view() {
    let client = common::client(|ctx| {
        let req = &ctx.req;
        let summary = serde_json::json!({
            "method": req.method().as_str(),
            "path": req.path(),
            "query": req.query_string(),
            "host": req.host(),
            "referer": req.referer(),
            "custom": req.header("X-CUSTOM"),
            "accepts": req.accepts(&["json", "html"]),
        });
        ctx.res.set_body(summary);
        Ok(())
    });
    let res = client
        .request(Method::POST, "/a/b?x=1&y=2")
        .header("x-custom", "yes")
        .header("referer", "http://app.test/from")
        .header("accept", "text/html;q=0.9, application/json;q=0.2")
        .send()
        .await;
    let v: serde_json::Value = res.json();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/a/b");
    assert_eq!(v["query"], "x=1&y=2");
    assert_eq!(v["host"], "app.test");
    assert_eq!(v["referer"], "http://app.test/from");
    assert_eq!(v["custom"], "yes");
    assert_eq!(v["accepts"], "html");
}

#[tokio::test]
async fn accepts_negotiates_with_q_values_and_wildcards() {
    let client = common::client(|ctx| {
        let answer = ctx
            .req
            .accepts(&["html", "json", "text/plain"])
            .unwrap_or("none");
        ctx.res.set_body(answer);
        Ok(())
    });
    let cases = [
        (None, "html"),
        (Some("application/json"), "json"),
        (Some("text/*"), "html"),
        (Some("text/plain, text/*;q=0.5"), "text/plain"),
        (Some("*/*;q=0.1, application/json"), "json"),
        (Some("text/html;q=0, */*"), "json"),
        (Some("image/png"), "none"),
    ];
    for (accept, want) in cases {
        let mut req = client.get("/");
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        assert_eq!(req.send().await.text(), want, "Accept: {accept:?}");
    }
}

#[tokio::test]
async fn test_client_reads_everything() {
    let client = common::client(|ctx| {
        ctx.res.set_status(201)?.set_message("Made It")?;
        ctx.res.set("X-Id", "7")?;
        ctx.res.set_body(serde_json::json!({"id": 7}));
        Ok(())
    });
    let res = client.post("/items").body("ignored").send().await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.reason(), "Made It");
    assert_eq!(res.header("x-id"), Some("7"));
    assert_eq!(res.bytes().as_ref(), br#"{"id":7}"#);
    assert_eq!(res.json::<serde_json::Value>()["id"], 7);
    // Nothing asked for the request id, so none was made or sent.
    assert_eq!(res.header("x-request-id"), None);
    assert_eq!(res.headers().len(), 2);
}

#[tokio::test]
async fn the_request_id_is_made_on_first_use_and_then_echoed() {
    let client = common::client(|ctx| {
        if ctx.req.path() == "/use" {
            let id = ctx.req.id().to_owned();
            assert_eq!(ctx.req.id(), id, "one id per request");
            ctx.res.set_body(id);
        }
        Ok(())
    });
    let res = client.get("/use").send().await;
    let id = res.header("x-request-id").expect("a used id is echoed");
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(res.text(), id);
    let other = client.get("/use").send().await;
    assert_ne!(other.header("x-request-id"), Some(id), "fresh ids differ");

    // The client's own id, when used, is the request's.
    let res = client
        .get("/use")
        .header("x-request-id", "trace-7")
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), Some("trace-7"));
    assert_eq!(res.text(), "trace-7");
    // One that is not 1 to 128 visible ASCII characters is replaced.
    let res = client
        .get("/use")
        .header("x-request-id", "has space")
        .send()
        .await;
    assert_ne!(res.header("x-request-id"), Some("has space"));
    assert_eq!(res.header("x-request-id").map(str::len), Some(16));

    // Unused: not made, not sent, even when the client sent one.
    let res = client
        .get("/quiet")
        .header("x-request-id", "trace-8")
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), None);
}

#[tokio::test]
async fn echo_request_id_sends_an_id_on_every_response() {
    let app = rejoinder::App::new()
        .echo_request_id(true)
        .handler(async |_: &mut rejoinder::Context| {});
    let client = rejoinder::testing::TestClient::new(app);
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.header("x-request-id").map(str::len), Some(16));
    let res = client
        .get("/")
        .header("x-request-id", "trace-9")
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), Some("trace-9"));
}

#[tokio::test]
async fn the_log_phase_gets_the_id_it_echoes() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = rejoinder::App::new()
        .handler(async |ctx: &mut rejoinder::Context| {
            ctx.res.set_body("x");
        })
        .log(move |e| log.lock().unwrap().push(e.request_id.clone()));
    let srv = rejoinder::testing::TestServer::start(app).await;
    let wire = rejoinder::testing::raw::send(srv.addr(), "GET", "/", &[]).await;
    let id = wire
        .header("x-request-id")
        .expect("the log phase uses the id")
        .to_owned();
    // The log phase runs once the body is out: wait for its entry.
    let logged = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if let Some(id) = seen.lock().unwrap().first().cloned() {
                break id;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the log phase ran");
    assert_eq!(logged, id);
}
