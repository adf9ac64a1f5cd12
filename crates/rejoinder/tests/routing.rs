//! Routing end to end: named routes and `url_for` round trips, path
//! parameters read back percent-decoded, 404 and 405 with `Allow`, HEAD
//! served by the GET handler, and one path routed for several methods.

use std::collections::BTreeSet;

use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{handler_fn, App, Context, Handler, HttpError, Router};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Echoes the named parameters of the matched route as a JSON object.
fn echo(names: &'static [&'static str]) -> impl Handler {
    handler_fn(move |ctx| {
        let mut map = serde_json::Map::new();
        for n in names {
            map.insert(
                (*n).to_owned(),
                ctx.param(n)
                    .map_or(Value::Null, |v| Value::String(v.into())),
            );
        }
        ctx.res.set_body(Value::Object(map));
        Box::pin(std::future::ready(()))
    })
}

/// Builds the URL of a named route from the query `?name=..&k=v&..` and
/// sends it back as text (or the `UrlError` as a 500 text body).
async fn build(ctx: &mut Context) {
    let query = ctx.req.query_string().unwrap_or("").to_owned();
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                rejoinder::uri::percent_decode(k),
                rejoinder::uri::percent_decode(v),
            )
        })
        .collect();
    let name = pairs
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let params: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "name")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    match ctx.url_for(&name, &params) {
        Ok(url) => {
            ctx.res.set_body(url);
        }
        Err(e) => {
            ctx.res.set_status(500).unwrap();
            ctx.res.set_body(format!("ERR {e}"));
        }
    }
}

/// The app every routing test talks to.
fn app() -> App {
    let router = Router::new()
        .get("/", async |ctx: &mut Context| {
            ctx.res.set_body("home");
        })
        .name("home")
        .get("/users/{id}", echo(&["id"]))
        .name("users.show")
        .get("/orgs/{org}/repos/{repo}", echo(&["org", "repo"]))
        .name("repos.show")
        .get("/files/{*rest}", echo(&["rest"]))
        .name("files")
        .get("/build", build)
        .get("/items", async |ctx: &mut Context| {
            ctx.res.set_body("list of items");
        })
        .post("/items", async |ctx: &mut Context| {
            ctx.res.set_status(201).unwrap();
            ctx.res.set_body("created");
        })
        .delete("/items/{id}", async |ctx: &mut Context| {
            let id = ctx.param("id").unwrap_or_default().to_owned();
            ctx.res.set_body(format!("deleted {id}"));
        })
        .get("/only-get", async |ctx: &mut Context| {
            ctx.res.set_body(json!({"a": 1, "b": "two"}));
        })
        .post("/only-post", async |ctx: &mut Context| {
            ctx.res.set_body("posted");
        });
    App::new().router(router)
}

/// Asks the app (in process) to build a URL; `Ok(url)` or `Err(message)`.
async fn url_for(
    client: &TestClient,
    name: &str,
    params: &[(&str, &str)],
) -> Result<String, String> {
    let mut q = format!("name={}", rejoinder::uri::encode_component(name));
    for (k, v) in params {
        q.push_str(&format!(
            "&{}={}",
            rejoinder::uri::encode_component(k),
            rejoinder::uri::encode_component(v)
        ));
    }
    let res = client.get(&format!("/build?{q}")).send().await;
    match res.status().as_u16() {
        200 => Ok(res.text()),
        500 => Err(res
            .text()
            .strip_prefix("ERR ")
            .expect("an UrlError message")
            .to_owned()),
        other => panic!("unexpected status {other}: {}", res.text()),
    }
}

fn allow_set(value: &str) -> BTreeSet<String> {
    value.split(',').map(|m| m.trim().to_owned()).collect()
}

// ---------------------------------------------------------------------------
// Named routes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn url_for_plain_params() {
    let client = TestClient::new(app());
    assert_eq!(url_for(&client, "home", &[]).await.unwrap(), "/");
    assert_eq!(
        url_for(&client, "users.show", &[("id", "42")])
            .await
            .unwrap(),
        "/users/42"
    );
    assert_eq!(
        url_for(&client, "repos.show", &[("repo", "web"), ("org", "acme")])
            .await
            .unwrap(),
        "/orgs/acme/repos/web",
        "parameters are matched by name, not position"
    );
    // Extra parameters are ignored.
    assert_eq!(
        url_for(&client, "users.show", &[("id", "7"), ("unused", "x")])
            .await
            .unwrap(),
        "/users/7"
    );
}

