//! The server half of soak.sh: a rejoinder app with short limits and routes
//! that stream, read bodies, panic and sleep, so the soak client can abort,
//! read slowly, send too much and say nothing.

use std::time::Duration;

use rejoinder::{App, Bytes, Context, HttpError, Json, Router};

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    rejoinder_bench::runtime()?.block_on(async move {
        let router = Router::new()
            .get("/small", async |_: &mut Context| "small")
            .get("/json", async |_: &mut Context| {
                Json(serde_json::json!({"ok": true, "n": [1, 2, 3]}))
            })
            // 4 MiB in 64 KiB chunks, produced as they are read.
            .get("/stream", async |ctx: &mut Context| {
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                let chunks = futures_util::stream::iter(
                    (0..64).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
                );
                ctx.res.set_body(rejoinder::Body::stream(chunks));
            })
            .post("/upload", async |ctx: &mut Context| {
                let body = ctx.req.bytes().await?;
                Ok::<_, HttpError>(format!("{} bytes", body.len()))
            })
            .get("/panic", async |_: &mut Context| -> &'static str {
                panic!("soak: a handler that panics")
            })
            .get("/slow", async |_: &mut Context| {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            });
        let app = App::new()
            .router(router)
            .body_limit(64 * 1024)
            .header_read_timeout(Duration::from_secs(2))
            .keep_alive_timeout(Duration::from_secs(5))
            .request_timeout(Duration::from_secs(1));
        eprintln!("soak-server listening on 127.0.0.1:{port}");
        app.listen(("127.0.0.1", port)).await
    })
}
