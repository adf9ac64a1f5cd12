//! Hostile cookies never panic: huge `Cookie` headers, thousands of pairs,
//! bytes that are not UTF-8, NUL, CR and LF on the wire, a random corpus of
//! headers read as plain, signed and private cookies, and random names,
//! values, paths and domains given to the writers (each either set and
//! read back as given, or refused with the response unchanged).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rejoinder::cookies::{key_from_bytes, Cookie, Key};
use rejoinder::http::{HeaderValue, Request, StatusCode};
use rejoinder::request::RequestBody;
use rejoinder::testing::{raw, TestServer};
use rejoinder::{handler_fn, App, Context};
use tower::ServiceExt;

fn key() -> Key {
    key_from_bytes(&[9; 64]).unwrap()
}

/// An app that reads everything a hostile header could reach: every pair,
/// the plain cookie `a`, the signed `s` and the private `p`.
fn probe_app() -> App {
    App::new()
        .cookie_key(key())
        .handler(handler_fn(|ctx: &mut Context| {
            let body = format!(
                "{} {:?} {:?} {:?}",
                ctx.req.cookies().count(),
                ctx.req.cookie("a").map(str::len),
                ctx.signed_cookie("s"),
                ctx.private_cookie("p"),
            );
            Box::pin(async move { body })
        }))
}

