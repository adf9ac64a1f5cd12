//! `ServeDir` end to end: its ETag and conditional requests, precompressed
//! siblings chosen by Accept-Encoding, directories (redirect, index, 404),
//! mounting with the prefix written once (`Router::mount`, `App::mount`),
//! HEAD, and the paths that must never leave the root. (files.rs holds the
//! older ServeDir tests: plain files, ranges, symbolic links, 405.)
#![cfg(feature = "fs")]

mod site;

use rejoinder::fs::ServeDir;
use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{App, Context, Next, Router};

use site::*;

// ---------------------------------------------------------------------------
// ETag and conditional requests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn etag_is_nginx_mtime_size_strong_and_stable() {
    let site = Site::new();
    let client = site.client(|d| d);
    let res = get(&client, "/a.css", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("etag"), Some("\"5cbee66d-37\""));
    assert_eq!(res.header("etag"), Some(tag(MTIME, CSS.len()).as_str()));
    assert_eq!(
        res.header("last-modified"),
        Some("Tue, 23 Apr 2019 10:18:21 GMT")
    );
    assert_eq!(res.header("accept-ranges"), Some("bytes"));
    // The same on every request, and for the index of a directory.
    let again = get(&client, "/a.css", &[]).await;
    assert_eq!(again.header("etag"), res.header("etag"));
    let index = get(&client, "/docs/", &[]).await;
    assert_eq!(index.header("etag"), Some(tag(MTIME, 13).as_str()));
}

