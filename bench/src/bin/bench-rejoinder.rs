//! rejoinder: the same routes in one handler that matches on the path.

use rejoinder::{App, Context, Json};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

fn main() -> std::io::Result<()> {
    // TRACE=info: a subscriber that takes the request span (and writes it
    // nowhere); TRACE=warn: one that filters it out. Unset: no subscriber.
    if let Ok(level) = std::env::var("TRACE") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_writer(std::io::sink)
            .init();
    }
    let port = rejoinder_bench::port();
    rejoinder_bench::runtime()?.block_on(async move {
        let app = App::new().handler(async |ctx: &mut Context| {
            match ctx.req.path() {
                "/plaintext" => {
                    ctx.res.set_body("Hello, World!");
                }
                "/json" => {
                    ctx.res.set_body(Json(&Message {
                        message: "Hello, World!",
                    }));
                }
                "/1m" => {
                    ctx.res
                        .set_body(rejoinder::Bytes::from_static(&rejoinder_bench::MIB));
                }
                _ => {} // untouched: 404 Not Found
            }
        });
        eprintln!("bench-rejoinder listening on 127.0.0.1:{port}");
        app.listen(("127.0.0.1", port)).await
    })
}
