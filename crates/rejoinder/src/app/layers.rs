//! Tower layers inside an app: [`App::layer`].
//!
//! The layers wrap the app's whole pipeline (middleware, handler, phases),
//! outermost last added, and the app stays an [`App`]: [`App::listen`] and
//! [`App::serve`] keep its limits and shutdown, the test client and
//! `App::handle` see the layers too. The stack is built once, on the first
//! request, from the app as it is then.
//!
//! A layer may change the request body type (tower-http's
//! `RequestBodyLimitLayer` hands on `Limited<RequestBody>`) and the response
//! body type (`CompressionLayer`); both are converted back at the edges
//! (boxed only when the type changed).
//!
//! # Examples
//!
//! ```
//! use rejoinder::{App, Context, Router};
//! use rejoinder::testing::TestClient;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let app = App::new()
//!     .router(Router::new().get("/", async |_: &mut Context| "hello"))
//!     .layer(tower::util::MapResponseLayer::new(|mut res: http::Response<rejoinder::ResBody>| {
//!         res.headers_mut().insert("x-layered", http::HeaderValue::from_static("yes"));
//!         res
//!     }));
//! let res = TestClient::new(app).get("/").send().await;
//! assert_eq!(res.header("x-layered"), Some("yes"));
//! # }
//! ```

use std::any::Any;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use rejoinder_core::{BoxError, HttpError, IntoResponse, ResBody};
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt};
use tower_service::Service;

use crate::app::{App, AppInner};
use crate::handler::BoxFuture;
use crate::request::RequestBody;

/// The app's pipeline with its layers, boxed once.
pub(crate) type Stack =
    BoxCloneSyncService<http::Request<RequestBody>, http::Response<ResBody>, BoxError>;

/// Wraps the stack so far in one more layer.
pub(crate) type AddLayer = Arc<dyn Fn(Stack) -> Stack + Send + Sync>;

impl App {
    /// Wraps the app in a tower layer (the last added is the outermost);
    /// see the [module docs](crate::layers). tower-http's layers —
    /// `CompressionLayer`, `CorsLayer`, `TimeoutLayer`, `TraceLayer`,
    /// `RequestBodyLimitLayer` and the rest — work as they do around any
    /// service. A layer's error becomes a 500.
    pub fn layer<L, B>(mut self, layer: L) -> Self
    where
        L: Layer<AnyBody<Stack>> + Send + Sync + 'static,
        L::Service: Service<http::Request<RequestBody>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<http::Request<RequestBody>>>::Future: Send + 'static,
        <L::Service as Service<http::Request<RequestBody>>>::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let add: AddLayer = Arc::new(move |inner: Stack| {
            let service = layer
                .layer(AnyBody(inner))
                .map_response(into_res_body)
                .map_err(Into::into);
            BoxCloneSyncService::new(service)
        });
        self.inner_mut().layers.push(add);
        self
    }

    /// The app's layered stack, built on first use.
    pub(crate) fn stack(&self) -> &Stack {
        self.inner.stack.get_or_init(|| {
            // The innermost service is this app without its layers.
            let bare = App {
                inner: Arc::new(AppInner {
                    layers: Vec::new(),
                    stack: std::sync::OnceLock::new(),
                    ..(*self.inner).clone()
                }),
            };
            let mut stack = BoxCloneSyncService::new(Pipeline(bare).map_err(BoxError::from));
            for add in &self.inner.layers {
                stack = add(stack);
            }
            stack
        })
    }
}

/// A layer's response body as the wire body (no box when it already is
/// one).
fn into_res_body<B>(res: http::Response<B>) -> http::Response<ResBody>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    res.map(|body| {
        let mut slot = Some(body);
        match (&mut slot as &mut dyn Any).downcast_mut::<Option<ResBody>>() {
            Some(same) => same.take().unwrap_or_default(),
            None => {
                let body = slot.take().expect("the body is still here");
                ResBody::boxed(Box::pin(body.map_err(Into::into)))
            }
        }
    })
}

/// A layer failed instead of answering: a 500, the error logged.
pub(crate) fn layer_failed(e: &BoxError) -> http::Response<ResBody> {
    tracing::error!(error = %e, "a tower layer failed; answering 500");
    let mut res = HttpError::internal(e.to_string()).into_response();
    res.finalize(&http::Method::GET, http::Version::HTTP_11)
        .response
}

/// The app's own pipeline as the innermost service.
#[derive(Clone)]
struct Pipeline(App);

impl Service<http::Request<RequestBody>> for Pipeline {
    type Response = http::Response<ResBody>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<RequestBody>) -> Self::Future {
        use futures_util::FutureExt;
        Box::pin(self.0.clone().run(req, None).map(Ok))
    }
}

/// The service a layer wraps: it takes a request with any body of bytes,
/// so layers that change the request body type fit.
#[derive(Clone, Debug)]
pub struct AnyBody<S>(S);

impl<S, B> Service<http::Request<B>> for AnyBody<S>
where
    S: Service<http::Request<RequestBody>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        self.0.call(req.map(RequestBody::new))
    }
}