#[tokio::test]
async fn etag_changes_when_the_file_does() {
    let site = Site::new();
    let client = site.client(|d| d);
    let before = get(&client, "/c.txt", &[]).await;
    let old = before.header("etag").unwrap().to_owned();
    // Same time, another size.
    site.write("c.txt", b"plain text, longer");
    let resized = get(&client, "/c.txt", &[]).await;
    assert_eq!(resized.header("etag"), Some(tag(MTIME, 18).as_str()));
    // Same size, another time.
    set_mtime(&site.root().join("c.txt"), at(MTIME + 1));
    let touched = get(&client, "/c.txt", &[]).await;
    assert_eq!(touched.header("etag"), Some(tag(MTIME + 1, 18).as_str()));
    // The old tag no longer matches.
    let res = get(&client, "/c.txt", &[("if-none-match", &old)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "plain text, longer");
}

#[tokio::test]
async fn if_none_match_is_304_exact_weak_listed_and_star() {
    let site = Site::new();
    let client = site.client(|d| d);
    let etag = tag(MTIME, CSS.len());
    let weak = format!("W/{etag}");
    let listed = format!("\"other\", {etag} , W/\"x\"");
    for inm in [etag.as_str(), &weak, &listed, "*"] {
        let res = get(&client, "/a.css", &[("if-none-match", inm)]).await;
        assert_eq!(res.status(), 304, "{inm}");
        assert!(res.bytes().is_empty(), "{inm}");
        assert_eq!(res.header("etag"), Some(etag.as_str()), "{inm}");
        let head = client
            .head("/a.css")
            .header("if-none-match", inm)
            .send()
            .await;
        assert_eq!(head.status(), 304, "HEAD {inm}");
    }
    for inm in ["\"other\"", "W/\"5cbee66d-38\"", "\"5cbee66d-37-gzip\""] {
        let res = get(&client, "/a.css", &[("if-none-match", inm)]).await;
        assert_eq!(res.status(), 200, "{inm}");
        assert_eq!(res.bytes().as_ref(), CSS, "{inm}");
    }
}

#[tokio::test]
async fn if_match_and_if_unmodified_since_failing_are_412() {
    let site = Site::new();
    let client = site.client(|d| d);
    let etag = tag(MTIME, CSS.len());
    let weak = format!("W/{etag}");
    // If-Match compares strongly: another tag, or this one marked weak.
    for im in ["\"other\"", weak.as_str()] {
        let res = get(&client, "/a.css", &[("if-match", im)]).await;
        assert_eq!(res.status(), 412, "{im}");
        assert!(!contains(res.bytes(), CSS), "{im}");
    }
    for im in [etag.as_str(), "*", &format!("\"x\", {etag}")] {
        let res = get(&client, "/a.css", &[("if-match", im)]).await;
        assert_eq!(res.status(), 200, "{im}");
    }
    let past = httpdate::fmt_http_date(at(MTIME - 3600));
    let res = get(&client, "/a.css", &[("if-unmodified-since", &past)]).await;
    assert_eq!(res.status(), 412);
    for date in [at(MTIME), at(MTIME + 3600)] {
        let date = httpdate::fmt_http_date(date);
        let res = get(&client, "/a.css", &[("if-unmodified-since", &date)]).await;
        assert_eq!(res.status(), 200, "{date}");
    }
}

#[tokio::test]
async fn if_range_gives_206_when_it_matches_and_200_otherwise() {
    let site = Site::new();
    let client = site.client(|d| d);
    let etag = tag(MTIME, CSS.len());
    let date = httpdate::fmt_http_date(at(MTIME));
    let range = ("range", "bytes=0-3");
    for ir in [etag.as_str(), &date] {
        let res = get(&client, "/a.css", &[range, ("if-range", ir)]).await;
        assert_eq!(res.status(), 206, "{ir}");
        assert_eq!(res.bytes().as_ref(), &CSS[..4], "{ir}");
        let expected = format!("bytes 0-3/{}", CSS.len());
        assert_eq!(res.header("content-range"), Some(expected.as_str()));
    }
    let weak = format!("W/{etag}");
    let older = httpdate::fmt_http_date(at(MTIME - 60));
    for ir in ["\"other\"", weak.as_str(), &older] {
        let res = get(&client, "/a.css", &[range, ("if-range", ir)]).await;
        assert_eq!(res.status(), 200, "{ir}");
        assert_eq!(res.bytes().as_ref(), CSS, "{ir}");
    }
}

// ---------------------------------------------------------------------------
// Precompressed siblings
// ---------------------------------------------------------------------------

#[tokio::test]
async fn br_or_gzip_chosen_per_accept_encoding() {
    let site = Site::new();
    let client = site.precompressed();
    let gz = &site.gz[..];
    let cases: [(&str, Option<&str>, &[u8]); 12] = [
        ("gzip, deflate, br", Some("br"), BR),
        ("br", Some("br"), BR),
        ("gzip", Some("gzip"), gz),
        ("x-gzip", Some("gzip"), gz),
        ("br;q=0.5, gzip", Some("gzip"), gz),
        ("br;q=0, gzip", Some("gzip"), gz),
        ("*", Some("br"), BR),
        ("gzip;q=0", None, CSS),
        ("br;q=0, gzip;q=0", None, CSS),
        ("identity", None, CSS),
        ("identity, gzip;q=0.5", None, CSS),
        ("compress, deflate", None, CSS),
    ];
    for (accept, coding, body) in cases {
        let res = get(&client, "/a.css", &[("accept-encoding", accept)]).await;
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(res.header("content-encoding"), coding, "{accept}");
        assert_eq!(res.bytes().as_ref(), body, "{accept}");
        assert_eq!(
            res.header("content-type"),
            Some("text/css; charset=utf-8"),
            "{accept}"
        );
    }
    // No Accept-Encoding: the file as it is.
    let res = get(&client, "/a.css", &[]).await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.bytes().as_ref(), CSS);
    // The gzip sibling is the real thing.
    let res = get(&client, "/a.css", &[("accept-encoding", "gzip")]).await;
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(res.bytes().as_ref()),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, CSS);
}

