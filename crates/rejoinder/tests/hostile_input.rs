//! Hostile input that used to get through, each over a corpus: Referers
//! that reach another origin (`back`), redirects refused half-way, file
//! names with Windows and UNC paths, bidirectional overrides and control
//! characters (`attachment`), and Unicode in JSONP callbacks.
//!
//! The Referer corpus is checked against the WHATWG URL parser (the `url`
//! crate) from both an `http:` and an `https:` page: whatever the browser's
//! scheme, a followed Referer must land on this host, and one that could
//! land elsewhere must fall back.
#![cfg(all(feature = "koa", feature = "adonis", feature = "jsonp"))]

use rejoinder::prelude::*;
use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{handler_fn, App, Context, HttpError};

const HOST: &str = "app.test";

fn back_app(trusted: &[&str]) -> App {
    App::new()
        .trusted_origins(trusted.iter().copied())
        .handler(handler_fn(|ctx: &mut Context| {
            let result = ctx.back(Some("/safe")).map(|_| ()).map_err(HttpError::from);
            Box::pin(async move { result })
        }))
}

async fn back_location(client: &TestClient, referer: &str) -> String {
    let res = client
        .get("/page/here")
        .header("host", HOST)
        .header("referer", referer)
        .send()
        .await;
    assert_eq!(res.status(), 302, "{referer:?}");
    res.header("location").expect("a Location").to_owned()
}

