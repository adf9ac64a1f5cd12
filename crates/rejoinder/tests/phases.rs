//! Kong's filter phases on handler responses, exits and errors.
#![cfg(feature = "kong")]

mod common;

use std::sync::{Arc, Mutex};

use rejoinder::phases::LogEntry;
use rejoinder::testing::{raw, TestServer};
use rejoinder::{Abort, App, Body, Context, HttpError, Source, NO_HEADERS};

fn app(log: Arc<Mutex<Vec<LogEntry>>>) -> App {
    App::new()
        .handler(async |ctx: &mut Context| {
            match ctx.req.path() {
                "/exit" => {
                    ctx.exit(403, "blocked", [("X-From", "exit")])?;
                }
                "/error" => return Err(HttpError::not_found("no such thing").into()),
                "/stream" => {
                    let chunks = futures_util::stream::iter(
                        ["one,", "two,", "three"].map(Ok::<_, std::io::Error>),
                    );
                    ctx.res.set_body(Body::stream(chunks));
                }
                _ => {
                    ctx.res.set_body("hello world");
                }
            }
            Ok::<_, Abort>(())
        })
        .header_filter(|res| {
            res.set("X-Phase", "header_filter")?;
            if res.status().as_u16() == 403 {
                res.set_status(451)?;
            }
            Ok(())
        })
        .header_filter(|res| {
            // Refused: the value has a line break. Logged; nothing of it is sent.
            res.set("X-Bad", "a\r\nX-Injected: 1")?;
            Ok(())
        })
        .body_filter(|chunk| {
            if let Some(body) = chunk.raw_body() {
                chunk.set_raw_body(body.to_ascii_uppercase());
            }
        })
        .log(move |entry| log.lock().unwrap().push(entry.clone()))
}

/// Waits until the log phase has recorded `n` entries (it runs on the
/// server's task once a body is out, which may be just after the client
/// saw the connection close).
async fn logged(log: &Mutex<Vec<LogEntry>>, n: usize) {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while log.lock().unwrap().len() < n {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the log phase ran");
}

#[tokio::test]
async fn phases_run_for_handler_exit_and_error_responses() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let srv = TestServer::start(app(log.clone())).await;

    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("x-phase"), Some("header_filter"));
    assert_eq!(wire.text(), "HELLO WORLD");
    assert_eq!(wire.header("content-length"), Some("11"));
    assert!(!String::from_utf8_lossy(&wire.raw).contains("Injected"));

    let wire = raw::send(srv.addr(), "GET", "/exit", &[]).await;
    assert_eq!(
        wire.status, 451,
        "the header filter changed the exit's status"
    );
    assert_eq!(wire.header("x-from"), Some("exit"));
    assert_eq!(wire.header("x-phase"), Some("header_filter"));
    assert_eq!(wire.text(), "BLOCKED");

    let wire = raw::send(srv.addr(), "GET", "/error", &[]).await;
    assert_eq!(wire.status, 404);
    assert_eq!(wire.header("x-phase"), Some("header_filter"));
    assert!(wire.text().contains("\"NO SUCH THING\""), "{}", wire.text());

    let wire = raw::send(srv.addr(), "GET", "/stream", &[]).await;
    assert_eq!(wire.header("transfer-encoding"), Some("chunked"));
    assert!(wire.header("content-length").is_none());
    assert_eq!(wire.text(), "ONE,TWO,THREE");

    // The log phase ran once per response, after the body went out.
    logged(&log, 4).await;
    let log = log.lock().unwrap();
    let by_path = |p: &str| log.iter().find(|e| e.path == p).unwrap().clone();
    let ok = by_path("/");
    assert_eq!(
        (ok.status, ok.bytes_sent, ok.source, ok.completed),
        (200, 11, Source::Service, true)
    );
    let exit = by_path("/exit");
    assert_eq!((exit.status, exit.source), (451, Source::Exit));
    let error = by_path("/error");
    assert_eq!((error.status, error.source), (404, Source::Error));
    assert!(error
        .error_cause
        .as_ref()
        .unwrap()
        .to_string()
        .contains("no such thing"));
    assert_eq!(by_path("/stream").bytes_sent, 13);
    assert_eq!(log.len(), 4);
}

#[tokio::test]
async fn error_pages_pass_through_the_phases() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let srv = TestServer::start(
        App::new()
            .handler(async |ctx: &mut Context| {
                ctx.error(503, (), NO_HEADERS)?;
                Ok::<_, Abort>(())
            })
            .log(move |e| l.lock().unwrap().push(e.clone())),
    )
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[("accept", "text/plain")]).await;
    assert_eq!(wire.status, 503);
    assert!(wire
        .text()
        .starts_with("The upstream server is currently unavailable\n"));
    logged(&log, 1).await;
    assert_eq!(log.lock().unwrap()[0].source, Source::Error);
}

#[tokio::test]
async fn a_body_filter_drops_the_content_length_of_a_streamed_body() {
    let app = App::new()
        .handler(async |ctx: &mut Context| {
            let chunks = futures_util::stream::iter(["abc", "def"].map(Ok::<_, std::io::Error>));
            ctx.res.set_body(Body::stream(chunks));
            // As a proxy does: the length announced by the upstream.
            ctx.res.set("Content-Length", "6").unwrap();
        })
        .body_filter(|chunk| {
            let doubled = chunk.chunk().repeat(2);
            chunk.set_chunk(doubled);
        });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("content-length"), None);
    assert_eq!(wire.text(), "abcabcdefdef");
}