#[tokio::test]
async fn a_missing_sibling_falls_back() {
    let site = Site::new();
    let client = site.precompressed();
    // b.js has only a .gz: br is wanted most, gzip is what there is.
    let res = get(&client, "/b.js", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert_eq!(res.text(), "(gzip bytes of b.js)");
    assert_eq!(
        res.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let res = get(&client, "/b.js", &[("accept-encoding", "br")]).await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.text(), "let b = 2;");
    // c.txt has none.
    let res = get(&client, "/c.txt", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.text(), "plain text");
    // A sibling without its original is not served.
    site.write("orphan.css.gz", b"gz");
    let res = get(&client, "/orphan.css", &[("accept-encoding", "gzip")]).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn precompression_is_opt_in_per_coding() {
    let site = Site::new();
    let plain = site.client(|d| d);
    let res = get(&plain, "/a.css", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.header("vary"), None);
    assert_eq!(res.bytes().as_ref(), CSS);
    let gzip_only = site.client(ServeDir::precompressed_gzip);
    let res = get(&gzip_only, "/a.css", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    let br_only = site.client(ServeDir::precompressed_br);
    let res = get(&br_only, "/a.css", &[("accept-encoding", "gzip")]).await;
    assert_eq!(res.header("content-encoding"), None);
}

#[tokio::test]
async fn vary_on_every_file_answer_of_a_precompressing_servedir() {
    let site = Site::new();
    let client = site.precompressed();
    let etag = tag(MTIME, CSS.len());
    let answers: [(&str, Headers<'_>, u16); 6] = [
        ("/a.css", &[("accept-encoding", "gzip")], 200),
        ("/a.css", &[], 200),
        ("/c.txt", &[("accept-encoding", "gzip")], 200),
        ("/a.css", &[("if-none-match", &etag)], 304),
        ("/a.css", &[("range", "bytes=0-1")], 206),
        ("/a.css", &[("if-match", "\"nope\"")], 412),
    ];
    for (path, headers, status) in answers {
        let res = get(&client, path, headers).await;
        assert_eq!(res.status(), status, "{path} {headers:?}");
        assert_eq!(
            res.header("vary"),
            Some("Accept-Encoding"),
            "{path} {headers:?}"
        );
    }
    let head = client.head("/a.css").send().await;
    assert_eq!(head.header("vary"), Some("Accept-Encoding"));
}

#[tokio::test]
async fn a_compressed_variant_has_its_own_etag() {
    let site = Site::new();
    let client = site.precompressed();
    let identity = tag(MTIME, CSS.len());
    let gzip = format!("\"{MTIME:x}-{:x}-gzip\"", site.gz.len());
    let br = format!("\"{MTIME:x}-{:x}-br\"", BR.len());
    let res = get(&client, "/a.css", &[("accept-encoding", "gzip")]).await;
    assert_eq!(res.header("etag"), Some(gzip.as_str()));
    let res = get(&client, "/a.css", &[("accept-encoding", "br")]).await;
    assert_eq!(res.header("etag"), Some(br.as_str()));
    let res = get(&client, "/a.css", &[]).await;
    assert_eq!(res.header("etag"), Some(identity.as_str()));
    // Each validates only its own variant.
    let gz_req = ("accept-encoding", "gzip");
    let res = get(&client, "/a.css", &[gz_req, ("if-none-match", &identity)]).await;
    assert_eq!(res.status(), 200);
    let res = get(&client, "/a.css", &[gz_req, ("if-none-match", &gzip)]).await;
    assert_eq!(res.status(), 304);
    let res = get(&client, "/a.css", &[("if-none-match", &gzip)]).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn ranges_of_a_compressed_variant_count_compressed_bytes() {
    let site = Site::new();
    let client = site.precompressed();
    let gzip = format!("\"{MTIME:x}-{:x}-gzip\"", site.gz.len());
    let headers = [("accept-encoding", "gzip"), ("range", "bytes=0-9")];
    let res = get(&client, "/a.css", &headers).await;
    assert_eq!(res.status(), 206);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert_eq!(res.bytes().as_ref(), &site.gz[..10]);
    let expected = format!("bytes 0-9/{}", site.gz.len());
    assert_eq!(res.header("content-range"), Some(expected.as_str()));
    // If-Range with the compressed tag resumes the compressed bytes.
    let res = get(
        &client,
        "/a.css",
        &[headers[0], headers[1], ("if-range", &gzip)],
    )
    .await;
    assert_eq!(res.status(), 206);
    let identity = tag(MTIME, CSS.len());
    let res = get(
        &client,
        "/a.css",
        &[headers[0], headers[1], ("if-range", &identity)],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().as_ref(), &site.gz[..]);
}

#[cfg(unix)]
#[tokio::test]
async fn a_sibling_linking_out_of_the_root_is_never_sent() {
    let site = Site::new();
    std::os::unix::fs::symlink(
        site.dir.path().join("secret.txt"),
        site.root().join("c.txt.gz"),
    )
    .unwrap();
    let client = site.precompressed();
    let res = get(&client, "/c.txt", &[("accept-encoding", "gzip")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.text(), "plain text");
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_directory_without_its_slash_is_redirected_with_the_query() {
    let site = Site::new();
    let client = site.client(|d| d);
    for (path, location) in [
        ("/docs", "/docs/"),
        ("/docs?lang=en&x=%20y", "/docs/?lang=en&x=%20y"),
        ("//docs", "/docs/"),
    ] {
        let res = get(&client, path, &[]).await;
        assert_eq!(res.status(), 301, "{path}");
        assert_eq!(res.header("location"), Some(location), "{path}");
    }
    // Through a mount, the prefix is kept; the prefix itself is the root.
    let mounted = TestClient::new(App::new().mount("/static", ServeDir::new(site.root())));
    site.write("index.html", b"<h1>home</h1>");
    for (path, location) in [
        ("/static/docs?v=2", "/static/docs/?v=2"),
        ("/static", "/static/"),
        ("/static?v=1", "/static/?v=1"),
    ] {
        let res = get(&mounted, path, &[]).await;
        assert_eq!(res.status(), 301, "{path}");
        assert_eq!(res.header("location"), Some(location), "{path}");
    }
    assert_eq!(get(&mounted, "/static/", &[]).await.text(), "<h1>home</h1>");
}

#[tokio::test]
async fn index_html_is_served_for_a_directory_with_its_slash() {
    let site = Site::new();
    let client = site.client(|d| d);
    for path in ["/docs/", "/docs/index.html", "/./docs//"] {
        let res = get(&client, path, &[]).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.text(), "<h1>docs</h1>", "{path}");
        assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    }
    // Another index name.
    site.write("sub/start.htm", b"<p>start</p>");
    let other = site.client(|d| d.index(Some("start.htm")));
    assert_eq!(get(&other, "/sub/", &[]).await.text(), "<p>start</p>");
    assert_eq!(get(&other, "/docs/", &[]).await.status(), 404);
}

#[tokio::test]
async fn a_directory_without_an_index_is_404_never_a_listing() {
    let site = Site::new();
    let client = site.client(|d| d);
    for path in ["/empty/", "/empty", "/sub/", "/sub", "/", "/a.css/"] {
        let res = get(&client, path, &[]).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(!res.text().contains("d.txt"), "{path}");
    }
    // Without index files, no redirect either.
    let no_index = site.client(|d| d.index(None));
    for path in ["/docs/", "/docs"] {
        assert_eq!(get(&no_index, path, &[]).await.status(), 404, "{path}");
    }
}

// ---------------------------------------------------------------------------
// Mounting, HEAD
// ---------------------------------------------------------------------------

async fn home(_: &mut Context) -> &'static str {
    "home"
}

#[tokio::test]
async fn router_mount_writes_the_prefix_once() {
    let site = Site::new();
    let router = Router::new()
        .get("/", home)
        .get("/static/special", async |_: &mut Context| "a route")
        .mount("/static", ServeDir::new(site.root()))
        .nest(
            "/api",
            Router::new().mount("/files/", ServeDir::new(site.root())),
        )
        .mount("/t/{tenant}/assets", ServeDir::new(site.root()));
    assert!(router.route_list().contains(&"* /static".to_owned()));
    let client = TestClient::new(App::new().router(router));
    for path in ["/static/a.css", "/api/files/a.css", "/t/acme/assets/a.css"] {
        let res = get(&client, path, &[]).await;
        assert_eq!(
            (res.status().as_u16(), res.bytes().as_ref()),
            (200, CSS),
            "{path}"
        );
    }
    assert_eq!(get(&client, "/static/sub/d.txt", &[]).await.text(), "deep");
    assert_eq!(get(&client, "/static/special", &[]).await.text(), "a route");
    assert_eq!(get(&client, "/", &[]).await.text(), "home");
    for path in ["/a.css", "/staticx/a.css", "/static/nope.css", "/api/a.css"] {
        assert_eq!(get(&client, path, &[]).await.status(), 404, "{path}");
    }
    // Other methods reach the ServeDir, which answers 405.
    let res = client.post("/static/a.css").send().await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("allow"), Some("GET, HEAD"));
}

#[test]
#[should_panic(expected = "cannot mount at \"/static\"")]
fn a_mount_that_conflicts_with_a_route_panics() {
    let _ = Router::new()
        .get("/static/{name}", home)
        .mount("/static", ServeDir::new("."));
}

async fn tag_mw(ctx: &mut Context, next: Next<'_>) {
    next.run(ctx).await;
    let _ = ctx.res.set("x-mw", "seen");
}

#[tokio::test]
async fn app_mount_writes_the_prefix_once() {
    let site = Site::new();
    site.write("img/logo.svg", b"<svg/>");
    let app = App::new()
        .router(Router::new().get("/", home).get("/static/a.css", home))
        .mount("/static", ServeDir::new(site.root()))
        .mount("/static/img", ServeDir::new(site.root().join("sub")))
        .middleware(tag_mw);
    let client = TestClient::new(app);
    // The mount comes before the router, the longer prefix first.
    let res = get(&client, "/static/a.css", &[]).await;
    assert_eq!(res.bytes().as_ref(), CSS);
    assert_eq!(res.header("x-mw"), Some("seen"));
    assert_eq!(get(&client, "/static/img/d.txt", &[]).await.text(), "deep");
    assert_eq!(
        get(&client, "/static/img/logo.svg", &[]).await.status(),
        404
    );
    assert_eq!(get(&client, "/", &[]).await.text(), "home");
    assert_eq!(get(&client, "/staticx", &[]).await.status(), 404);
}

#[tokio::test]
#[allow(deprecated)]
async fn the_old_form_with_the_prefix_twice_still_works() {
    let site = Site::new();
    let router = Router::new().get(
        "/static/{*path}",
        ServeDir::new(site.root()).mount("/static"),
    );
    let client = TestClient::new(App::new().router(router));
    assert_eq!(
        get(&client, "/static/a.css", &[]).await.bytes().as_ref(),
        CSS
    );
    assert_eq!(get(&client, "/static/sub/d.txt", &[]).await.text(), "deep");
}

#[tokio::test]
async fn head_everywhere_over_the_wire() {
    let site = Site::new();
    let serve = || ServeDir::new(site.root()).precompressed_gzip();
    let apps = [
        App::new().handler(serve()),
        App::new().mount("/s", serve()),
        App::new().router(Router::new().mount("/s", serve())),
    ];
    for (i, app) in apps.into_iter().enumerate() {
        let srv = TestServer::start(app).await;
        let base = if i == 0 { "" } else { "/s" };
        let path = format!("{base}/a.css");
        let wire = raw::send(srv.addr(), "HEAD", &path, &[]).await;
        assert_eq!(wire.status, 200, "{path}");
        assert!(wire.body.is_empty(), "{path}");
        let len = CSS.len().to_string();
        assert_eq!(wire.header("content-length"), Some(len.as_str()));
        assert_eq!(wire.header("etag"), Some(tag(MTIME, CSS.len()).as_str()));
        let gz = [("Accept-Encoding", "gzip")];
        let wire = raw::send(srv.addr(), "HEAD", &path, &gz).await;
        assert_eq!(wire.header("content-encoding"), Some("gzip"), "{path}");
        let len = site.gz.len().to_string();
        assert_eq!(wire.header("content-length"), Some(len.as_str()));
        assert!(wire.body.is_empty());
        let dir = format!("{base}/docs");
        let wire = raw::send(srv.addr(), "HEAD", &dir, &[]).await;
        assert_eq!(wire.status, 301, "{dir}");
        assert_eq!(wire.header("location"), Some(format!("{dir}/").as_str()));
        let wire = raw::send(srv.addr(), "HEAD", &format!("{base}/nope"), &[]).await;
        assert_eq!(wire.status, 404);
    }
}

// ---------------------------------------------------------------------------
// Hostile paths
// ---------------------------------------------------------------------------

#[tokio::test]
async fn hostile_paths_are_refused_through_every_mount() {
    let site = Site::new();
    let abs = site.dir.path().join("secret.txt");
    let abs = abs.to_str().unwrap().trim_start_matches('/').to_owned();
    let corpus = [
        "/../secret.txt".to_owned(),
        "/sub/../../secret.txt".to_owned(),
        "/%2e%2e/secret.txt".to_owned(),
        "/%2E%2E/secret.txt".to_owned(),
        "/.%2e/secret.txt".to_owned(),
        "/%2e./secret.txt".to_owned(),
        "/sub/%2e%2e/%2e%2e/secret.txt".to_owned(),
        "/..%2fsecret.txt".to_owned(),
        "/sub%2f..%2f..%2fsecret.txt".to_owned(),
        "/%2e%2e%2fsecret.txt".to_owned(),
        "/%252e%252e/secret.txt".to_owned(),
        "/..%5csecret.txt".to_owned(),
        "/sub%5c..%5c..%5csecret.txt".to_owned(),
        "/..\\secret.txt".to_owned(),
        "/sub\\..\\..\\secret.txt".to_owned(),
        "/c:/secret.txt".to_owned(),
        "/C:%5c..%5csecret.txt".to_owned(),
        "/a.css%00.png".to_owned(),
        "/..%00/secret.txt".to_owned(),
        "/%00".to_owned(),
        format!("/{abs}"),
        format!("//{abs}"),
        format!("/%2f{}", abs.replace('/', "%2f")),
        "/docs/..%2f..%2fsecret.txt".to_owned(),
        "/docs%2f..%2f..%2fsecret.txt".to_owned(),
    ];
    let apps = [
        ("", App::new().handler(ServeDir::new(site.root()))),
        (
            "/static",
            App::new().mount("/static", ServeDir::new(site.root())),
        ),
        (
            "/static",
            App::new().router(Router::new().mount("/static", ServeDir::new(site.root()))),
        ),
    ];
    for (base, app) in apps {
        let srv = TestServer::start(app).await;
        for attack in &corpus {
            let path = format!("{base}{attack}");
            let wire = raw::send(srv.addr(), "GET", &path, &[]).await;
            assert!(
                wire.status == 404 || wire.status == 400,
                "{path}: {}",
                wire.status
            );
            assert!(!contains(&wire.raw, SECRET), "{path} leaked the secret");
            assert!(!contains(&wire.raw, CSS), "{path}");
        }
        // Control: the same server serves the root.
        let wire = raw::send(srv.addr(), "GET", &format!("{base}/a.css"), &[]).await;
        assert_eq!((wire.status, &wire.body[..]), (200, CSS));
    }
}
