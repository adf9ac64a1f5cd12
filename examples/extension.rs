//! Extending the response (Adonis's macros and getters): an extension trait
//! adds `flash()`-style methods to `Response`, and typed per-request state
//! carries a value from a middleware to the handler.
//!
//! Run with `cargo run --example extension` and
//! `curl -i http://127.0.0.1:3002/`.

use rejoinder::{App, Context, Error, Next, Response};

/// Messages shown once on the next page, kept in a cookie.
pub trait FlashExt {
    /// Queues a one-time message under `key`.
    ///
    /// # Errors
    ///
    /// The message cannot be a cookie value.
    fn flash(&mut self, key: &str, message: &str) -> Result<&mut Self, Error>;

    /// The messages queued on this response.
    fn flashed(&self) -> Vec<String>;
}

impl FlashExt for Response {
    fn flash(&mut self, key: &str, message: &str) -> Result<&mut Self, Error> {
        let encoded = rejoinder::uri::encode_component(message);
        self.append(
            "Set-Cookie",
            format!("flash_{key}={encoded}; Path=/; HttpOnly; Max-Age=60"),
        )
    }

    fn flashed(&self) -> Vec<String> {
        self.get_all("set-cookie")
            .into_iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|c| c.starts_with("flash_"))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Typed per-request state: who is asking, set by a middleware.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub String);

async fn authenticate(ctx: &mut Context, next: Next<'_>) {
    let user = ctx.req.header("x-user").unwrap_or("guest").to_owned();
    ctx.insert_state(CurrentUser(user));
    next.run(ctx).await
}

async fn home(ctx: &mut Context) -> Result<(), Error> {
    let user = ctx
        .state::<CurrentUser>()
        .map_or("nobody".into(), |u| u.0.clone());
    ctx.res.flash("notice", &format!("welcome back, {user}"))?;
    let flashed = ctx.res.flashed();
    ctx.res
        .set_body(format!("hello {user}; flashed: {flashed:?}\n"));
    Ok(())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3002);
    println!("extension example on http://127.0.0.1:{port}/");
    App::new()
        .middleware(authenticate)
        .handler(home)
        .listen(("127.0.0.1", port))
        .await
}

#[cfg(test)]
mod tests {
    use rejoinder::testing::TestClient;

    #[tokio::test]
    async fn flash_and_state() {
        let app = rejoinder::App::new()
            .middleware(super::authenticate)
            .handler(super::home);
        let res = TestClient::new(app)
            .get("/")
            .header("x-user", "ada")
            .send()
            .await;
        assert_eq!(
            res.text(),
            "hello ada; flashed: [\"flash_notice=welcome%20back%2C%20ada\"]\n"
        );
        assert!(res
            .header("set-cookie")
            .unwrap()
            .starts_with("flash_notice=welcome%20back%2C%20ada;"));
    }
}
