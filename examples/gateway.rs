//! A small API gateway: rejoinder in front of one or more upstream
//! services, with a Kong-style auth plugin and a header rewrite.
//!
//! ```text
//! PORT=8080 UPSTREAM=http://127.0.0.1:9001,http://127.0.0.1:9002 \
//!     UPSTREAM_TIMEOUT_MS=5000 cargo run -p rejoinder-proxy --example gateway
//! ```
//!
//! - `/api/*`: proxied to the upstreams (round robin), the path kept;
//!   every proxied response gets `X-Served-By: rejoinder-gateway`.
//! - `/private/*`: `401` with `WWW-Authenticate: Bearer realm="gateway"`
//!   (a Kong-style `exit`) unless the request carries
//!   `Authorization: Bearer letmein`, then proxied like `/api/*`.
//! - anything else: `404` through `error()` (JSON, HTML, XML or text by
//!   Accept).

use std::time::Duration;

use rejoinder::{Abort, App, BoxFuture, Context, Handler, Router, Source, NO_HEADERS};
use rejoinder_proxy::{Proxy, Timeouts, Upstreams};

/// Kong's auth plugins in one line each: check a credential in the
/// `access` phase, `exit` before anything is proxied.
struct BearerAuth {
    token: &'static str,
    inner: Proxy,
}

impl Handler for BearerAuth {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let expected = format!("Bearer {}", self.token);
            if ctx.req.header("authorization") != Some(expected.as_str()) {
                let Err(abort) = ctx.exit(
                    401,
                    serde_json::json!({ "message": "Unauthorized" }),
                    [("WWW-Authenticate", "Bearer realm=\"gateway\"")],
                );
                ctx.res = rejoinder::IntoResponse::into_response(abort);
                return;
            }
            self.inner.call(ctx).await;
        })
    }
}

/// The gateway's app for these upstreams and first-byte timeout.
fn gateway(upstreams: Upstreams, first_byte: Duration) -> App {
    let proxy = Proxy::new(upstreams).timeouts(Timeouts {
        first_byte,
        ..Timeouts::default()
    });
    let router = Router::new()
        .mount("/api", proxy.clone())
        .mount(
            "/private",
            BearerAuth {
                token: "letmein",
                inner: proxy,
            },
        )
        .fallback(async |ctx: &mut Context| -> Result<(), Abort> {
            ctx.error(404, (), NO_HEADERS)?;
            Ok(())
        });
    App::new().router(router).header_filter(|res| {
        // Kong's header_filter: only the responses the service produced.
        if res.source() == Source::Service {
            res.set("X-Served-By", "rejoinder-gateway")?;
        }
        Ok(())
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let list = std::env::var("UPSTREAM").unwrap_or_else(|_| "http://127.0.0.1:9000".into());
    let upstreams = Upstreams::parse(&list)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let timeout_ms: u64 = std::env::var("UPSTREAM_TIMEOUT_MS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(5000);
    eprintln!("gateway on 0.0.0.0:{port} -> {list} (first byte within {timeout_ms} ms)");
    gateway(upstreams, Duration::from_millis(timeout_ms))
        .listen(("0.0.0.0", port))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rejoinder::testing::TestServer;

    /// An upstream that answers every request with its path.
    async fn upstream() -> TestServer {
        let app = App::new()
            .handler(async |ctx: &mut Context| format!("upstream saw {}", ctx.req.path()));
        TestServer::start(app).await
    }

    async fn get(url: &str, auth: Option<&str>) -> (u16, Vec<(String, String)>, String) {
        let mut stream = tokio::net::TcpStream::connect(
            url.trim_start_matches("http://").split('/').next().unwrap(),
        )
        .await
        .unwrap();
        let path = format!(
            "/{}",
            url.trim_start_matches("http://").split_once('/').unwrap().1
        );
        let auth = auth
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        let req = format!("GET {path} HTTP/1.1\r\nHost: gw\r\n{auth}Connection: close\r\n\r\n");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
            .collect();
        (status, headers, body.to_owned())
    }

    fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[tokio::test]
    async fn the_gateway_routes() {
        let upstream = upstream().await;
        let ups = Upstreams::parse(&upstream.url("")).unwrap();
        let gw = TestServer::start(gateway(ups, Duration::from_secs(5))).await;

        let (status, h, body) = get(&gw.url("/api/users/7"), None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&h, "x-served-by"), Some("rejoinder-gateway"));
        assert_eq!(body, "upstream saw /api/users/7");

        let (status, h, body) = get(&gw.url("/private/report"), None).await;
        assert_eq!(status, 401);
        assert_eq!(
            header(&h, "www-authenticate"),
            Some("Bearer realm=\"gateway\"")
        );
        assert_eq!(header(&h, "x-served-by"), None);
        assert_eq!(body, r#"{"message":"Unauthorized"}"#);

        let (status, h, body) = get(&gw.url("/private/report"), Some("Bearer letmein")).await;
        assert_eq!(status, 200);
        assert_eq!(header(&h, "x-served-by"), Some("rejoinder-gateway"));
        assert_eq!(body, "upstream saw /private/report");

        let (status, h, body) = get(&gw.url("/elsewhere"), None).await;
        assert_eq!(status, 404);
        assert_eq!(header(&h, "x-served-by"), None);
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["message"], "Not found");
    }
}
