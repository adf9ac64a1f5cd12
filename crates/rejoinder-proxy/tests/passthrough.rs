//! What passes through the proxy unchanged, what it removes and what it
//! adds; the phases on proxied responses; connection reuse.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use http::Version;
use http_body_util::BodyExt;
use rejoinder::phases::LogEntry;
use rejoinder::testing::TestServer;
use rejoinder::{App, Router, Source};

#[tokio::test]
async fn status_reason_repeated_headers_and_body_pass_through() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let (parts, body) = send(get(&gw.url("/reason"))).await;
    assert_eq!(parts.status, 201);
    let reason = parts.extensions.get::<hyper::ext::ReasonPhrase>().unwrap();
    assert_eq!(reason.as_bytes(), b"Made It Myself");
    let multi: Vec<_> = parts.headers.get_all("x-multi").iter().collect();
    assert_eq!(multi, ["one", "two"]);
    let cookies: Vec<_> = parts.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(parts.headers["content-type"], "text/x-made");
    assert_eq!(parts.headers["via"], "1.1 rejoinder");
    assert_eq!(text(&body), "made");
}

#[tokio::test]
async fn an_upstream_without_content_type_gets_none_added() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let (parts, body) = send(get(&gw.url("/big?1000"))).await;
    assert_eq!(parts.status, 200);
    assert!(parts.headers.get("content-type").is_none());
    assert_eq!(parts.headers["content-length"], "1000");
    assert_eq!(body.len(), 1000);
}

#[tokio::test]
async fn trailers_pass_through_to_a_client_that_asks_for_them() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let mut req = get(&gw.url("/trailers"));
    req.headers_mut().insert("te", "trailers".parse().unwrap());
    let res = client().request(req).await.unwrap();
    assert_eq!(res.headers()["trailer"], "x-checksum");
    let collected = res.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned().expect("trailers");
    assert_eq!(trailers["x-checksum"], "c0ffee");
    assert_eq!(text(&collected.to_bytes()), "part one, part two");
}

#[tokio::test]
async fn hop_by_hop_headers_are_removed_both_ways() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let mut req = get(&gw.url("/echo"));
    let h = req.headers_mut();
    h.insert("connection", "keep-alive, x-hop".parse().unwrap());
    h.insert("x-hop", "1".parse().unwrap());
    h.insert("keep-alive", "timeout=9".parse().unwrap());
    h.insert("te", "gzip".parse().unwrap());
    h.insert("proxy-authorization", "Basic eA==".parse().unwrap());
    h.insert("trailer", "x-t".parse().unwrap());
    h.insert("x-end-to-end", "kept".parse().unwrap());
    let (_, body) = send(req).await;
    let seen = text(&body);
    for gone in [
        "x-hop:",
        "keep-alive:",
        "te:",
        "proxy-authorization:",
        "trailer:",
    ] {
        assert!(!seen.contains(gone), "{gone} reached the upstream:\n{seen}");
    }
    assert!(seen.contains("x-end-to-end: kept"), "{seen}");

    let (parts, body) = send(get(&gw.url("/hop"))).await;
    assert_eq!(text(&body), "hop");
    for gone in ["x-private", "keep-alive", "proxy-authenticate"] {
        assert!(
            parts.headers.get(gone).is_none(),
            "{gone} reached the client"
        );
    }
    assert_eq!(parts.headers["x-public"], "yes");
}

#[tokio::test]
async fn forwarding_headers_host_and_query_are_sent() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()]).forwarded(true)).await;
    let mut req = get(&gw.url("/api/echo?x=1&y=%20"));
    req.headers_mut()
        .insert("host", "public.example".parse().unwrap());
    req.headers_mut()
        .insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
    let (_, body) = send(req).await;
    let seen = text(&body);
    assert!(seen.starts_with("GET /api/echo?x=1&y=%20\n"), "{seen}");
    assert!(seen.contains(&format!("host: {}\n", up.addr)), "{seen}");
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");
    assert!(
        seen.contains("x-forwarded-host: public.example\n"),
        "{seen}"
    );
    assert!(
        seen.contains("forwarded: for=127.0.0.1;host=\"public.example\";proto=http\n"),
        "{seen}"
    );
    assert!(seen.contains("via: 1.1 rejoinder\n"), "{seen}");
}

