//! tower-http's `ServeDir` (feature "fs"), the peer of rejoinder's
//! `fs::ServeDir` in files.sh.
//!
//! Usage: `bench-servedir PORT DIR`. It is driven by the same connection
//! builder rejoinder uses (`hyper_util::server::conn::auto::Builder` +
//! `TokioExecutor`), with no router in front, so the numbers are ServeDir's
//! own. ServeDir's defaults: 64 KiB read chunks through `tokio::fs`, whose
//! reads run on tokio's blocking-pool threads (same process, so files.sh
//! counts their CPU too).

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    let dir = rejoinder_bench::files_dir();
    rejoinder_bench::runtime()?.block_on(async move {
        let service = TowerToHyperService::new(ServeDir::new(&dir));
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        eprintln!(
            "bench-servedir serving {} on 127.0.0.1:{port}",
            dir.display()
        );
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    eprintln!("accept error: {e}");
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let service = service.clone();
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
