//! An [`App`] as a `tower::Service`.

use std::convert::Infallible;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http_body::Body as HttpBody;
use rejoinder_core::{BoxError, ResBody};

use crate::app::App;
use crate::handler::BoxFuture;
use crate::request::RequestBody;

impl<B> tower_service::Service<http::Request<B>> for App
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResBody>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        use futures_util::FutureExt;
        Box::pin(self.handle(req.map(RequestBody::new)).map(Ok))
    }
}