#[tokio::test]
async fn the_clients_host_is_kept_and_a_prefix_stripped_when_configured() {
    let up = Upstream::start("a").await;
    let proxy = proxy_to(&[up.url()])
        .preserve_host(true)
        .strip_prefix("/api");
    let srv = TestServer::start(App::new().router(Router::new().mount("/api", proxy))).await;
    let mut req = request("POST", &srv.url("/api/v1/echo?q=1"), "payload");
    req.headers_mut()
        .insert("host", "public.example".parse().unwrap());
    let (_, body) = send(req).await;
    let seen = text(&body);
    assert!(seen.starts_with("POST /v1/echo?q=1\n"), "{seen}");
    assert!(seen.contains("host: public.example\n"), "{seen}");
    assert!(seen.contains("body: payload\n"), "{seen}");
}

#[tokio::test]
async fn filters_late_handlers_and_the_log_run_on_proxied_responses() {
    let up = Upstream::start("a").await;
    let log: Arc<Mutex<Vec<LogEntry>>> = Arc::default();
    let sources: Arc<Mutex<Vec<Source>>> = Arc::default();
    let (l, s) = (log.clone(), sources.clone());
    let app = App::new()
        .router(Router::new().mount("/", proxy_to(&[up.url()])))
        .late(|_, res| {
            res.set("X-Late", "ran").unwrap();
        })
        .header_filter(move |res| {
            s.lock().unwrap().push(res.source());
            res.set("X-Filtered", res.source().as_str())?;
            Ok(())
        })
        .body_filter(|chunk| {
            if let Some(body) = chunk.raw_body() {
                chunk.set_raw_body(body.to_ascii_uppercase());
            }
        })
        .log(move |e| l.lock().unwrap().push(e.clone()));
    let srv = TestServer::start(app).await;
    // A large body streams: the upstream announced 200000 bytes of `x`, the
    // filter rewrote them, and the response is framed for what was sent
    // (chunked), not for what was announced.
    let (parts, body) = send(get(&srv.url("/big?200000"))).await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.headers["x-late"], "ran");
    assert_eq!(parts.headers["x-filtered"], "service");
    assert!(parts.headers.get("content-length").is_none());
    assert_eq!(body.len(), 200000);
    assert!(body.iter().all(|b| *b == b'X'));
    // A small one arrives whole and is framed with its filtered length.
    let (parts, body) = send(get(&srv.url("/"))).await;
    assert_eq!(text(&body), "HELLO FROM A");
    assert_eq!(parts.headers["content-length"], "12");
    assert_eq!(*sources.lock().unwrap(), [Source::Service, Source::Service]);
    // The log entries land when each body has ended.
    let entries = log.lock().unwrap().clone();
    assert_eq!(entries.len(), 2);
    assert!(entries
        .iter()
        .all(|e| e.completed && e.source == Source::Service));
    assert_eq!(entries[0].bytes_sent, 200000);
}

#[tokio::test]
async fn an_exit_in_front_of_the_proxy_has_source_exit() {
    let up = Upstream::start("a").await;
    let app = App::new()
        .router(Router::new().mount("/", proxy_to(&[up.url()])))
        .middleware(
            async |ctx: &mut rejoinder::Context, next: rejoinder::Next<'_>| {
                if ctx.req.path() == "/blocked" {
                    let Err(abort) = ctx.exit(403, "no", rejoinder::NO_HEADERS);
                    ctx.res = rejoinder::IntoResponse::into_response(abort);
                    return;
                }
                next.run(ctx).await;
            },
        )
        .header_filter(|res| {
            res.set("X-Source", res.source().as_str())?;
            Ok(())
        });
    let srv = TestServer::start(app).await;
    let (parts, body) = send(get(&srv.url("/blocked"))).await;
    assert_eq!(parts.status, 403);
    assert_eq!(parts.headers["x-source"], "exit");
    assert_eq!(text(&body), "no");
    assert_eq!(up.requests(), 0);
}

#[tokio::test]
async fn upstream_connections_are_pooled_and_reused() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    for _ in 0..20 {
        let (parts, _) = send(get(&gw.url("/"))).await;
        assert_eq!(parts.status, 200);
    }
    assert_eq!(up.requests(), 20);
    assert_eq!(
        up.accepted(),
        1,
        "one keep-alive connection served all twenty"
    );
}

