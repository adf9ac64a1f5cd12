//! Upstream failures and Kong's answers: 502, 504, 503 through the
//! negotiated `error()` (source `error`), and an aborted connection when the
//! body fails midway.

mod common;

use std::time::Duration;

use common::*;
use http_body_util::BodyExt;
use rejoinder::testing::TestServer;
use rejoinder::{App, Router};
use rejoinder_proxy::{Proxy, Timeouts, Upstreams};

fn source_header(app: App) -> App {
    app.header_filter(|res| {
        res.set("X-Source", res.source().as_str())?;
        Ok(())
    })
}

async fn gateway_with(proxy: Proxy) -> TestServer {
    TestServer::start(source_header(
        App::new().router(Router::new().mount("/", proxy)),
    ))
    .await
}

fn json(body: &bytes::Bytes) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("{e}: {}", text(body)))
}

#[tokio::test]
async fn a_refused_connection_is_a_502() {
    let dead = closed_port().await;
    let gw = gateway_with(proxy_to(&[format!("http://{dead}")])).await;
    let (parts, body) = send(get(&gw.url("/x"))).await;
    assert_eq!(parts.status, 502);
    assert_eq!(parts.headers["x-source"], "error");
    assert_eq!(
        parts.headers["content-type"],
        "application/json; charset=utf-8"
    );
    let body = json(&body);
    assert_eq!(
        body["message"],
        "An invalid response was received from the upstream server"
    );
    assert_eq!(
        body["request_id"],
        parts.headers["x-request-id"].to_str().unwrap()
    );
}

#[tokio::test]
async fn a_reset_before_the_head_is_a_502_rendered_for_the_accept_header() {
    let (addr, accepted) = slamming_upstream().await;
    let gw = gateway_with(proxy_to(&[format!("http://{addr}")])).await;
    let mut req = get(&gw.url("/x"));
    req.headers_mut()
        .insert("accept", "text/plain".parse().unwrap());
    let (parts, body) = send(req).await;
    assert_eq!(parts.status, 502);
    assert_eq!(parts.headers["x-source"], "error");
    let body = text(&body);
    assert!(
        body.starts_with("An invalid response was received from the upstream server\nrequest_id: "),
        "{body}"
    );
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn no_head_within_the_first_byte_timeout_is_a_504() {
    let up = Upstream::start("a").await;
    let timeouts = Timeouts {
        first_byte: Duration::from_millis(200),
        ..Timeouts::default()
    };
    let gw = gateway_with(proxy_to(&[up.url()]).timeouts(timeouts)).await;
    let mut req = get(&gw.url("/slow"));
    req.headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let (parts, body) = send(req).await;
    assert_eq!(parts.status, 504);
    assert_eq!(parts.headers["x-source"], "error");
    assert!(text(&body).contains("<p>The upstream server is timing out.</p>"));
}

#[tokio::test]
async fn the_first_byte_timeout_times_each_exchange_on_a_pooled_connection() {
    // One connection carries every exchange: its deadline is moved on for
    // each, fires while it idles, and is set again when it is reused.
    let up = Upstream::start("a").await;
    let timeouts = Timeouts {
        first_byte: Duration::from_millis(200),
        ..Timeouts::default()
    };
    let gw = gateway_with(proxy_to(&[up.url()]).timeouts(timeouts)).await;
    let ok = |(parts, body): (http::response::Parts, bytes::Bytes)| {
        assert_eq!(parts.status, 200, "{}", text(&body));
        assert_eq!(parts.headers["x-source"], "service");
    };
    ok(send(get(&gw.url("/x"))).await);
    // Past the first exchange's deadline (time passing is what is tested).
    tokio::time::sleep(Duration::from_millis(300)).await;
    ok(send(get(&gw.url("/x"))).await);
    ok(send(get(&gw.url("/x"))).await);
    assert_eq!(up.accepted(), 1, "the connection was reused");
    let (parts, _) = send(get(&gw.url("/slow"))).await;
    assert_eq!(parts.status, 504);
    assert_eq!(up.accepted(), 1, "the pooled connection timed out");
    // The timed-out connection is not kept: the next goes on a new one.
    ok(send(get(&gw.url("/x"))).await);
    assert_eq!(up.accepted(), 2);
}

#[tokio::test]
async fn a_connect_timeout_is_a_504() {
    let (addr, _fillers, _listener) = unanswering_upstream().await;
    let timeouts = Timeouts {
        connect: Duration::from_millis(100),
        ..Timeouts::default()
    };
    let proxy = Proxy::new(Upstreams::parse(&format!("http://{addr}")).unwrap()).timeouts(timeouts);
    let gw = gateway_with(proxy).await;
    let (parts, body) = send(get(&gw.url("/x"))).await;
    assert_eq!(parts.status, 504);
    assert_eq!(parts.headers["x-source"], "error");
    assert_eq!(json(&body)["message"], "The upstream server is timing out");
}

#[tokio::test]
async fn a_failure_mid_body_aborts_the_downstream_connection() {
    let addr = truncating_upstream().await;
    let gw = gateway_with(proxy_to(&[format!("http://{addr}")])).await;
    let res = client().request(get(&gw.url("/midbody"))).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-length"], "100");
    let outcome = res.into_body().collect().await;
    assert!(outcome.is_err(), "the body ended cleanly: {outcome:?}");
}

#[tokio::test]
async fn an_idle_body_past_its_timeout_aborts_the_downstream_connection() {
    let up = Upstream::start("a").await;
    let timeouts = Timeouts {
        idle_body: Some(Duration::from_millis(150)),
        ..Timeouts::default()
    };
    let gw = gateway_with(proxy_to(&[up.url()]).timeouts(timeouts)).await;
    let res = client().request(get(&gw.url("/stall"))).await.unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert_eq!(first.data_ref().unwrap().as_ref(), b"first");
    let rest = body.collect().await;
    assert!(rest.is_err(), "the stalled body ended cleanly");
}

#[tokio::test]
async fn a_body_that_keeps_coming_is_not_cut_by_the_idle_timeout() {
    let up = Upstream::start("a").await;
    let timeouts = Timeouts {
        idle_body: Some(Duration::from_millis(150)),
        ..Timeouts::default()
    };
    let gw = gateway_with(proxy_to(&[up.url()]).timeouts(timeouts)).await;
    // 300 ms in total, never more than 50 ms between chunks.
    let (parts, body) = send(get(&gw.url("/trickle"))).await;
    assert_eq!(parts.status, 200);
    assert_eq!(text(&body), "drop ".repeat(6));
}

#[tokio::test]
async fn every_target_down_is_a_503() {
    let dead = closed_port().await;
    let ups =
        Upstreams::parse(&format!("http://{dead}"))
            .unwrap()
            .health(rejoinder_proxy::Health {
                failures: 1,
                cooldown: Duration::from_secs(60),
            });
    let gw = gateway_with(Proxy::new(ups)).await;
    let (parts, _) = send(get(&gw.url("/x"))).await;
    assert_eq!(parts.status, 502);
    let (parts, body) = send(get(&gw.url("/x"))).await;
    assert_eq!(parts.status, 503);
    assert_eq!(
        json(&body)["message"],
        "The upstream server is currently unavailable"
    );
}
