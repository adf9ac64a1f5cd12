//! rejoinder: the same two routes in one handler that matches on the path.

use rejoinder::{App, Context, Json};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

fn main() -> std::io::Result<()> {
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
                _ => {} // untouched: 404 Not Found
            }
        });
        eprintln!("bench-rejoinder listening on 127.0.0.1:{port}");
        app.listen(("127.0.0.1", port)).await
    })
}
