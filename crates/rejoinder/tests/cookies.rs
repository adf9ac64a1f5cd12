//! Cookies end to end, through the in-process client and over loopback:
//! reading the request's `Cookie` headers, setting and clearing with the
//! app's defaults, refusals that leave the response as it was, and signed
//! and private cookies under the app's keys (tampering, other keys,
//! rotation). The hostile corpus is in cookies_hostile.rs.

use std::time::SystemTime;

use rejoinder::cookies::{
    derive_key, key_from_base64, key_from_bytes, time::Duration, Cookie, CookieError, Key, SameSite,
};
use rejoinder::http::StatusCode;
use rejoinder::testing::{raw, TestClient, TestResponse, TestServer};
use rejoinder::{handler_fn, App, Context, Json, Router};

fn key(n: u8) -> Key {
    key_from_bytes(&[n; 64]).unwrap()
}

/// An app whose handler runs `f` over the context and answers 200.
fn app<F>(f: F) -> App
where
    F: Fn(&mut Context) + Send + Sync + 'static,
{
    App::new().handler(handler_fn(move |ctx: &mut Context| {
        f(ctx);
        ctx.res.set_status(StatusCode::OK);
        Box::pin(async {})
    }))
}

/// Every `Set-Cookie` line of a response, in order.
fn lines(res: &TestResponse) -> Vec<String> {
    assert_eq!(res.status(), 200, "{}", res.text());
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The `name=value` part of a `Set-Cookie` line, as a client sends it back.
fn pair(line: &str) -> &str {
    line.split(';').next().unwrap()
}

/// An app that reads: `/plain/{name}`, `/signed/{name}`, `/private/{name}`
/// answer with the `Option` they got, `/all` with every pair.
fn reader(app: App) -> TestClient {
    let router = Router::new()
        .get("/plain/{name}", async |ctx: &mut Context| {
            let name = ctx.param("name").unwrap().to_owned();
            format!("{:?}", ctx.req.cookie(&name))
        })
        .get("/signed/{name}", async |ctx: &mut Context| {
            let name = ctx.param("name").unwrap().to_owned();
            format!("{:?}", ctx.signed_cookie(&name))
        })
        .get("/private/{name}", async |ctx: &mut Context| {
            let name = ctx.param("name").unwrap().to_owned();
            format!("{:?}", ctx.private_cookie(&name))
        })
        .get("/all", async |ctx: &mut Context| {
            let all: Vec<(String, String)> = ctx
                .req
                .cookies()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
            Json(all)
        });
    TestClient::new(app.router(router))
}

async fn read(client: &TestClient, path: &str, cookies: &[&str]) -> String {
    let mut req = client.get(path);
    for c in cookies {
        req = req.header("cookie", c);
    }
    let res = req.send().await;
    assert_eq!(res.status(), 200, "{path}: {}", res.text());
    res.text()
}

// ---- reading ----------------------------------------------------------

#[tokio::test]
async fn reads_a_single_cookie() {
    let client = reader(App::new());
    assert_eq!(read(&client, "/plain/a", &["a=1"]).await, r#"Some("1")"#);
    assert_eq!(read(&client, "/plain/b", &["a=1"]).await, "None");
    assert_eq!(read(&client, "/plain/a", &[]).await, "None");
    assert_eq!(read(&client, "/plain/a", &["a="]).await, r#"Some("")"#);
}

#[tokio::test]
async fn reads_every_pair_of_every_cookie_header_in_order() {
    let client = reader(App::new());
    let headers = ["a=1; b=2", "c=3;a=4", " d = 5 "];
    assert_eq!(
        read(&client, "/all", &headers).await,
        r#"[["a","1"],["b","2"],["c","3"],["a","4"],["d","5"]]"#
    );
    // The first of several of one name, as browsers send the most specific
    // path first.
    assert_eq!(read(&client, "/plain/a", &headers).await, r#"Some("1")"#);
    assert_eq!(read(&client, "/plain/d", &headers).await, r#"Some("5")"#);
}

#[tokio::test]
async fn malformed_pairs_are_skipped_and_the_rest_kept() {
    let client = reader(App::new());
    let header = ";;novalue; =empty;  ; ok=1; a=b=c; ==; x";
    assert_eq!(
        read(&client, "/all", &[header]).await,
        r#"[["ok","1"],["a","b=c"]]"#
    );
    assert_eq!(read(&client, "/plain/novalue", &[header]).await, "None");
}

#[tokio::test]
async fn encoded_values_are_decoded() {
    let client = reader(App::new());
    let header =
        r#"a=hello%20world; b="quoted"; c=%E2%9C%93; d=100%; e=%FF%FE; f=%22q%22; g%7Ch=1"#;
    assert_eq!(
        read(&client, "/all", &[header]).await,
        r#"[["a","hello world"],["b","quoted"],["c","✓"],["d","100%"],["e","%FF%FE"],["f","\"q\""],["g|h","1"]]"#
    );
}

#[tokio::test]
async fn several_cookies_reach_the_app_over_loopback() {
    let router = Router::new().get("/", async |ctx: &mut Context| {
        format!("{:?} {:?}", ctx.req.cookie("a"), ctx.req.cookie("b"))
    });
    let server = TestServer::start(App::new().router(router)).await;
    let wire = raw::send(
        server.addr(),
        "GET",
        "/",
        &[("cookie", "a=1"), ("cookie", "b=two%20words")],
    )
    .await;
    assert_eq!(wire.text(), r#"Some("1") Some("two words")"#);
}

// ---- writing ----------------------------------------------------------

#[tokio::test]
async fn set_cookie_has_the_secure_defaults() {
    let client = TestClient::new(app(|ctx| {
        ctx.set_cookie(("a", "1")).unwrap();
    }));
    let res = client.get("/").send().await;
    assert_eq!(lines(&res), ["a=1; HttpOnly; SameSite=Lax; Path=/"]);
    // Over TLS (an https request URI, as HTTP/2's :scheme gives) the
    // cookie is Secure too.
    let res = client.get("https://app.test/").send().await;
    assert_eq!(lines(&res), ["a=1; HttpOnly; SameSite=Lax; Secure; Path=/"]);
}

#[tokio::test]
async fn a_trusted_proxy_says_whether_the_client_used_tls() {
    let set = |ctx: &mut Context| {
        ctx.set_cookie(("a", "1")).unwrap();
    };
    let direct = TestClient::new(app(set));
    let proxied = TestClient::new(app(set).trust_proxy(true));
    let secure = "a=1; HttpOnly; SameSite=Lax; Secure; Path=/";
    let plain = "a=1; HttpOnly; SameSite=Lax; Path=/";
    for (client, proto, expected) in [
        (&direct, "https", plain),
        (&proxied, "https", secure),
        (&proxied, "HTTPS, http", secure),
        (&proxied, "http, https", plain),
        (&proxied, "http", plain),
    ] {
        let res = client
            .get("/")
            .header("x-forwarded-proto", proto)
            .send()
            .await;
        assert_eq!(lines(&res), [expected], "{proto}");
    }
}

#[tokio::test]
async fn explicit_attributes_override_the_defaults() {
    let client = TestClient::new(app(|ctx| {
        ctx.set_cookie(
            Cookie::build(("a", "1"))
                .http_only(false)
                .same_site(SameSite::Strict)
                .secure(false)
                .path("/admin")
                .domain("app.test")
                .max_age(Duration::hours(1)),
        )
        .unwrap();
        ctx.set_cookie(Cookie::build(("b", "2")).same_site(SameSite::None))
            .unwrap();
        ctx.set_cookie(Cookie::build(("c", "3")).secure(true))
            .unwrap();
    }));
    // `.secure(false)` holds even over TLS; SameSite=None is always Secure.
    let res = client.get("https://app.test/").send().await;
    assert_eq!(
        lines(&res),
        [
            "a=1; SameSite=Strict; Path=/admin; Domain=app.test; Max-Age=3600",
            "b=2; HttpOnly; SameSite=None; Secure; Path=/",
            "c=3; HttpOnly; SameSite=Lax; Secure; Path=/",
        ]
    );
}

#[tokio::test]
async fn clear_cookie_expires_the_same_name_and_path() {
    let client = TestClient::new(app(|ctx| {
        ctx.clear_cookie("session").unwrap();
        ctx.clear_cookie(Cookie::build("admin").path("/admin"))
            .unwrap();
    }));
    let res = client.get("/").send().await;
    let lines = lines(&res);
    assert_eq!(lines.len(), 2);
    for (line, start) in lines.iter().zip([
        "session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=",
        "admin=; HttpOnly; SameSite=Lax; Path=/admin; Max-Age=0; Expires=",
    ]) {
        let date = line.strip_prefix(start).unwrap_or_else(|| panic!("{line}"));
        let expires = httpdate::parse_http_date(date).unwrap();
        assert!(expires < SystemTime::now(), "{line}");
    }
}

#[tokio::test]
async fn every_set_cookie_line_is_kept() {
    let app = app(|ctx| {
        ctx.res.append("set-cookie", "raw=0; Path=/").unwrap();
        ctx.set_cookie(("a", "1")).unwrap();
        ctx.set_cookie(("a", "2")).unwrap();
        ctx.clear_cookie("b").unwrap();
    });
    let expected = [
        "raw=0; Path=/",
        "a=1; HttpOnly; SameSite=Lax; Path=/",
        "a=2; HttpOnly; SameSite=Lax; Path=/",
    ];
    let res = TestClient::new(app.clone()).get("/").send().await;
    let got = lines(&res);
    assert_eq!(got.len(), 4);
    assert_eq!(got[..3], expected);
    assert!(got[3].starts_with("b=; "), "{}", got[3]);
    // On the wire: four lines of their own, never folded.
    let server = TestServer::start(app).await;
    let wire = raw::send(server.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.all("set-cookie")[..3], expected);
    assert_eq!(wire.all("set-cookie").len(), 4);
}

#[tokio::test]
async fn any_value_is_encoded_and_reads_back_the_same() {
    const VALUE: &str = "a b;c,d\"e\\f%g\r\nh\u{0}i\u{2713}j=/:@";
    let setter = TestClient::new(app(|ctx| {
        ctx.set_cookie(("v", VALUE)).unwrap();
    }));
    let line = lines(&setter.get("/").send().await).remove(0);
    assert_eq!(
        pair(&line),
        "v=a%20b%3Bc%2Cd%22e%5Cf%25g%0D%0Ah%00i%E2%9C%93j%3D%2F%3A%40"
    );
    let client = reader(App::new());
    let got = read(&client, "/plain/v", &[pair(&line)]).await;
    assert_eq!(got, format!("{:?}", Some(VALUE)));
}

/// A writer call that should be refused.
type Attempt = fn(&mut Context) -> Result<(), CookieError>;

/// Runs `bad` after a good cookie, a raw line and another header are set;
/// answers with the error's predicates, and checks nothing changed.
async fn refused(bad: Attempt) -> String {
    let client = TestClient::new(app(move |ctx| {
        ctx.set_cookie(("kept", "1")).unwrap();
        ctx.res.append("set-cookie", "raw=0").unwrap();
        ctx.res.set("x-other", "yes").unwrap();
        let before = format!("{:?}", ctx.res.headers());
        let err = bad(ctx).expect_err("refused");
        assert_eq!(format!("{:?}", ctx.res.headers()), before, "{err}");
        ctx.res.set_body(format!(
            "name={} attribute={} large={} key={} | {err}",
            err.is_invalid_name(),
            err.is_invalid_attribute(),
            err.is_too_large(),
            err.is_missing_key(),
        ));
    }));
    let res = client.get("/").send().await;
    assert_eq!(
        lines(&res),
        ["kept=1; HttpOnly; SameSite=Lax; Path=/", "raw=0"]
    );
    assert_eq!(res.header("x-other"), Some("yes"));
    res.text()
}

#[tokio::test]
async fn a_refused_cookie_leaves_the_response_unchanged() {
    let name = "name=true attribute=false large=false key=false";
    let attribute = "name=false attribute=true large=false key=false";
    let large = "name=false attribute=false large=true key=false";
    let key = "name=false attribute=false large=false key=true";
    let cases: [(Attempt, &str); 14] = [
        (|c| c.set_cookie(("", "v")).map(drop), name),
        (|c| c.set_cookie(("a b", "v")).map(drop), name),
        (|c| c.set_cookie(("a;b", "v")).map(drop), name),
        (|c| c.set_cookie(("a=b", "v")).map(drop), name),
        (|c| c.set_cookie(("a\r\nX-Evil: 1", "v")).map(drop), name),
        (|c| c.set_cookie(("caf\u{e9}", "v")).map(drop), name),
        (|c| c.clear_cookie("a\nb").map(drop), name),
        (
            |c| {
                c.set_cookie(Cookie::build(("a", "v")).path("/\r\nX-Evil: 1"))
                    .map(drop)
            },
            attribute,
        ),
        (
            |c| {
                c.set_cookie(Cookie::build(("a", "v")).domain("a.test; Secure"))
                    .map(drop)
            },
            attribute,
        ),
        (
            |c| {
                c.set_cookie(Cookie::build(("a", "v")).path("/caf\u{e9}"))
                    .map(drop)
            },
            attribute,
        ),
        (
            |c| {
                c.set_cookie(Cookie::build(("__Host-a", "v")).path("/x"))
                    .map(drop)
            },
            attribute,
        ),
        (|c| c.set_cookie(("big", "x".repeat(4094))).map(drop), large),
        // A space is three bytes once encoded: 3 + 4091 + 3 is one too many.
        (
            |c| {
                c.set_cookie(("big", format!("{} ", "x".repeat(4091))))
                    .map(drop)
            },
            large,
        ),
        (|c| c.set_signed_cookie(("s", "v")).map(drop), key),
    ];
    for (bad, expected) in cases {
        let text = refused(bad).await;
        assert!(text.starts_with(expected), "{text}");
    }
    // 4096 bytes of name and value are the most that fit.
    let client = TestClient::new(app(|ctx| {
        ctx.set_cookie(("big", "x".repeat(4093))).unwrap();
    }));
    assert_eq!(lines(&client.get("/").send().await).len(), 1);
}

// ---- signed and private -----------------------------------------------

/// Sets the signed cookie `user=42` and the private cookie `session` with
/// `key`, and answers with their lines.
async fn sealed_lines(key: Key) -> (String, String) {
    let client = TestClient::new(
        app(|ctx| {
            ctx.set_signed_cookie(("user", "42")).unwrap();
            ctx.set_private_cookie(("session", "user=7; role=admin"))
                .unwrap();
        })
        .cookie_key(key),
    );
    let mut lines = lines(&client.get("/").send().await);
    let private = lines.pop().unwrap();
    (lines.pop().unwrap(), private)
}

/// The value of a cookie pair, decoded.
fn value_of(pair: &str) -> String {
    Cookie::parse_encoded(pair).unwrap().value().to_owned()
}

/// A pair with the given name and value, encoded as the app would.
fn encode(name: &str, value: &str) -> String {
    Cookie::new(name, value).encoded().to_string()
}

#[tokio::test]
async fn signed_and_private_cookies_round_trip() {
    let (signed, private) = sealed_lines(key(1)).await;
    assert!(
        signed.ends_with("42; HttpOnly; SameSite=Lax; Path=/"),
        "{signed}"
    );
    assert!(
        private.ends_with("; HttpOnly; SameSite=Lax; Path=/"),
        "{private}"
    );
    assert!(!private.contains("admin"), "{private}");
    let client = reader(App::new().cookie_key(key(1)));
    let cookies = [pair(&signed), pair(&private)];
    assert_eq!(
        read(&client, "/signed/user", &cookies).await,
        r#"Some("42")"#
    );
    assert_eq!(
        read(&client, "/private/session", &cookies).await,
        r#"Some("user=7; role=admin")"#
    );
    // A signed cookie's value is readable as a plain one, signature first.
    let plain = read(&client, "/plain/user", &cookies).await;
    assert!(plain.ends_with("42\")") && plain.len() > 44, "{plain}");
}

#[tokio::test]
async fn a_tampered_signed_cookie_reads_as_absent() {
    let (signed, _) = sealed_lines(key(1)).await;
    let value = value_of(pair(&signed));
    let (signature, clear) = value.split_at(value.len() - 2);
    let mut flipped = signature.to_owned().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let client = reader(App::new().cookie_key(key(1)));
    for forged in [
        encode("user", &format!("{signature}43")),
        encode("user", &format!("{signature}{clear}0")),
        encode("user", &format!("{flipped}{clear}")),
        encode("user", clear),
        encode("user", &value[..value.len() - 1]),
        encode("user", ""),
        "user=42".to_owned(),
    ] {
        assert_eq!(
            read(&client, "/signed/user", &[&forged]).await,
            "None",
            "{forged}"
        );
    }
    // The signature covers the name: the same value under another name
    // does not verify.
    let moved = encode("admin", &value);
    assert_eq!(read(&client, "/signed/admin", &[&moved]).await, "None");
    // A forged cookie before the good one does not hide it.
    let forged = encode("user", &format!("{signature}43"));
    let both = [forged.as_str(), pair(&signed)];
    assert_eq!(read(&client, "/signed/user", &both).await, r#"Some("42")"#);
}

#[tokio::test]
async fn a_tampered_private_cookie_reads_as_absent() {
    let (_, private) = sealed_lines(key(1)).await;
    let value = value_of(pair(&private));
    let client = reader(App::new().cookie_key(key(1)));
    let mut forgeries = vec![
        encode("session", &value[..value.len() - 4]),
        encode("session", &format!("{value}AAAA")),
        encode("session", "user=7; role=admin"),
        encode("session", ""),
        encode("session", "!!not base64!!"),
        encode("other", &value),
    ];
    // (Not the last characters: base64's last one may carry unused bits.)
    for i in [0, 10, 20, value.len() / 2] {
        let mut bytes = value.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        forgeries.push(encode("session", &String::from_utf8(bytes).unwrap()));
    }
    for forged in forgeries {
        let name = pair(&forged).split('=').next().unwrap().to_owned();
        let got = read(&client, &format!("/private/{name}"), &[&forged]).await;
        assert_eq!(got, "None", "{forged}");
    }
}

#[tokio::test]
async fn another_key_reads_nothing_and_rotation_keeps_reading() {
    let (signed, private) = sealed_lines(key(1)).await;
    let cookies = [pair(&signed), pair(&private)];
    let stranger = reader(App::new().cookie_key(key(2)));
    assert_eq!(read(&stranger, "/signed/user", &cookies).await, "None");
    assert_eq!(read(&stranger, "/private/session", &cookies).await, "None");
    let keyless = reader(App::new());
    assert_eq!(read(&keyless, "/signed/user", &cookies).await, "None");
    assert_eq!(read(&keyless, "/private/session", &cookies).await, "None");
    let rotated = reader(
        App::new()
            .cookie_key(key(2))
            .previous_cookie_key(key(3))
            .previous_cookie_key(key(1)),
    );
    assert_eq!(
        read(&rotated, "/signed/user", &cookies).await,
        r#"Some("42")"#
    );
    assert_eq!(
        read(&rotated, "/private/session", &cookies).await,
        r#"Some("user=7; role=admin")"#
    );
    // New cookies are made with the current key only.
    let (signed, private) = sealed_lines(key(2)).await;
    let old = reader(App::new().cookie_key(key(1)));
    let cookies = [pair(&signed), pair(&private)];
    assert_eq!(read(&old, "/signed/user", &cookies).await, "None");
    assert_eq!(read(&old, "/private/session", &cookies).await, "None");
}

#[test]
fn short_or_malformed_key_material_is_refused() {
    assert!(key_from_bytes(&[1; 63]).unwrap_err().is_too_short());
    assert!(key_from_bytes(&[1; 64]).is_ok());
    assert!(derive_key(&[1; 31]).unwrap_err().is_too_short());
    assert!(derive_key(&[1; 32]).is_ok());
    // `openssl rand -base64 64` prints 88 characters over two lines.
    let text = "c2VjcmV0".repeat(11);
    let wrapped = format!("{}\n{}\n", &text[..64], &text[64..]);
    assert!(key_from_base64(&wrapped).is_ok());
    assert!(key_from_base64(&text.replace('+', "-")).is_ok());
    assert!(key_from_base64(&text[..80]).unwrap_err().is_too_short());
    assert!(key_from_base64("%%%%").unwrap_err().is_not_base64());
    let err = key_from_bytes(b"password").unwrap_err();
    assert!(err.to_string().contains("at least 64 bytes"), "{err}");
}