/// Where `reference` leads from `scheme://app.test/page/here`, as
/// `host[:port]`, or `None` when it is not an http(s) URL with a host.
fn lands_on(scheme: &str, reference: &str) -> Option<String> {
    let base = url::Url::parse(&format!("{scheme}://{HOST}/page/here")).unwrap();
    let target = base.join(reference).ok()?;
    if !matches!(target.scheme(), "http" | "https") {
        return None;
    }
    let host = target.host_str()?;
    Some(match target.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

fn on_this_host_from_any_scheme(reference: &str) -> bool {
    ["http", "https"]
        .iter()
        .all(|s| lands_on(s, reference).as_deref() == Some(HOST))
}

/// Hosts a Referer may try to reach instead of this one.
const ELSEWHERE: &[&str] = &[
    "evil.test",
    "EVIL.test",
    "evil.test.",
    "evil.test:80",
    "evil.test:8443",
    "app.test.evil.test",
    "evil-app.test",
    "app.test:8080",
    "%65vil.test",
    "evil%2Etest",
    "xn--evl-fma.test",
    "127.0.0.1",
    "0x7f.1",
    "2130706433",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "localhost",
];

/// Ways of writing "go to host H" that browsers resolve to H.
const FORMS: &[&str] = &[
    "//{H}",
    "///{H}",
    "////{H}/x",
    "/\\{H}",
    "\\\\{H}",
    "\\/{H}",
    "/\\/{H}",
    "/\t/{H}",
    "\t//{H}",
    " //{H}",
    "//{H}/a?b#c",
    "http:{H}",
    "https:{H}",
    "HTTP:{H}",
    "hTtPs:{H}",
    "http:/{H}",
    "https:/{H}",
    "http:\\\\{H}",
    "https:\\{H}",
    "http:///{H}",
    "https:////{H}",
    "ht\ttp://{H}",
    "http\t://{H}",
    "h\tttps:{H}",
    "http://{H}",
    "https://{H}/x",
    "HTTPS://{H}",
    "http://user:pw@{H}",
    "http://app.test@{H}",
    "http://app.test:80@{H}",
    "https://app.test%40x@{H}",
    "//app.test@{H}",
    "http://{H}\\@app.test",
    "http://{H}#@app.test",
    "http://{H}?@app.test",
    "http://{H}/app.test",
    "http://{H}%2F@app.test",
    " http://{H}",
    "http://\t{H}",
];

/// References that stay on this host from any page.
const SAME_ORIGIN: &[&str] = &[
    "/",
    "/ok",
    "/a/b?c=d#e",
    "/a%2F%2Fevil.test",
    "/.//evil.test",
    "ok",
    "./ok",
    "../ok",
    "../../../../ok",
    "?q=1",
    "#frag",
    "http://app.test/x",
    "https://app.test/x?y=1",
    "HTTP://APP.TEST/x",
    "http://app.test:80/x",
    "https://app.test:443/x",
    "//app.test/x",
    "http://app.test\\@evil.test",
    "http://app.test/\\evil.test",
    "http://user@app.test/x",
    "ok\tnow",
    "/a\tb",
];

#[tokio::test]
async fn back_never_leaves_this_host_whatever_the_page_s_scheme() {
    let client = TestClient::new(back_app(&[]));
    let mut cases = Vec::new();
    for form in FORMS {
        for host in ELSEWHERE {
            cases.push(form.replace("{H}", host));
        }
    }
    cases.extend(SAME_ORIGIN.iter().map(|s| (*s).to_owned()));
    let mut wrong = Vec::new();
    let (mut refused, mut followed) = (0, 0);
    for referer in &cases {
        let location = back_location(&client, referer).await;
        // Whatever was sent, from either scheme it lands here.
        if !on_this_host_from_any_scheme(&location) {
            wrong.push(format!("{referer:?} -> {location:?} leaves {HOST}"));
        }
        if on_this_host_from_any_scheme(referer) {
            followed += 1;
            if location == "/safe" {
                wrong.push(format!("{referer:?} stays on {HOST} but was not followed"));
            }
        } else {
            refused += 1;
            if location != "/safe" {
                wrong.push(format!("{referer:?} -> {location:?} should fall back"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        refused > 500 && followed >= SAME_ORIGIN.len(),
        "{refused} {followed}"
    );
}

#[tokio::test]
async fn the_forms_of_the_report_fall_back() {
    let client = TestClient::new(back_app(&[]));
    for referer in [
        "http:evil.test",
        "https:evil.test/x",
        "/\\evil.test",
        "\\\\evil.test",
        "ht\ttp://evil.test",
        "http://ev\til.test",
        "http://app.test@evil.test",
        "http://xn--80ak6aa92e.com",
        "http://%65vil.test",
        "//evil.test",
    ] {
        assert_eq!(
            back_location(&client, referer).await,
            "/safe",
            "{referer:?}"
        );
    }
}

#[tokio::test]
async fn followed_referers_go_out_as_koa_sends_them_or_as_one_path() {
    let client = TestClient::new(back_app(&[]));
    // Plain paths and absolute URLs: as Koa sends them.
    assert_eq!(back_location(&client, "/from?x=1").await, "/from?x=1");
    assert_eq!(
        back_location(&client, "http://app.test/from?x=1").await,
        "http://app.test/from?x=1"
    );
    assert_eq!(
        back_location(&client, "http://app.test\\@evil.test").await,
        "http://app.test/@evil.test"
    );
    // Anything else resolved, as a path with one leading slash.
    assert_eq!(back_location(&client, "ok").await, "/page/ok");
    assert_eq!(back_location(&client, "../up?q#f").await, "/up?q#f");
    // A plain path stays a path, whatever its dot segments.
    assert_eq!(
        back_location(&client, "/.//evil.test").await,
        "/.//evil.test"
    );
    assert_eq!(back_location(&client, "/a\tb").await, "/ab");
}

#[tokio::test]
async fn trusted_origins_are_followed_on_their_own_scheme_only() {
    let client = TestClient::new(back_app(&["https://sso.test"]));
    assert_eq!(
        back_location(&client, "https://sso.test/cb").await,
        "https://sso.test/cb"
    );
    for referer in [
        "http://sso.test/cb",
        "//sso.test/cb",
        "https://sso.test.evil/cb",
    ] {
        assert_eq!(
            back_location(&client, referer).await,
            "/safe",
            "{referer:?}"
        );
    }
}

#[tokio::test]
async fn a_referer_that_is_not_text_falls_back() {
    let srv = TestServer::start(back_app(&[])).await;
    for referer in [
        "http://\u{ff45}vil.test/".as_bytes(),
        "//évil.test".as_bytes(),
        b"/\xff/x",
    ] {
        let mut req =
            b"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\nReferer: ".to_vec();
        req.extend_from_slice(referer);
        req.extend_from_slice(b"\r\n\r\n");
        let wire = raw::send_raw(srv.addr(), &req, false).await;
        assert_eq!(wire.status, 302);
        assert_eq!(wire.header("location"), Some("/safe"));
    }
}

// ---------------------------------------------------------------------------
// A refused redirect leaves the response as it was
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_redirect_with_an_invalid_status_changes_nothing() {
    for status in [0u16, 99, 1000, 65535] {
        let client = TestClient::new(App::new().handler(handler_fn(move |ctx: &mut Context| {
            ctx.res.set_status(201).ok();
            ctx.res.set_body("kept");
            let refused = ctx.redirect_to().status(status).to_path("/next");
            assert!(refused.is_err(), "status {status} refused");
            let refused_back = ctx.redirect_to().status(status).back();
            assert!(refused_back.is_err());
            Box::pin(async {})
        })));
        let res = client.get("/").header("referer", "/from").send().await;
        assert_eq!(res.status(), 201, "status {status}");
        assert_eq!(res.header("location"), None, "status {status}");
        assert_eq!(res.text(), "kept");
    }
}

// ---------------------------------------------------------------------------
// attachment(): the name a receiver sees
// ---------------------------------------------------------------------------

/// Splits a Content-Disposition value into its `filename` (unescaped) and
/// `filename*` (percent-decoded) values.
fn names(header: &str) -> (Option<String>, Option<String>) {
    let plain = header.split_once("filename=\"").map(|(_, rest)| {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '"' => break,
                c => out.push(c),
            }
        }
        out
    });
    let extended = header.split_once("filename*=UTF-8''").map(|(_, rest)| {
        let value = rest.split(';').next().unwrap_or("");
        let mut bytes = Vec::new();
        let raw = value.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'%' {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        String::from_utf8(bytes).expect("filename* is UTF-8")
    });
    (plain, extended)
}

fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn attachment_app() -> App {
    App::new().handler(async |ctx: &mut Context| {
        let name = ctx.req.query_param("name").unwrap_or_default().into_owned();
        ctx.res.attachment(
            Some(&name),
            &rejoinder::content_disposition::Options::default(),
        )?;
        ctx.res.set_body("x");
        Ok::<_, rejoinder::Error>(())
    })
}

fn query(name: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/?name={encoded}")
}

#[tokio::test]
async fn attachment_names_lose_their_directories_and_hidden_characters() {
    let client = TestClient::new(attachment_app());
    let mut corpus: Vec<(String, &str)> = [
        (r"C:\Users\x\name.txt", "name.txt"),
        (r"c:\name.txt", "name.txt"),
        ("C:name.txt", "name.txt"),
        ("c:/Windows/name.txt", "name.txt"),
        (r"\\server\share\name.txt", "name.txt"),
        (r"\\?\C:\dir\name.txt", "name.txt"),
        (r"\\.\pipe\name.txt", "name.txt"),
        (r"..\..\name.txt", "name.txt"),
        ("../../name.txt", "name.txt"),
        (r"dir/sub\name.txt", "name.txt"),
        (r"name.txt\", "name.txt"),
        ("name.txt/", "name.txt"),
        ("/etc/name.txt", "name.txt"),
        ("invoice\u{202e}fdp.exe", "invoicefdp.exe"),
        ("\u{202e}txt.exe", "txt.exe"),
        ("a\u{2066}b\u{2069}.txt", "ab.txt"),
        ("a\u{200f}\u{200e}\u{61c}b.txt", "ab.txt"),
        ("a\u{202a}\u{202b}\u{202c}\u{202d}b.txt", "ab.txt"),
        ("tab\there.txt", "tabhere.txt"),
        ("nul\0byte.txt", "nulbyte.txt"),
        ("bell\u{7}.txt", "bell.txt"),
        ("del\u{7f}.txt", "del.txt"),
        ("c1\u{85}\u{9b}.txt", "c1.txt"),
    ]
    .into_iter()
    .map(|(n, e)| (n.to_owned(), e))
    .collect();
    // Every C0 control and the C1 range, between two letters.
    for c in (0u32..0x20).chain(0x7f..0xa0) {
        let c = char::from_u32(c).unwrap();
        corpus.push((format!("a{c}b.txt"), "ab.txt"));
    }
    let mut wrong = Vec::new();
    for (name, expected) in &corpus {
        let res = client.get(&query(name)).send().await;
        let header = res
            .header("content-disposition")
            .unwrap_or_default()
            .to_owned();
        let (plain, extended) = names(&header);
        let seen = extended.clone().or(plain.clone()).unwrap_or_default();
        if seen != *expected {
            wrong.push(format!("{name:?}: {header:?} saves as {seen:?}"));
        }
        if plain.as_deref() != Some(*expected) {
            wrong.push(format!("{name:?}: fallback {plain:?}"));
        }
        for value in [&plain, &extended].into_iter().flatten() {
            if value.contains(['/', '\\']) || value.chars().any(hidden) {
                wrong.push(format!(
                    "{name:?}: {value:?} keeps a separator or a hidden character"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_plain_filename_is_ascii_and_unicode_goes_in_filename_star() {
    let client = TestClient::new(attachment_app());
    for name in [
        "naïve résumé.pdf",
        "ÿ.txt",
        "\u{a0}nbsp.txt",
        "€ rates.txt",
        "日本語.txt",
        "😀.png",
        "e\u{301}.txt",
        "مرحبا.txt",
        "İstanbul.txt",
    ] {
        let res = client.get(&query(name)).send().await;
        let header = res.header("content-disposition").expect("a header");
        assert!(header.is_ascii(), "{header:?}");
        let (plain, extended) = names(header);
        let plain = plain.expect("an ASCII fallback");
        assert!(
            plain.chars().all(|c| c.is_ascii() && !c.is_control()),
            "{plain:?}"
        );
        assert_eq!(extended.as_deref(), Some(name), "{header}");
    }
    // Over the wire the header is the same ASCII bytes.
    let srv = TestServer::start(attachment_app()).await;
    let wire = raw::send(srv.addr(), "GET", &query("naïve.pdf"), &[]).await;
    assert_eq!(
        wire.header("content-disposition"),
        Some("attachment; filename=\"na?ve.pdf\"; filename*=UTF-8''na%C3%AFve.pdf")
    );
}

// ---------------------------------------------------------------------------
// JSONP callbacks: ASCII word characters, `$`, `.`, `[` and `]` only
// ---------------------------------------------------------------------------

#[tokio::test]
async fn jsonp_callbacks_keep_ascii_word_characters_only() {
    let client = TestClient::new(App::new().handler(async |ctx: &mut Context| {
        ctx.jsonp(&serde_json::json!(1));
    }));
    for (callback, kept) in [
        ("cb", "cb"),
        ("jQuery_123.$[0]", "jQuery_123.$[0]"),
        ("café", "caf"),
        ("ｃｂ", ""),
        ("αβγ", ""),
        ("cb١٢٣", "cb"),
        ("cb²", "cb"),
        ("a\u{200b}b", "ab"),
        ("İi", "i"),
        ("x<script>alert(1)</script>", "xscriptalert1script"),
        ("a;b(c)//", "abc"),
    ] {
        let encoded: String = form_urlencoded::byte_serialize(callback.as_bytes()).collect();
        let res = client.get(&format!("/?callback={encoded}")).send().await;
        let body = res.text();
        if kept.is_empty() {
            assert_eq!(body, "1", "{callback:?} falls back to JSON");
            assert_eq!(
                res.header("content-type"),
                Some("application/json; charset=utf-8")
            );
        } else {
            assert_eq!(
                body,
                format!("/**/ typeof {kept} === 'function' && {kept}(1);"),
                "{callback:?}"
            );
        }
    }
}
