//! Typed query strings and path parameters: decoded by the crates that do
//! it, refused with a 400 that names what was wrong.

use rejoinder::testing::TestClient;
use rejoinder::{App, Context, HttpError, Router};
use serde::Deserialize;

#[derive(Deserialize, Debug)]
struct Search {
    q: String,
    page: Option<u32>,
    tags: Option<String>,
}

fn client() -> TestClient {
    let router = Router::new()
        .get("/search", async |ctx: &mut Context| {
            let s: Search = ctx.req.query()?;
            Ok::<_, HttpError>(format!("{:?}|{:?}|{:?}", s.q, s.page, s.tags))
        })
        .get("/param", async |ctx: &mut Context| {
            let k = ctx.req.query_param("k").map(|v| v.into_owned());
            format!("{k:?}")
        })
        .get("/users/{id}", async |ctx: &mut Context| {
            let id: u64 = ctx.param_as("id")?;
            Ok::<_, HttpError>(format!("user {id}"))
        })
        .get("/files/{*path}", async |ctx: &mut Context| {
            ctx.param("path").unwrap_or_default().to_owned()
        })
        .get("/wrong/{id}", async |ctx: &mut Context| {
            ctx.param_as::<u64>("nope").map(|n| n.to_string())
        });
    TestClient::new(App::new().router(router))
}

async fn get(path: &str) -> (u16, String) {
    let res = client().get(path).send().await;
    (res.status().as_u16(), res.text())
}

fn message(text: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_typed_query_is_decoded() {
    assert_eq!(
        get("/search?q=rust+web%21&page=2").await,
        (200, r#""rust web!"|Some(2)|None"#.into())
    );
    assert_eq!(
        get("/search?tags=a%2Cb&q=%E2%82%AC").await,
        (200, r#""€"|None|Some("a,b")"#.into())
    );
}

#[tokio::test]
async fn a_query_that_does_not_fit_is_a_400() {
    let (status, text) = get("/search?page=2").await;
    assert_eq!(status, 400);
    assert_eq!(
        message(&text),
        "Failed to deserialize the query string: missing field `q`"
    );
    let (status, text) = get("/search?q=x&page=two").await;
    assert_eq!(status, 400);
    assert!(message(&text).contains("invalid digit"), "{text}");
    // No query string at all is an empty one.
    assert_eq!(get("/search").await.0, 400);
}

#[tokio::test]
async fn one_query_parameter_decoded() {
    assert_eq!(get("/param?k=a+b%20c").await.1, r#"Some("a b c")"#);
    assert_eq!(get("/param?x=1&k=&k=2").await.1, r#"Some("")"#);
    assert_eq!(get("/param?x=1").await.1, "None");
    assert_eq!(get("/param").await.1, "None");
    // Invalid percent escapes are kept as written, never a panic.
    assert_eq!(get("/param?k=%zz%E2").await.1, r#"Some("%zz�")"#);
}

#[tokio::test]
async fn typed_path_parameters() {
    assert_eq!(get("/users/42").await, (200, "user 42".into()));
    let (status, text) = get("/users/forty-two").await;
    assert_eq!(status, 400);
    assert_eq!(
        message(&text),
        "Invalid path parameter `id` (\"forty-two\"): invalid digit found in string"
    );
    assert_eq!(get("/users/99999999999999999999").await.0, 400);
    assert_eq!(get("/files/a/b%20c.txt").await.1, "a/b c.txt");
}

#[tokio::test]
async fn asking_for_a_parameter_the_route_lacks_is_a_server_bug() {
    let (status, text) = get("/wrong/1").await;
    assert_eq!(status, 500);
    assert_eq!(message(&text), "An internal server error occurred");
}
