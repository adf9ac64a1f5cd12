//! Several targets: round robin, least connections, passive health and the
//! retry rule.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use rejoinder_proxy::{Balance, Health, Proxy, Upstreams};

async fn upstream_of(url: &str) -> String {
    let (parts, _) = send(get(url)).await;
    parts.headers["x-upstream"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn round_robin_spreads_requests_in_turn() {
    let (a, b, c) = (
        Upstream::start("a").await,
        Upstream::start("b").await,
        Upstream::start("c").await,
    );
    let gw = gateway(proxy_to(&[a.url(), b.url(), c.url()])).await;
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.push(upstream_of(&gw.url("/")).await);
    }
    assert_eq!(seen, ["a", "b", "c", "a", "b", "c"]);
}

#[tokio::test]
async fn least_connections_avoids_the_busy_target() {
    let (a, b) = (Upstream::start("a").await, Upstream::start("b").await);
    let ups = Upstreams::parse(&format!("{},{}", a.url(), b.url()))
        .unwrap()
        .balance(Balance::LeastConnections);
    let gw = gateway(Proxy::new(ups)).await;
    // A response whose body never ends keeps one request in flight.
    let stalled = client().request(get(&gw.url("/stall"))).await.unwrap();
    let busy = stalled.headers()["x-upstream"].to_str().unwrap().to_owned();
    for _ in 0..4 {
        assert_ne!(upstream_of(&gw.url("/")).await, busy);
    }
    drop(stalled);
}

#[tokio::test]
async fn a_failing_target_is_skipped_for_the_cooldown_then_tried_again() {
    let a = Upstream::start("a").await;
    let (bad, slammed) = slamming_upstream().await;
    let cooldown = Duration::from_millis(300);
    let ups = Upstreams::parse(&format!("{},http://{bad}", a.url()))
        .unwrap()
        .health(Health {
            failures: 2,
            cooldown,
        });
    // POST is not retried, so each failure is seen by the client.
    let gw = gateway(Proxy::new(ups)).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (parts, _) = send(request("POST", &gw.url("/"), "x")).await;
        statuses.push(parts.status.as_u16());
    }
    assert_eq!(statuses, [200, 502, 200, 502], "two failures in a row");
    let before = slammed.load(Ordering::SeqCst);
    for _ in 0..6 {
        assert_eq!(upstream_of(&gw.url("/")).await, "a");
    }
    assert_eq!(
        slammed.load(Ordering::SeqCst),
        before,
        "the bad target was skipped"
    );
    // The cooldown is a time window: wait it out, then the target is tried.
    tokio::time::sleep(cooldown + Duration::from_millis(50)).await;
    for _ in 0..2 {
        send(request("POST", &gw.url("/"), "x")).await;
    }
    assert!(
        slammed.load(Ordering::SeqCst) > before,
        "tried again after the cooldown"
    );
}

#[tokio::test]
async fn an_idempotent_request_that_could_not_connect_is_retried_on_another_target() {
    let a = Upstream::start("a").await;
    let dead = closed_port().await;
    let gw = gateway(proxy_to(&[format!("http://{dead}"), a.url()])).await;
    // Round robin starts at the dead target: the GET and the PUT (with its
    // body) go there first and are retried on `a`.
    let (parts, _) = send(get(&gw.url("/"))).await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.headers["x-upstream"], "a");
    send(get(&gw.url("/"))).await; // a, round robin moves on
    let (parts, body) = send(request("PUT", &gw.url("/echo"), "the body")).await;
    assert_eq!(parts.status, 200);
    assert!(text(&body).contains("body: the body"), "{}", text(&body));
}

#[tokio::test]
async fn a_non_idempotent_request_is_not_retried() {
    let a = Upstream::start("a").await;
    let dead = closed_port().await;
    let gw = gateway(proxy_to(&[format!("http://{dead}"), a.url()])).await;
    let (parts, _) = send(request("POST", &gw.url("/"), "once")).await;
    assert_eq!(parts.status, 502);
    assert_eq!(a.requests(), 0);
}

#[tokio::test]
async fn a_request_that_reached_the_upstream_is_not_retried() {
    let a = Upstream::start("a").await;
    let (bad, slammed) = slamming_upstream().await;
    let gw = gateway(proxy_to(&[format!("http://{bad}"), a.url()])).await;
    // The connection was made and the request sent before the reset: a
    // retry could repeat its effect, so the client gets the 502.
    let (parts, _) = send(get(&gw.url("/"))).await;
    assert_eq!(parts.status, 502);
    assert!(slammed.load(Ordering::SeqCst) >= 1);
    assert_eq!(a.requests(), 0);
}
