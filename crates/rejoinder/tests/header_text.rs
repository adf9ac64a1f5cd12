//! Header text is visible ASCII, space and tab (RFC 9110 §5.5): string
//! values outside it are refused with the character and where it is, in
//! every setter (the core's, Koa's, Kong's, trailers); bytes given as an
//! `http::HeaderValue` still pass as opaque octets.
#![cfg(feature = "kong")]

use rejoinder::http::HeaderValue;
use rejoinder::prelude::*;
use rejoinder::Response;

/// Non-ASCII characters from every range that matters: Latin-1 (which
/// Node would send as one byte), C1 controls, the BMP, bidi overrides, an
/// astral emoji, and the replacement character.
const NON_ASCII: &[char] = &[
    '\u{80}',
    '\u{85}',
    '\u{9f}',
    '\u{a0}',
    'µ',
    'é',
    'ÿ',
    'Ā',
    '€',
    '\u{202e}',
    '\u{2028}',
    '\u{feff}',
    '中',
    '\u{fffd}',
    '😀',
    '\u{10ffff}',
];

fn refused(err: &rejoinder::Error, ch: char) {
    assert!(err.is_invalid_header_value(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("U+{:04X}", u32::from(ch))),
        "the message names the character: {msg}"
    );
    assert!(msg.contains("RFC 9110"), "{msg}");
}

#[test]
fn every_non_ascii_character_is_refused_in_every_position() {
    for &ch in NON_ASCII {
        for value in [format!("{ch}"), format!("12.5{ch}s"), format!("ok {ch}")] {
            let at = value.find(ch).unwrap();
            let mut res = Response::new();
            res.set("X-Keep", "kept").unwrap();
            let err = res.set("X-Time", value.as_str()).unwrap_err();
            refused(&err, ch);
            assert!(err.to_string().contains(&format!("at byte {at}")), "{err}");
            let err = res.append("X-Time", value.clone()).unwrap_err();
            refused(&err, ch);
            let err = res.set("X-List", vec!["fine", value.as_str()]).unwrap_err();
            refused(&err, ch);
            // Nothing changed.
            assert_eq!(res.get("x-keep"), Some("kept"));
            assert!(!res.has("x-time") && !res.has("x-list"));
        }
    }
}

#[test]
fn visible_ascii_space_and_tab_pass() {
    let all: String = (0x20u8..0x7f).map(char::from).chain(['\t']).collect();
    let mut res = Response::new();
    res.set("X-All", all.as_str()).unwrap();
    assert_eq!(res.get("x-all"), Some(all.as_str()));
    res.set("X-Owned", all.clone()).unwrap();
    assert_eq!(res.get("x-owned"), Some(all.as_str()));
}

#[test]
fn opaque_bytes_pass_as_a_header_value() {
    let mut res = Response::new();
    let bytes = HeaderValue::from_bytes("12.5µs".as_bytes()).unwrap();
    res.set("X-Time", bytes.clone()).unwrap();
    assert_eq!(res.headers()["x-time"], bytes);
}

#[test]
fn kong_setters_and_exit_headers_refuse_non_ascii_text() {
    let mut res = Response::new();
    let err = res.kong().set_header("X-Name", "José").unwrap_err();
    refused(&err, 'é');
    let err = res.kong().add_header("X-Name", "José").unwrap_err();
    refused(&err, 'é');
    let err = res
        .kong()
        .set_headers([("x-a", "fine"), ("x-b", "naïve")])
        .unwrap_err();
    refused(&err, 'ï');
    assert!(!res.has("x-a"), "set_headers validates everything first");
}

#[test]
fn trailers_refuse_non_ascii_text() {
    let mut res = Response::new();
    let err = res.trailers_mut().insert("x-checksum", "sum€").unwrap_err();
    refused(&err, '€');
}

#[tokio::test]
async fn a_late_trailer_value_that_is_not_ascii_is_left_out() {
    use rejoinder::testing::{raw, TestServer};
    use rejoinder::{App, Context};
    let app = App::new().handler(async |ctx: &mut Context| {
        ctx.res.set_body("body");
        let _ = ctx.res.trailers_mut().insert("x-ok", "yes");
        let _ = ctx.res.trailers_mut().insert_future("x-late", async {
            Ok::<_, std::io::Error>("12µs".to_owned())
        });
    });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[("TE", "trailers")]).await;
    assert_eq!(wire.text(), "body");
    let names: Vec<&str> = wire.trailers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["x-ok"], "{:?}", wire.trailers);
    assert!(!wire.raw.windows(2).any(|w| w == "µ".as_bytes()));
}
