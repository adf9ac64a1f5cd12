//! hyper's connection for an [`App`]: what serves TLS connections, and a
//! plain-TCP connection once the inline path hands it over (see `inline`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use rejoinder_core::BoxError;

use super::conn::Finish;
use crate::app::App;
use crate::request::ConnectionInfo;

/// A connection that can be told to stop gracefully.
pub(super) trait Graceful {
    /// Finish the request in flight, take no other.
    fn graceful(self: Pin<&mut Self>);
}

impl<I, S, B> Graceful for auto::UpgradeableConnection<'static, I, S, TokioExecutor>
where
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<BoxError>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    B: http_body::Body + 'static,
    B::Error: Into<BoxError>,
    TokioExecutor: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn graceful(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// hyper's connection serving `app` on `io`. An app is one `Arc`, the
/// connection another: each request clones two pointers, and the request
/// keeps the second.
pub(super) fn app_connection<I>(
    builder: &auto::Builder<TokioExecutor>,
    io: I,
    app: App,
    info: ConnectionInfo,
    requests: Arc<super::conn::ConnState>,
) -> impl Future<Output = Result<(), BoxError>> + Graceful + Send
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
        let http1 = req.version() <= http::Version::HTTP_11;
        let finish = Finish::new(requests.begin(), http1);
        app.clone()
            .respond(req, Some(info.clone()), move |res| finish.apply(res))
    });
    builder
        .serve_connection_with_upgrades(io, service)
        .into_owned()
}
