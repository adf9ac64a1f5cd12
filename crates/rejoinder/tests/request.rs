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
    let id = res.header("x-request-id").unwrap();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(res.headers().len(), 3);
}
