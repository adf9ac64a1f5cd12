//! Middleware that rewrites the handler's JSON after it ran: camelCase keys
//! become snake_case (Adonis's lazy-body example). The body is still a JSON
//! value when the middleware sees it, so nothing is parsed again.
//!
//! Run with `cargo run --example snake_case` and
//! `curl http://127.0.0.1:3001/user`.

use rejoinder::{App, Body, Context, Next};
use serde_json::Value;

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn snake_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let entries: Vec<(String, Value)> = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    snake_keys(&mut v);
                    (snake(&k), v)
                })
                .collect();
            map.extend(entries);
        }
        Value::Array(items) => items.iter_mut().for_each(snake_keys),
        _ => {}
    }
}

async fn snake_case_json(ctx: &mut Context, next: Next<'_>) {
    next.run(ctx).await;
    if let Some(doc) = ctx.res.body_mut().and_then(Body::as_json_mut) {
        snake_keys(doc);
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3001);
    println!("snake_case example on http://127.0.0.1:{port}/user");
    App::new()
        .middleware(snake_case_json)
        .handler(async |ctx: &mut Context| {
            ctx.res.set_body(serde_json::json!({
                "userName": "virk",
                "createdAt": "2020-01-01",
                "profile": {"avatarUrl": "/a.png", "socialLinks": [{"linkType": "site"}]}
            }));
        })
        .listen(("127.0.0.1", port))
        .await
}

#[cfg(test)]
mod tests {
    use rejoinder::testing::TestClient;

    #[tokio::test]
    async fn keys_become_snake_case() {
        let app = rejoinder::App::new()
            .middleware(super::snake_case_json)
            .handler(async |ctx: &mut rejoinder::Context| {
                ctx.res
                    .set_body(serde_json::json!({"userName": "v", "a": [{"bC": 1}]}));
            });
        let res = TestClient::new(app).get("/").send().await;
        assert_eq!(
            res.json::<serde_json::Value>(),
            serde_json::json!({"user_name": "v", "a": [{"b_c": 1}]})
        );
    }
}
