//! Paths with dot segments: the router picks a route by the path as sent,
//! so a path an upstream would resolve elsewhere (`/api/../private/x`) is
//! refused with a 400 and never reaches the upstream, in every spelling a
//! loose upstream reads (encoded dots, `\`, `%2F`, `%5C`, `;` parameters);
//! names that merely contain dots pass.

mod common;

use common::*;
use rejoinder::testing::TestServer;
use rejoinder::{App, BoxFuture, Context, Handler, IntoResponse, Router, Source, NO_HEADERS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `/private`'s guard: a token, or a 401 before anything is proxied.
struct Guard(rejoinder_proxy::Proxy);

impl Handler for Guard {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if ctx.req.header("authorization") != Some("Bearer letmein") {
                let Err(abort) = ctx.error(401, (), NO_HEADERS);
                ctx.res = abort.into_response();
                return;
            }
            self.0.call(ctx).await;
        })
    }
}

/// A gateway as in examples/gateway.rs: `/api` open, `/private` behind a
/// token, both proxied to `proxy`'s upstream.
async fn guarded(proxy: rejoinder_proxy::Proxy) -> TestServer {
    let router = Router::new()
        .mount("/api", proxy.clone())
        .mount("/private", Guard(proxy));
    let app = App::new().router(router).header_filter(|res| {
        let source = match res.source() {
            Source::Service => "Service",
            Source::Error => "Error",
            _ => "Other",
        };
        res.set("X-Source", source)?;
        Ok(())
    });
    TestServer::start(app).await
}

/// Sends `target` as the request line's target, byte for byte, and reads
/// the whole answer (the request asks the server to close).
async fn raw_get(gw: &TestServer, target: &str) -> String {
    let mut s = TcpStream::connect(gw.addr()).await.unwrap();
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: gw\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn status(answer: &str) -> &str {
    answer.get(9..12).unwrap_or("")
}

const HOSTILE: &[&str] = &[
    "/api/../private/x",
    "/api/./../private/x",
    "/api/%2e%2e/private/x",
    "/api/%2E%2E/private/x",
    "/api/.%2e/private/x",
    "/api/%2e./private/x",
    "/api/..%2fprivate/x",
    "/api/..%2Fprivate/x",
    "/api/..%5cprivate/x",
    "/api/..\\private/x",
    "/api/x%2f..%2f..%2fprivate/x",
    "/api/..;/private/x",
    "/api/..;jsessionid=1/private/x",
    "/api/x/../../private/x",
    "/api/./x",
    "/api/.",
    "/api/..",
    "/api/%2e",
];

#[tokio::test]
async fn a_path_with_a_dot_segment_is_refused_before_the_upstream() {
    let up = Upstream::start("a").await;
    let gw = guarded(proxy_to(&[up.url()])).await;
    for target in HOSTILE {
        let answer = raw_get(&gw, target).await;
        assert_eq!(status(&answer), "400", "{target}: {answer}");
        assert!(answer.contains("x-source: Error"), "{target}: {answer}");
        assert!(
            answer.contains("application/json") && answer.contains("dot segment"),
            "{target}: the 400 says why: {answer}"
        );
    }
    assert_eq!(up.requests(), 0, "no refused path reached the upstream");
    // The guard still guards, and the gateway still serves.
    assert_eq!(status(&raw_get(&gw, "/private/echo").await), "401");
    let answer = raw_get(&gw, "/api/echo").await;
    assert_eq!(status(&answer), "200", "{answer}");
    assert!(answer.contains("GET /api/echo"), "{answer}");
}

#[tokio::test]
async fn names_with_dots_are_forwarded() {
    let up = Upstream::start("a").await;
    let gw = guarded(proxy_to(&[up.url()])).await;
    for target in [
        "/api/v1.2/echo",
        "/api/.well-known/echo",
        "/api/.../echo",
        "/api/a..b/echo",
        "/api/%2e%2e%2e/echo",
        "/api/x;v=../echo",
        "/api/file.json?next=../../x&echo",
    ] {
        let answer = raw_get(&gw, target).await;
        if target.contains('?') {
            // Not an /echo path: the upstream's 404, still proxied.
            assert!(answer.contains("x-source: Service"), "{target}: {answer}");
            continue;
        }
        assert_eq!(status(&answer), "200", "{target}: {answer}");
        assert!(
            answer.contains(&format!("GET {target}")),
            "{target} arrives as sent: {answer}"
        );
    }
    assert_eq!(up.requests(), 7);
}

#[tokio::test]
async fn allowed_dot_segments_are_forwarded_as_sent() {
    let up = Upstream::start("a").await;
    let gw = guarded(proxy_to(&[up.url()]).allow_dot_segments(true)).await;
    let answer = raw_get(&gw, "/api/x/../echo").await;
    assert_eq!(status(&answer), "200", "{answer}");
    assert!(answer.contains("GET /api/x/../echo"), "{answer}");
    assert!(answer.contains("x-source: Service"), "{answer}");
}
