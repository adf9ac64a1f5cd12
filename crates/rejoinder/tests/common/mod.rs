//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rejoinder::testing::{TestClient, TestServer};
use rejoinder::{handler_fn, App, Context, Error};

/// An app whose handler runs a synchronous closure over the context; an
/// `Err` from the closure is returned from the handler.
pub fn app<F>(f: F) -> App
where
    F: Fn(&mut Context) -> Result<(), Error> + Send + Sync + 'static,
{
    App::new().handler(handler_fn(move |ctx| {
        let result = f(ctx);
        Box::pin(async move { result })
    }))
}

/// A test client for such an app.
pub fn client<F>(f: F) -> TestClient
where
    F: Fn(&mut Context) -> Result<(), Error> + Send + Sync + 'static,
{
    TestClient::new(app(f))
}

/// A loopback server for such an app.
pub async fn server<F>(f: F) -> TestServer
where
    F: Fn(&mut Context) -> Result<(), Error> + Send + Sync + 'static,
{
    TestServer::start(app(f)).await
}
