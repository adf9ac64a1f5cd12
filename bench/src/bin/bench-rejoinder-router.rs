//! rejoinder with a `Router` and one pass-through middleware: `/plaintext`,
//! `/json` and `/users/{id}`, so routing and the middleware chain are
//! measured (the peer of `bench-axum-router`).

use rejoinder::{App, Context, Json, Next, Router};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn user(ctx: &mut Context) -> String {
    format!("user {}", ctx.param("id").unwrap_or_default())
}

async fn pass(ctx: &mut Context, next: Next<'_>) {
    next.run(ctx).await;
}

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    rejoinder_bench::runtime()?.block_on(async move {
        let router = Router::new()
            .get("/plaintext", async |_: &mut Context| "Hello, World!")
            .get("/json", async |_: &mut Context| {
                Json(Message {
                    message: "Hello, World!",
                })
            })
            .get("/users/{id}", user);
        let app = App::new().router(router).middleware(pass);
        eprintln!("bench-rejoinder-router listening on 127.0.0.1:{port}");
        app.listen(("127.0.0.1", port)).await
    })
}
