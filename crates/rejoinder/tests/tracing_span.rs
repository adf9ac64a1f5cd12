//! The request span over loopback, seen by a subscriber that records every
//! span's fields: the head's fields at once, status and source when the
//! head is final, bytes, latency and completion when the body ends, the
//! handler's events inside the span, and a body cut short recorded as
//! not completed.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rejoinder::testing::{raw, TestServer};
use rejoinder::{App, Body, Bytes, Context, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// A bound on any single wait; hitting it means something hung.
const HANG: Duration = Duration::from_secs(10);

type Fields = BTreeMap<String, String>;

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// What the subscriber saw: closed spans' fields, and each event's message
/// with the fields of the span it happened in.
#[derive(Default)]
struct Seen {
    closed: Vec<(String, Fields)>,
    events: Vec<(String, Option<Fields>)>,
}

/// Woken whenever a span closes.
fn closes() -> &'static tokio::sync::Notify {
    static CLOSES: OnceLock<tokio::sync::Notify> = OnceLock::new();
    CLOSES.get_or_init(Default::default)
}

fn seen() -> &'static Mutex<Seen> {
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
}

struct Capture;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut ext = span.extensions_mut();
        values.record(&mut Visitor(ext.get_mut::<Fields>().unwrap()));
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let parent = ctx
            .event_span(event)
            .and_then(|s| s.extensions().get::<Fields>().cloned());
        let message = fields.remove("message").unwrap_or_default();
        seen().lock().unwrap().events.push((message, parent));
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span
            .extensions()
            .get::<Fields>()
            .cloned()
            .unwrap_or_default();
        seen()
            .lock()
            .unwrap()
            .closed
            .push((span.name().to_owned(), fields));
        closes().notify_waiters();
    }
}

fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Capture);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
}

/// The closed request span whose request id is `id`, once it closed.
async fn closed_span(id: &str) -> Fields {
    let found = async {
        loop {
            let closed = closes().notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            let hit = seen()
                .lock()
                .unwrap()
                .closed
                .iter()
                .find(|(name, f)| {
                    name == "request" && f.get("request_id").map(String::as_str) == Some(id)
                })
                .map(|(_, f)| f.clone());
            if let Some(f) = hit {
                return f;
            }
            // The span closes when the connection drops the body, just
            // after the response was read.
            closed.await;
        }
    };
    tokio::time::timeout(HANG, found)
        .await
        .expect("the request span never closed")
}

fn app() -> App {
    App::new().router(
        Router::new()
            .get("/hello/{name}", async |ctx: &mut Context| {
                tracing::info!("in the handler");
                format!("hi {}", ctx.param("name").unwrap_or("?"))
            })
            .get("/forever", async |_: &mut Context| {
                let chunks = futures_util::stream::unfold(0u32, |n| async move {
                    if n > 0 {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Some((Ok::<_, Infallible>(Bytes::from_static(b"tick\n")), n + 1))
                });
                Body::stream(chunks)
            }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_runs_in_a_span_with_its_facts() {
    install();
    let server = TestServer::start(app()).await;
    let wire = raw::send(
        server.addr(),
        "GET",
        "/hello/ada",
        &[("x-request-id", "span-test-1"), ("connection", "close")],
    )
    .await;
    assert_eq!(wire.text(), "hi ada");
    let span = closed_span("span-test-1").await;
    let want = [
        ("method", "GET"),
        ("path", "/hello/ada"),
        ("version", "HTTP/1.1"),
        ("status", "200"),
        ("source", "service"),
        ("bytes_sent", "6"),
        ("completed", "true"),
    ];
    for (k, v) in want {
        assert_eq!(span.get(k).map(String::as_str), Some(v), "{k} in {span:?}");
    }
    let latency: u64 = span["latency_us"].parse().unwrap();
    assert!(latency > 0, "{span:?}");

    let events = &seen().lock().unwrap().events;
    let in_span = |msg: &str| {
        events.iter().any(|(m, parent)| {
            m == msg
                && parent
                    .as_ref()
                    .is_some_and(|p| p.get("request_id").map(String::as_str) == Some("span-test-1"))
        })
    };
    assert!(
        in_span("in the handler"),
        "the handler's event is outside the span"
    );
    assert!(in_span("response finished"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_and_a_body_cut_short_are_recorded() {
    install();
    let server = TestServer::start(app()).await;
    let wire = raw::send(
        server.addr(),
        "GET",
        "/nowhere",
        &[("x-request-id", "span-test-404"), ("connection", "close")],
    )
    .await;
    assert_eq!(wire.status, 404);
    let span = closed_span("span-test-404").await;
    assert_eq!(span["status"], "404");
    assert_eq!(span["completed"], "true");

    // A client that reads the first chunk of an endless stream and leaves.
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"GET /forever HTTP/1.1\r\nhost: t\r\nx-request-id: span-test-cut\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(HANG, s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(n > 0);
    drop(s);
    let span = closed_span("span-test-cut").await;
    assert_eq!(span["status"], "200");
    assert_eq!(span["completed"], "false", "{span:?}");
}