#[tokio::test]
async fn url_for_percent_encodes_and_the_handler_reads_the_original_back() {
    let srv = TestServer::start(app()).await;
    let client = TestClient::new(app());
    for (id, expected_url) in [
        ("a b/c", "/users/a%20b%2Fc"),
        ("ünï©ødé", "/users/%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9"),
        ("100%", "/users/100%25"),
        ("q?x=1#frag", "/users/q%3Fx%3D1%23frag"),
        ("it's-(ok)_~.!*", "/users/it's-(ok)_~.!*"),
        ("日本", "/users/%E6%97%A5%E6%9C%AC"),
    ] {
        let url = url_for(&client, "users.show", &[("id", id)]).await.unwrap();
        assert_eq!(url, expected_url, "{id:?}");
        // Over the wire: the URL routes back to the same route, and the
        // parameter the handler reads equals the original value.
        let wire = raw::send(srv.addr(), "GET", &url, &[]).await;
        assert_eq!(wire.status, 200, "{url}: {}", wire.text());
        let body: Value = serde_json::from_slice(&wire.body).unwrap();
        assert_eq!(body, json!({"id": id}), "{url}");
        // And in process.
        let res = client.get(&url).send().await;
        assert_eq!(res.json::<Value>(), json!({"id": id}), "{url}");
    }
}

#[tokio::test]
async fn url_for_two_params_round_trip() {
    let srv = TestServer::start(app()).await;
    let client = TestClient::new(app());
    let url = url_for(&client, "repos.show", &[("org", "a&b"), ("repo", "c d/é")])
        .await
        .unwrap();
    assert_eq!(url, "/orgs/a%26b/repos/c%20d%2F%C3%A9");
    let wire = raw::send(srv.addr(), "GET", &url, &[]).await;
    assert_eq!(wire.status, 200);
    let body: Value = serde_json::from_slice(&wire.body).unwrap();
    assert_eq!(body, json!({"org": "a&b", "repo": "c d/é"}));
}

#[tokio::test]
async fn catch_all_keeps_slashes_and_encodes_each_segment() {
    let srv = TestServer::start(app()).await;
    let client = TestClient::new(app());
    for (rest, expected_url) in [
        ("docs/readme.md", "/files/docs/readme.md"),
        ("docs/a b/ü.txt", "/files/docs/a%20b/%C3%BC.txt"),
        ("x/y?z#w/100%", "/files/x/y%3Fz%23w/100%25"),
    ] {
        let url = url_for(&client, "files", &[("rest", rest)]).await.unwrap();
        assert_eq!(url, expected_url, "{rest:?}");
        let wire = raw::send(srv.addr(), "GET", &url, &[]).await;
        assert_eq!(wire.status, 200, "{url}");
        let body: Value = serde_json::from_slice(&wire.body).unwrap();
        assert_eq!(body, json!({"rest": rest}), "{url}");
    }
}

#[tokio::test]
async fn url_for_missing_param_is_an_error() {
    let client = TestClient::new(app());
    let err = url_for(&client, "repos.show", &[("org", "acme")])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        "route \"repos.show\" needs the parameter \"repo\", which was not given"
    );
    let err = url_for(&client, "files", &[]).await.unwrap_err();
    assert!(err.contains("\"rest\""), "{err}");
}

#[tokio::test]
async fn url_for_unknown_name_lists_the_known_names() {
    let client = TestClient::new(app());
    let err = url_for(&client, "users.edit", &[("id", "1")])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        "no route is named \"users.edit\"; named routes: files, home, repos.show, users.show"
    );
}

#[tokio::test]
async fn url_error_values_seen_by_the_handler() {
    let app = App::new().router(
        Router::new()
            .get("/u/{id}", async |_: &mut Context| {})
            .name("u")
            .get("/check", async |ctx: &mut Context| {
                let unknown = ctx.url_for("nope", &[]).unwrap_err();
                assert!(unknown.is_unknown_route());
                assert_eq!(unknown.known_routes(), ["u"]);
                assert!(unknown.to_string().contains("named routes: u"), "{unknown}");
                let missing = ctx.url_for("u", &[]).unwrap_err();
                assert!(missing.is_missing_param());
                assert_eq!(missing.missing_param(), Some("id"));
                assert!(missing
                    .to_string()
                    .starts_with("route \"u\" needs the parameter \"id\""));
                // It is a std error, so `?` turns it into an HttpError (500).
                let as_http: HttpError = missing.into();
                assert_eq!(as_http.status(), 500);
                ctx.res.set_body("checked");
            }),
    );
    let res = TestClient::new(app).get("/check").send().await;
    assert_eq!((res.status().as_u16(), res.text()), (200, "checked".into()));
}

