//! axum 0.8 with a `Router` of `/plaintext`, `/json` and `/users/{id}` and
//! one pass-through `middleware::from_fn` (the peer of
//! `bench-rejoinder-router`).

use axum::extract::{Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn plaintext() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain")], "Hello, World!")
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn user(Path(id): Path<String>) -> String {
    format!("user {id}")
}

async fn pass(req: Request, next: Next) -> Response {
    next.run(req).await
}

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    rejoinder_bench::runtime()?.block_on(async move {
        let app = Router::new()
            .route("/plaintext", get(plaintext))
            .route("/json", get(json))
            .route("/users/{id}", get(user))
            .layer(middleware::from_fn(pass));
        let listener = TcpListener::bind(("127.0.0.1", port)).await?.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        eprintln!("bench-axum-router listening on 127.0.0.1:{port}");
        axum::serve(listener, app).await
    })
}
