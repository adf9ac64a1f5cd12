//! rejoinder-proxy: a reverse proxy whose answers are rejoinder responses.
//!
//! Kong's response PDK exists because Kong is a gateway: a response is
//! produced locally (`exit`, `error`) or proxied from a service, and plugins
//! inspect and rewrite both the same way. [`Proxy`] is the proxied half for
//! rejoinder: a [`Handler`](rejoinder::Handler) to mount on a router path,
//! whose upstream answer becomes the context's
//! [`Response`](rejoinder::Response) with
//! [`source()`](rejoinder::Response::source) `==`
//! [`Source::Service`](rejoinder::Source::Service). Late handlers, header
//! filters, body filters and log callbacks run on it exactly as on a local
//! response; the body streams through with backpressure both ways. A large
//! body that nothing on the way needs to read (no body filter, a plain-TCP
//! HTTP/1 client) is moved socket to socket by the kernel (`splice(2)`,
//! Linux; [`Proxy::splice`]).
//!
//! - [`Upstreams`]: targets (`http://` for HTTP/1.1, `h2c://` for HTTP/2
//!   with prior knowledge), round robin or least connections, passive
//!   health.
//! - [`Timeouts`], [`Pool`]: connect, first-byte and idle-body timeouts;
//!   pooled keep-alive connections (HTTP/1.1 on the crate's own client,
//!   h2c on hyper's).
//! - [`error`]: upstream failures as Kong answers them (502, 504, 503),
//!   rendered by [`Context::error`](rejoinder::Context::error).
//! - [`headers`]: hop-by-hop removal, `X-Forwarded-*`, `Forwarded`, `Via`.
//! - [`guide`]: writing Kong-style plugins around a proxy, side by side
//!   with Kong's PDK.
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder::{App, Router};
//! use rejoinder_proxy::{Proxy, Upstreams};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let upstreams = Upstreams::parse("http://127.0.0.1:9001,http://127.0.0.1:9002")
//!         .expect("upstream URLs");
//!     let router = Router::new().mount("/api", Proxy::new(upstreams));
//!     App::new()
//!         .router(router)
//!         .header_filter(|res| {
//!             res.set("X-Served-By", "rejoinder-gateway")?;
//!             Ok(())
//!         })
//!         .listen("127.0.0.1:8080")
//!         .await
//! }
//! ```

mod body;
mod client;
pub mod dot_segments;
mod download;
pub mod error;
pub mod guide;
mod h1;
pub mod headers;
mod outgoing;
mod pool;
mod proxy;
mod upgrade;
mod upstream;

pub use body::UpstreamBody;
pub use client::{Pool, Timeouts};
pub use download::IdleTimeout;
pub use error::UpstreamError;
pub use proxy::Proxy;
pub use upstream::{BadTarget, Balance, Health, Protocol, Target, Upstreams};
