//! axum 0.8 peer: the same routes through `Router`.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
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

async fn mib() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/octet-stream")],
        axum::body::Bytes::from_static(&rejoinder_bench::MIB),
    )
}

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    rejoinder_bench::runtime()?.block_on(async move {
        let app = Router::new()
            .route("/plaintext", get(plaintext))
            .route("/json", get(json))
            .route("/1m", get(mib));
        // axum 0.8 leaves TCP_NODELAY off; set it like the other two do.
        let listener = TcpListener::bind(("127.0.0.1", port)).await?.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        eprintln!("bench-axum listening on 127.0.0.1:{port}");
        // axum::serve drives each connection with the same hyper-util
        // auto::Builder + TokioExecutor as the other two servers.
        axum::serve(listener, app).await
    })
}
