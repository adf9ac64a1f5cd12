//! Streaming passthrough with backpressure both ways: a 1 GiB download and
//! a 1 GiB upload cross the proxy with flat memory (RSS from /proc).
//!
//! One test, so nothing else in this process allocates meanwhile.

mod common;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use rejoinder::BoxError;

const GIB: u64 = 1 << 30;
const LIMIT_KIB: u64 = 16 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_down_and_one_gib_up_with_flat_memory() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    // Warm up: connections, pools, buffers.
    send(get(&gw.url("/big?10000000"))).await;

    let before = rss_kib();
    let res = client()
        .request(get(&gw.url(&format!("/big?{GIB}"))))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let (mut got, mut peak) = (0u64, before);
    while let Some(frame) = body.frame().await {
        got += frame.unwrap().data_ref().map_or(0, |d| d.len() as u64);
        if got % (64 << 20) < 65536 {
            peak = peak.max(rss_kib());
        }
    }
    assert_eq!(got, GIB);
    let down = peak.saturating_sub(before);
    println!("download: RSS before {before} KiB, peak {peak} KiB, growth {down} KiB");
    assert!(down < LIMIT_KIB, "RSS grew {down} KiB for a 1 GiB download");

    let before = rss_kib();
    static CHUNK: [u8; 64 * 1024] = [b'u'; 64 * 1024];
    let chunks = GIB / CHUNK.len() as u64;
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let p = peak.clone();
    let stream = futures_util::stream::iter((0..chunks).map(move |i| {
        if i % 1024 == 0 {
            p.fetch_max(rss_kib(), std::sync::atomic::Ordering::Relaxed);
        }
        Ok::<_, BoxError>(Frame::data(Bytes::from_static(&CHUNK)))
    }));
    let req = http::Request::post(gw.url("/upload"))
        .body(StreamBody::new(stream).boxed())
        .unwrap();
    let (parts, body) = send(req).await;
    assert_eq!(parts.status, 200);
    assert_eq!(text(&body), GIB.to_string());
    let peak = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .max(rss_kib());
    let upload = peak.saturating_sub(before);
    println!("upload: RSS before {before} KiB, peak {peak} KiB, growth {upload} KiB");
    assert!(
        upload < LIMIT_KIB,
        "RSS grew {upload} KiB for a 1 GiB upload"
    );
}