#[tokio::test]
async fn url_for_without_a_router_knows_no_names() {
    let app = App::new().handler(async |ctx: &mut Context| {
        let err = ctx.url_for("home", &[]).unwrap_err();
        ctx.res.set_body(err.to_string());
    });
    let res = TestClient::new(app).get("/").send().await;
    assert_eq!(res.text(), "no route is named \"home\"; named routes: ");
}

// ---------------------------------------------------------------------------
// 404, 405, HEAD, several methods
// ---------------------------------------------------------------------------

#[tokio::test]
async fn no_route_is_404() {
    let srv = TestServer::start(app()).await;
    for path in [
        "/nope",
        "/users",
        "/users/1/extra",
        "/orgs/a/repos",
        "/files",
    ] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 404, "{path}");
        assert_eq!(wire.text(), "Not Found", "{path}");
        assert!(wire.header("allow").is_none(), "{path}");
    }
    // Other methods on unknown paths are 404 too, not 405.
    let wire = raw::send(srv.addr(), "POST", "/nope", &[("Content-Length", "0")]).await;
    assert_eq!(wire.status, 404);
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let srv = TestServer::start(app()).await;
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let wire = raw::send(srv.addr(), method, "/only-get", &[("Content-Length", "0")]).await;
        assert_eq!(wire.status, 405, "{method}");
        assert_eq!(wire.reason, "Method Not Allowed");
        assert_eq!(wire.header("allow"), Some("GET, HEAD"), "{method}");
        assert_eq!(wire.text(), "Method Not Allowed");
    }
    // Parameterized routes too.
    let wire = raw::send(srv.addr(), "POST", "/users/42", &[("Content-Length", "0")]).await;
    assert_eq!(wire.status, 405);
    assert_eq!(wire.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn allow_lists_every_routed_method() {
    let srv = TestServer::start(app()).await;
    let wire = raw::send(srv.addr(), "DELETE", "/items", &[]).await;
    assert_eq!(wire.status, 405);
    assert_eq!(
        allow_set(wire.header("allow").unwrap()),
        allow_set("GET, HEAD, POST")
    );
    // A POST-only route: no GET, so no HEAD either.
    let wire = raw::send(srv.addr(), "GET", "/only-post", &[]).await;
    assert_eq!(wire.status, 405);
    assert_eq!(wire.header("allow"), Some("POST"));
    let wire = raw::send(srv.addr(), "HEAD", "/only-post", &[]).await;
    assert_eq!(wire.status, 405);
    assert_eq!(wire.header("allow"), Some("POST"));
    assert!(wire.body.is_empty());
    // DELETE-only parameterized route.
    let wire = raw::send(srv.addr(), "GET", "/items/3", &[]).await;
    assert_eq!(wire.status, 405);
    assert_eq!(wire.header("allow"), Some("DELETE"));
}

#[tokio::test]
async fn head_is_served_by_the_get_handler_without_a_body() {
    let srv = TestServer::start(app()).await;
    for path in ["/only-get", "/items", "/users/a%20b", "/files/x/y.txt"] {
        let get = raw::send(srv.addr(), "GET", path, &[]).await;
        let head = raw::send(srv.addr(), "HEAD", path, &[]).await;
        assert_eq!(get.status, 200, "{path}");
        assert_eq!(head.status, 200, "{path}");
        let len = get.header("content-length").expect("GET has a length");
        assert_eq!(len, get.body.len().to_string(), "{path}");
        assert_eq!(head.header("content-length"), Some(len), "{path}");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
        assert!(head.body.is_empty(), "{path}: {:?}", head.text());
        // Nothing at all after the head on the wire.
        assert!(head.raw.ends_with(b"\r\n\r\n"), "{path}");
    }
}

#[tokio::test]
async fn same_path_different_methods_reach_their_own_handler() {
    let srv = TestServer::start(app()).await;
    let get = raw::send(srv.addr(), "GET", "/items", &[]).await;
    assert_eq!((get.status, get.text().as_str()), (200, "list of items"));
    let post = raw::send(srv.addr(), "POST", "/items", &[("Content-Length", "0")]).await;
    assert_eq!((post.status, post.text().as_str()), (201, "created"));
    let del = raw::send(srv.addr(), "DELETE", "/items/9", &[]).await;
    assert_eq!((del.status, del.text().as_str()), (200, "deleted 9"));
}

#[tokio::test]
async fn routes_added_with_route_and_a_custom_method() {
    let router = Router::new()
        .route(
            rejoinder::http::Method::GET,
            "/thing",
            async |ctx: &mut Context| {
                ctx.res.set_body("get");
            },
        )
        .put("/thing", async |ctx: &mut Context| {
            ctx.res.set_body("put");
        })
        .patch("/thing", async |ctx: &mut Context| {
            ctx.res.set_body("patch");
        })
        .options("/thing", async |ctx: &mut Context| {
            ctx.res.set_body("options");
        });
    let client = TestClient::new(App::new().router(router));
    for (method, body) in [
        (rejoinder::http::Method::GET, "get"),
        (rejoinder::http::Method::PUT, "put"),
        (rejoinder::http::Method::PATCH, "patch"),
        (rejoinder::http::Method::OPTIONS, "options"),
    ] {
        let res = client.request(method.clone(), "/thing").send().await;
        assert_eq!(
            (res.status().as_u16(), res.text()),
            (200, body.into()),
            "{method}"
        );
    }
    let res = client.post("/thing").send().await;
    assert_eq!(res.status(), 405);
    assert_eq!(
        allow_set(res.header("allow").unwrap()),
        allow_set("GET, HEAD, PUT, PATCH, OPTIONS")
    );
}

#[test]
#[should_panic(expected = "routed twice")]
fn routing_a_method_twice_panics() {
    let _ = Router::new()
        .get("/a", async |_: &mut Context| {})
        .get("/a", async |_: &mut Context| {});
}

#[test]
#[should_panic(expected = "used twice")]
fn naming_two_routes_alike_panics() {
    let _ = Router::new()
        .get("/a", async |_: &mut Context| {})
        .name("x")
        .get("/b", async |_: &mut Context| {})
        .name("x");
}

// ---------------------------------------------------------------------------
// Mounts
// ---------------------------------------------------------------------------

/// Answers with the method, the mounted path and the path parameters.
async fn mounted(ctx: &mut Context) -> String {
    format!(
        "{} {:?} tenant={:?} tail={:?}",
        ctx.req.method(),
        ctx.mounted_path(),
        ctx.param("tenant"),
        ctx.param("__rejoinder_mount_tail"),
    )
}

#[tokio::test]
async fn a_mount_takes_every_method_for_its_prefix_and_below() {
    let router = Router::new()
        .get("/files/readme", async |_: &mut Context| "a route")
        .mount("/files", mounted)
        .mount("/{tenant}/assets/", mounted)
        .nest("/v1", Router::new().mount("/blobs", mounted));
    assert_eq!(
        router.route_list(),
        [
            "GET /files/readme",
            "* /files",
            "* /{tenant}/assets",
            "* /v1/blobs"
        ]
    );
    let client = TestClient::new(App::new().router(router));
    let text = |res: rejoinder::testing::TestResponse| res.text();
    for (method, path, expected) in [
        ("GET", "/files", "GET Some(\"\") tenant=None tail=None"),
        ("GET", "/files/", "GET Some(\"/\") tenant=None tail=None"),
        (
            "PUT",
            "/files/a%20b/c",
            "PUT Some(\"/a%20b/c\") tenant=None tail=None",
        ),
        (
            "DELETE",
            "/files//x",
            "DELETE Some(\"//x\") tenant=None tail=None",
        ),
        (
            "GET",
            "/acme/assets/app.js",
            "GET Some(\"/app.js\") tenant=Some(\"acme\") tail=None",
        ),
        // The prefix itself: its parameter alone, no tail.
        (
            "GET",
            "/acme/assets",
            "GET Some(\"\") tenant=Some(\"acme\") tail=None",
        ),
        (
            "OPTIONS",
            "/v1/blobs/7",
            "OPTIONS Some(\"/7\") tenant=None tail=None",
        ),
    ] {
        let method = http::Method::from_bytes(method.as_bytes()).unwrap();
        let res = client.request(method, path).send().await;
        assert_eq!(text(res), expected, "{path}");
    }
    // A route below the prefix is more specific; a look-alike is not below.
    assert_eq!(text(client.get("/files/readme").send().await), "a route");
    assert_eq!(client.get("/filesx").send().await.status(), 404);
    assert_eq!(client.get("/v1/blobsy/1").send().await.status(), 404);
    // At the root, and at a prefix spelled with an escape: the mounted
    // path is what follows the prefix as the request spells it.
    let client = TestClient::new(
        App::new().router(Router::new().mount("/a%20b", mounted).mount("/", mounted)),
    );
    for (path, expected) in [
        ("/", "GET Some(\"/\") tenant=None tail=None"),
        ("/p/q?r=1", "GET Some(\"/p/q\") tenant=None tail=None"),
        ("/a%20b", "GET Some(\"\") tenant=None tail=None"),
        ("/a%20b/c", "GET Some(\"/c\") tenant=None tail=None"),
    ] {
        assert_eq!(text(client.get(path).send().await), expected, "{path}");
    }
    // HEAD reaches the mount too, without a body on the wire.
    let srv = TestServer::start(App::new().router(Router::new().mount("/m", mounted))).await;
    let wire = raw::send(srv.addr(), "HEAD", "/m/x", &[]).await;
    assert_eq!(wire.status, 200);
    assert!(wire.body.is_empty());
}

#[tokio::test]
async fn app_mounts_come_before_the_router_longest_prefix_first() {
    let app = App::new()
        .router(
            Router::new()
                .get("/", async |_: &mut Context| "home")
                .get("/a/b", echo(&[])),
        )
        .mount("/a", async |_: &mut Context| "mount a")
        .mount("/a/b/", async |_: &mut Context| "mount a/b")
        .mount("/", mounted);
    let client = TestClient::new(app);
    for (path, expected) in [
        ("/a", "mount a"),
        ("/a/x", "mount a"),
        ("/a/b", "mount a/b"),
        ("/a/b/c", "mount a/b"),
        ("/ab", "GET Some(\"/ab\") tenant=None tail=None"),
        ("/", "GET Some(\"/\") tenant=None tail=None"),
    ] {
        assert_eq!(client.get(path).send().await.text(), expected, "{path}");
    }
}

#[test]
#[should_panic(expected = "is mounted twice")]
fn mounting_an_app_prefix_twice_panics() {
    let _ = App::new()
        .mount("/a", async |_: &mut Context| "one")
        .mount("/a/", async |_: &mut Context| "two");
}

#[test]
#[should_panic(expected = "cannot route GET \"/m\": a handler is mounted there")]
fn routing_onto_a_mount_panics() {
    let _ = Router::new()
        .mount("/m", async |_: &mut Context| "m")
        .get("/m", async |_: &mut Context| "route");
}

#[tokio::test]
async fn routes_list_names_descriptions_groups_and_examples_through_nest() {
    let api = Router::new()
        .get("/items/{id}", echo(&["id"]))
        .name("items.show")
        .describe("one item")
        .example("/items/3");
    let router = Router::new()
        .group("Pages")
        .get("/", async |_: &mut Context| "home")
        .describe("the home page")
        .post("/", async |_: &mut Context| "posted")
        .group("API")
        .nest("/api", api)
        .mount("/static", async |_: &mut Context| "a file")
        .describe("static files")
        .example("/static/app.css");
    let routes = router.routes();
    let rows: Vec<_> = routes
        .iter()
        .map(|r| {
            (
                r.method.as_ref().map(|m| m.to_string()),
                r.pattern.as_str(),
                r.name.as_deref(),
                r.description.as_deref(),
                r.group.as_deref(),
                r.link(),
            )
        })
        .collect();
    let get = Some("GET".to_owned());
    assert_eq!(
        rows,
        [
            (
                get.clone(),
                "/",
                None,
                Some("the home page"),
                Some("Pages"),
                Some("/")
            ),
            (
                Some("POST".to_owned()),
                "/",
                None,
                None,
                Some("Pages"),
                None
            ),
            (
                get,
                "/api/items/{id}",
                Some("items.show"),
                Some("one item"),
                Some("API"),
                Some("/api/items/3")
            ),
            (
                None,
                "/static",
                None,
                Some("static files"),
                Some("API"),
                Some("/static/app.css")
            ),
        ]
    );
    // The list and the routing agree: what it lists is served.
    assert_eq!(routes.len(), router.route_list().len());
    let client = TestClient::new(App::new().router(router));
    assert_eq!(
        client.get("/api/items/3").send().await.text(),
        r#"{"id":"3"}"#
    );
}

#[test]
#[should_panic(expected = "describe() follows the route or mount it applies to")]
fn describe_before_any_route_panics() {
    let _ = Router::new().describe("nothing to describe");
}