#[tokio::test]
async fn a_connection_idle_past_the_pool_timeout_is_not_reused() {
    let up = Upstream::start("a").await;
    let idle = std::time::Duration::from_millis(150);
    let proxy = proxy_to(&[up.url()]).pool(rejoinder_proxy::Pool {
        idle_timeout: idle,
        ..Default::default()
    });
    let gw = gateway(proxy).await;
    send(get(&gw.url("/"))).await;
    send(get(&gw.url("/"))).await;
    assert_eq!(up.accepted(), 1, "reused within the idle timeout");
    // Time passing is what is tested: the pooled connection ages past it.
    tokio::time::sleep(idle * 3).await;
    let (parts, _) = send(get(&gw.url("/"))).await;
    assert_eq!(parts.status, 200);
    assert_eq!(
        up.accepted(),
        2,
        "a fresh connection after the idle timeout"
    );
    send(get(&gw.url("/"))).await;
    assert_eq!(up.accepted(), 2, "and that one is reused in turn");
}

#[tokio::test]
async fn an_h2c_upstream_is_spoken_to_over_http2() {
    let up = Upstream::start_h2c("h2").await;
    let gw = gateway(proxy_to(&[up.h2c_url()])).await;
    let (parts, body) = send(get(&gw.url("/echo"))).await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.version, Version::HTTP_11);
    assert_eq!(parts.headers["via"], "2 rejoinder");
    assert!(text(&body).contains("via: 1.1 rejoinder"));
    let mut req = get(&gw.url("/trailers"));
    req.headers_mut().insert("te", "trailers".parse().unwrap());
    let res = client().request(req).await.unwrap();
    let collected = res.into_body().collect().await.unwrap();
    assert_eq!(collected.trailers().unwrap()["x-checksum"], "c0ffee");
    for _ in 0..5 {
        send(get(&gw.url("/"))).await;
    }
    assert_eq!(up.accepted(), 1, "one HTTP/2 connection for every request");
}

#[tokio::test]
async fn undeclared_http2_trailers_reach_an_http2_client() {
    let up = Upstream::start_h2c("grpc").await;
    let gw = gateway(proxy_to(&[up.h2c_url()])).await;
    let mut req = get(&gw.url("/grpc-ish"));
    req.headers_mut().insert("te", "trailers".parse().unwrap());
    let res = h2_client().request(req).await.unwrap();
    assert_eq!(res.version(), Version::HTTP_2);
    let collected = res.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned().expect("trailers");
    assert_eq!(trailers["grpc-status"], "0");
    assert_eq!(trailers["grpc-message"], "fine");
    assert_eq!(text(&collected.to_bytes()), "message");
}

#[tokio::test]
async fn head_requests_keep_the_announced_length_and_send_no_body() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let (parts, body) = send(request("HEAD", &gw.url("/big?5000"), "")).await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.headers["content-length"], "5000");
    assert!(body.is_empty());
}

#[tokio::test]
async fn the_request_and_response_hooks_rewrite_this_proxys_traffic() {
    let up = Upstream::start("a").await;
    let proxy = proxy_to(&[up.url()])
        .via("edge")
        .on_request(|req, parts| {
            let id = http::HeaderValue::from_str(req.id()).unwrap();
            parts.headers.insert("x-gateway-request", id);
            parts.headers.remove("cookie");
        })
        .on_response(|res| {
            res.remove("x-upstream");
            res.set("X-Hooked", "yes").unwrap();
        });
    let gw = gateway(proxy).await;
    let mut req = get(&gw.url("/echo"));
    req.headers_mut()
        .insert("cookie", "session=1".parse().unwrap());
    req.headers_mut()
        .insert("x-request-id", "abc123".parse().unwrap());
    let (parts, body) = send(req).await;
    let seen = text(&body);
    assert!(seen.contains("x-gateway-request: abc123\n"), "{seen}");
    assert!(!seen.contains("cookie:"), "{seen}");
    assert!(seen.contains("via: 1.1 edge\n"), "{seen}");
    assert!(parts.headers.get("x-upstream").is_none());
    assert_eq!(parts.headers["x-hooked"], "yes");
    assert_eq!(parts.headers["via"], "1.1 edge");
}
