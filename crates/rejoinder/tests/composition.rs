//! Routing that grows with an app: nested and merged routers, middleware
//! per route and per router, body limits per route, typed app state.

use std::sync::{Arc, Mutex};

use rejoinder::testing::TestClient;
use rejoinder::{middleware_fn, App, Context, HttpError, Next, Router};

async fn tag(ctx: &mut Context, next: Next<'_>) {
    next.run(ctx).await;
    ctx.res.append("x-seen-by", "users-router").unwrap();
}

async fn admin_only(ctx: &mut Context, next: Next<'_>) -> Result<(), HttpError> {
    if ctx.req.header("x-admin") != Some("yes") {
        return Err(HttpError::forbidden("admins only"));
    }
    next.run(ctx).await;
    Ok(())
}

fn users() -> Router {
    Router::new()
        .get("/", async |_: &mut Context| "all users")
        .get("/{id}", async |ctx: &mut Context| {
            let id = ctx.param("id").unwrap_or_default().to_owned();
            let link = ctx.url_for("users.show", &[("id", &id)]).unwrap();
            format!("user {id} at {link}")
        })
        .name("users.show")
        .delete("/{id}", async |_: &mut Context| "deleted")
        .route_middleware(admin_only)
        .middleware(tag)
        .fallback(async |ctx: &mut Context| format!("no user route for {}", ctx.req.path()))
}

fn app() -> App {
    let health = Router::new().get("/health", async |_: &mut Context| "ok");
    let router = Router::new()
        .get("/", async |_: &mut Context| "home")
        .nest("/api/users", users())
        .merge(health);
    App::new().router(router)
}

async fn call(method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<String>) {
    let client = TestClient::new(app());
    let mut req = client.request(method.parse().unwrap(), path);
    for (n, v) in headers {
        req = req.header(n, v);
    }
    let res = req.send().await;
    let seen = res
        .headers()
        .get_all("x-seen-by")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (res.status().as_u16(), res.text(), seen)
}

#[tokio::test]
async fn nested_routes_answer_under_their_prefix_with_their_names() {
    assert_eq!(call("GET", "/api/users", &[]).await.1, "all users");
    let (status, text, seen) = call("GET", "/api/users/7", &[]).await;
    assert_eq!((status, text.as_str()), (200, "user 7 at /api/users/7"));
    assert_eq!(seen, ["users-router"]);
    assert_eq!(call("GET", "/", &[]).await.1, "home");
    // The nested router's middleware stays with its routes.
    assert!(call("GET", "/", &[]).await.2.is_empty());
}

#[tokio::test]
async fn a_nested_fallback_answers_under_its_prefix_only() {
    let (status, text, _) = call("GET", "/api/users/7/posts", &[]).await;
    assert_eq!(
        (status, text.as_str()),
        (200, "no user route for /api/users/7/posts")
    );
    assert_eq!(call("GET", "/elsewhere", &[]).await.0, 404);
}

#[tokio::test]
async fn route_middleware_guards_one_route() {
    let (status, text, seen) = call("DELETE", "/api/users/7", &[]).await;
    assert_eq!(status, 403);
    assert!(text.contains("admins only"));
    // The router's middleware still wraps the refused route.
    assert_eq!(seen, ["users-router"]);
    let (status, text, _) = call("DELETE", "/api/users/7", &[("x-admin", "yes")]).await;
    assert_eq!((status, text.as_str()), (200, "deleted"));
    // GET on the same path is not guarded.
    assert_eq!(call("GET", "/api/users/7", &[]).await.0, 200);
}

#[tokio::test]
async fn merged_routes_and_405() {
    assert_eq!(call("GET", "/health", &[]).await.1, "ok");
    let client = TestClient::new(app());
    let res = client.post("/health").send().await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn router_middleware_runs_for_every_request_it_handles() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let router = Router::new()
        .get("/a", async |_: &mut Context| "a")
        .middleware(middleware_fn(move |ctx, next| {
            let s = s.clone();
            Box::pin(async move {
                next.run(ctx).await;
                s.lock()
                    .unwrap()
                    .push(format!("{} {}", ctx.req.path(), ctx.res.status().as_u16()));
            })
        }));
    let client = TestClient::new(App::new().router(router));
    client.get("/a").send().await;
    client.post("/a").send().await;
    client.get("/nowhere").send().await;
    assert_eq!(*seen.lock().unwrap(), ["/a 200", "/a 405", "/nowhere 404"]);
}

#[test]
#[should_panic(expected = "both merged routers have a fallback")]
fn two_fallbacks_cannot_merge() {
    let a = Router::new().fallback(async |_: &mut Context| {});
    let b = Router::new().fallback(async |_: &mut Context| {});
    let _ = a.merge(b);
}

#[test]
#[should_panic(expected = "GET \"/api/x\" is routed twice")]
fn a_nested_route_that_conflicts_panics() {
    let inner = Router::new().get("/x", async |_: &mut Context| {});
    let _ = Router::new()
        .get("/api/x", async |_: &mut Context| {})
        .nest("/api", inner);
}

#[derive(Clone)]
struct Greeting(String);

#[derive(Clone)]
struct Visits(Arc<Mutex<u32>>);

#[tokio::test]
async fn app_state_is_shared_by_every_request() {
    let visits = Visits(Arc::default());
    let app = App::new()
        .state(Greeting("hello".into()))
        .state(visits.clone())
        .handler(async |ctx: &mut Context| {
            let greeting = ctx.app_state::<Greeting>().unwrap().0.clone();
            let n = {
                let mut v = ctx.app_state::<Visits>().unwrap().0.lock().unwrap();
                *v += 1;
                *v
            };
            let missing = ctx.app_state::<u64>().is_none();
            format!("{greeting} #{n} missing={missing}")
        });
    let client = TestClient::new(app);
    assert_eq!(client.get("/").send().await.text(), "hello #1 missing=true");
    assert_eq!(client.get("/").send().await.text(), "hello #2 missing=true");
    assert_eq!(*visits.0.lock().unwrap(), 2);
}
