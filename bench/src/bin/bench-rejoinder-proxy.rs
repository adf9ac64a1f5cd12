//! proxy.sh: rejoinder-proxy mounted at `/` of a rejoinder app, with its
//! defaults (hop-by-hop removal, X-Forwarded-*, Via, the phases).
//!
//! Usage: bench-rejoinder-proxy PORT http://UPSTREAM_HOST:PORT

use rejoinder::{App, Router};
use rejoinder_proxy::{Proxy, Upstreams};

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    let upstream = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "http://127.0.0.1:8081".into());
    let upstreams = Upstreams::parse(&upstream)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    rejoinder_bench::runtime()?.block_on(async move {
        let app = App::new().router(Router::new().mount("/", Proxy::new(upstreams)));
        eprintln!("bench-rejoinder-proxy listening on 127.0.0.1:{port} -> {upstream}");
        app.listen(("127.0.0.1", port)).await
    })
}