/// Sends one request with the given `Cookie` header values (any bytes a
/// header value may hold) through the app, in process; the answer is a 200.
async fn probe(app: &App, values: &[&[u8]]) -> String {
    let (status, body) = answer(app, values).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn answer(app: &App, values: &[&[u8]]) -> (StatusCode, String) {
    let mut req = Request::get("/");
    for v in values {
        req = req.header("cookie", HeaderValue::from_bytes(v).unwrap());
    }
    let req = req.body(Full::new(Bytes::new())).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}

#[tokio::test]
async fn huge_cookie_headers() {
    let app = probe_app();
    let mib = 1 << 20;
    let long = format!("a={}; b=2", "x".repeat(mib));
    assert_eq!(
        probe(&app, &[long.as_bytes()]).await,
        "2 Some(1048576) None None"
    );
    for filler in [";", "=", "%", " ", "\"", "a=%", "s=", "p=", "=;", "%E2%9C"] {
        let header = filler.repeat(mib / filler.len());
        probe(&app, &[header.as_bytes()]).await;
    }
    // A signed cookie whose value is a megabyte of signature-like text.
    let forged = format!("s={}", "A".repeat(mib));
    assert_eq!(probe(&app, &[forged.as_bytes()]).await, "1 None None None");
}

#[tokio::test]
async fn thousands_of_pairs() {
    let app = probe_app();
    let many: Vec<String> = (0..20_000).map(|i| format!("k{i}=v{i}")).collect();
    let header = format!("{}; a=last", many.join("; "));
    assert_eq!(
        probe(&app, &[header.as_bytes()]).await,
        "20001 Some(4) None None"
    );
    // As many headers as pairs, as an HTTP/2 client sends them: past the
    // header count limit a 431, within a raised one every pair.
    let headers: Vec<&[u8]> = many.iter().map(|p| p.as_bytes()).collect();
    assert_eq!(answer(&app, &headers).await.0, 431);
    let roomy = probe_app().max_headers(30_000);
    assert!(probe(&roomy, &headers).await.starts_with("20000 None"));
    // Thousands of forged signed and private cookies of one name.
    let forged = ["s=", &"A".repeat(60), "; p=", &"B".repeat(80), "; "].concat();
    let header = forged.repeat(5_000);
    assert_eq!(
        probe(&app, &[header.as_bytes()]).await,
        "10000 None None None"
    );
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_skipped() {
    let app = probe_app();
    let cases: [(&[u8], &str); 5] = [
        (b"a=1; \xff=2; b=\xfe\xfd; c=3", "2 Some(1) None None"),
        (b"\xff\xfe\xfd", "0 None None None"),
        (b"a=\xc3\x28; a=ok", "1 Some(2) None None"),
        (b"a=caf\xc3\xa9", "1 Some(5) None None"),
        (b"s=\x80\x81; p=\xff", "0 None None None"),
    ];
    for (header, expected) in cases {
        assert_eq!(probe(&app, &[header]).await, expected, "{header:?}");
    }
}

#[tokio::test]
async fn a_random_corpus_of_headers_never_panics() {
    let app = probe_app();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let special: &[u8] = b";;;===%%\"\" \tasp%E2%9C%93\x80\xff\xc3";
    for _ in 0..3_000 {
        let len = rng.below(200);
        let header: Vec<u8> = (0..len)
            .map(|_| match rng.below(3) {
                0 => rng.pick(special),
                1 => rng.pick(b"asp0123456789ABCDEF+/"),
                _ => {
                    let b = (rng.next() & 0xff) as u8;
                    if b < 0x20 || b == 0x7f {
                        b'x'
                    } else {
                        b
                    }
                }
            })
            .collect();
        probe(&app, &[&header]).await;
    }
}

#[tokio::test]
async fn control_bytes_on_the_wire_never_panic() {
    let server = TestServer::start(probe_app()).await;
    for header in [
        &b"Cookie: a=1\0b=2"[..],
        b"Cookie: a=1\rb=2",
        b"Cookie: a=1\r\n b=2",
        b"Cookie: a=\x7f",
        b"Cookie: a=\x01\x02\x1b[31m",
        b"Cookie: a=1\nb=2",
        b"Cookie: a=1; \xff\xfe=\x80",
        b"Cookie:",
        b"Cookie: ;",
    ] {
        let mut req = b"GET / HTTP/1.1\r\nHost: app.test\r\n".to_vec();
        req.extend_from_slice(header);
        req.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
        let wire = raw::send_raw(server.addr(), &req, false).await;
        assert!(
            matches!(wire.status, 200 | 400),
            "{header:?}: {}",
            wire.status
        );
    }
    // A Cookie header past the head limit is a 431, and the server serves on.
    let huge = format!("a={}", "x".repeat(100 * 1024));
    let wire = raw::send(server.addr(), "GET", "/", &[("cookie", &huge)]).await;
    assert_eq!(wire.status, 431);
    let wire = raw::send(server.addr(), "GET", "/", &[("cookie", "a=123")]).await;
    assert_eq!(
        (wire.status, wire.text().as_str()),
        (200, "1 Some(3) None None")
    );
}

/// A fresh context outside any app, with these `Cookie` headers.
fn context(cookies: &[&str]) -> Context {
    let mut req = Request::new(RequestBody::empty());
    for c in cookies {
        req.headers_mut()
            .append("cookie", HeaderValue::from_str(c).unwrap());
    }
    Context::new(req)
}

fn random_text(rng: &mut Rng, alphabet: &[char]) -> String {
    let len = rng.below(40);
    (0..len).map(|_| rng.pick(alphabet)).collect()
}

#[test]
fn random_names_values_paths_and_domains_are_set_or_refused() {
    let alphabet: Vec<char> =
        "aZ09-_.!~*'()#$&+^`|%;,=\"\\/:@[]{}<>? \t\r\n\0\u{7f}\u{e9}\u{2713}\u{202e}"
            .chars()
            .collect();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..5_000 {
        let name = random_text(&mut rng, &alphabet[..14]);
        let value = random_text(&mut rng, &alphabet);
        let path = format!("/{}", random_text(&mut rng, &alphabet));
        let domain = random_text(&mut rng, &alphabet);
        let mut cookie = Cookie::build((name.clone(), value.clone()));
        if rng.below(2) == 0 {
            cookie = cookie.path(path.clone());
        }
        if rng.below(3) == 0 {
            cookie = cookie.domain(domain.clone());
        }
        let cookie = cookie.build();
        let sendable = |s: Option<&str>| {
            s.is_none_or(|s| s.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b';'))
        };
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        let acceptable = token && sendable(cookie.path()) && sendable(cookie.domain());

        let mut ctx = context(&[]);
        ctx.res.append("set-cookie", "raw=0").unwrap();
        let before = format!("{:?}", ctx.res.headers());
        match ctx.set_cookie(cookie.clone()) {
            Ok(_) => {
                assert!(acceptable, "{cookie:?} was set");
                let lines = ctx.res.get_all("set-cookie");
                assert_eq!(lines.len(), 2);
                let line = lines[1].to_str().unwrap();
                assert!(!line.contains(['\r', '\n', '\0']), "{line:?}");
                // The pair goes back as a browser would send it.
                let pair = line.split(';').next().unwrap();
                let back = context(&[pair]);
                assert_eq!(back.req.cookie(&name), Some(value.as_str()), "{line:?}");
            }
            Err(err) => {
                assert!(!acceptable, "{cookie:?}: {err}");
                assert_eq!(format!("{:?}", ctx.res.headers()), before);
            }
        }
    }
}
