//! Status codes, reason phrases and messages, on the wire and in process.
#![cfg(feature = "adonis")]

mod common;

use rejoinder::prelude::*;
use rejoinder::status::{self, TABLE};
use rejoinder::testing::raw;
use rejoinder::Response;

#[tokio::test]
async fn untouched_response_is_404_not_found() {
    let srv = common::server(|_| Ok(())).await;
    let wire = raw::send(srv.addr(), "GET", "/anything", &[]).await;
    assert_eq!((wire.status, wire.reason.as_str()), (404, "Not Found"));
    assert_eq!(
        wire.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(wire.header("content-length"), Some("9"));
    assert_eq!(wire.text(), "Not Found");
}

#[tokio::test]
async fn every_registered_code_sends_its_canonical_reason() {
    let srv = common::server(|ctx| {
        let code: u16 = ctx.req.path()[1..].parse().unwrap();
        ctx.res.set_status(code)?;
        Ok(())
    })
    .await;
    for &(code, reason, _) in TABLE {
        if code < 200 {
            continue; // 1xx are interim responses, not final ones.
        }
        let wire = raw::send(srv.addr(), "GET", &format!("/{code}"), &[]).await;
        assert_eq!(wire.status, code);
        assert_eq!(wire.reason, reason, "reason for {code}");
        if !status::is_empty(code) {
            assert_eq!(wire.text(), reason, "default body for {code}");
        } else {
            assert!(wire.body.is_empty());
        }
    }
}

#[tokio::test]
async fn unregistered_code_sends_its_number() {
    let srv = common::server(|ctx| {
        ctx.res.set_status(299)?;
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!((wire.status, wire.reason.as_str()), (299, "unknown"));
    assert_eq!(wire.text(), "299");
}

#[tokio::test]
async fn invalid_status_is_a_clear_error_and_never_reaches_the_wire() {
    for bad in [0, 99, 1000, -1, 70000] {
        let mut res = Response::new();
        let err = res.set_status(bad).unwrap_err();
        assert!(err.is_invalid_status());
        assert!(err.to_string().contains("integer from 100 to 999"), "{err}");
        assert_eq!(res.status().as_u16(), 404, "unchanged after {bad}");
    }
    let srv = common::server(|ctx| {
        ctx.res.set("X-Before", "set")?;
        let bad: i32 = ctx.req.path()[1..].parse().unwrap();
        ctx.res.set_status(bad)?;
        Ok(())
    })
    .await;
    for bad in ["0", "99", "1000"] {
        let wire = raw::send(srv.addr(), "GET", &format!("/{bad}"), &[]).await;
        assert_eq!(wire.status, 500);
        assert_eq!(wire.reason, "Internal Server Error");
        assert_eq!(wire.text(), "Internal Server Error");
        assert_eq!(
            wire.header("x-before"),
            None,
            "a failed handler's headers are not sent"
        );
        let raw = String::from_utf8_lossy(&wire.raw);
        assert!(
            raw.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
            "{raw}"
        );
    }
}

#[tokio::test]
async fn custom_message_is_the_reason_phrase_and_status_resets_it() {
    let client = common::client(|ctx| {
        match ctx.req.path() {
            "/custom" => {
                ctx.res.set_status(200)?.set_message("All Good")?;
                ctx.res.set_body("ok");
            }
            "/reset" => {
                ctx.res.set_message("Early")?;
                ctx.res.set_status(202)?;
            }
            "/bad" => {
                let err = ctx.res.set_message("a\r\nX-Evil: 1").unwrap_err();
                assert!(err.is_invalid_message());
                ctx.res.set_body(err.to_string());
            }
            _ => {}
        }
        Ok(())
    });
    let res = client.get("/custom").send().await;
    assert_eq!((res.status().as_u16(), res.reason()), (200, "All Good"));
    let res = client.get("/reset").send().await;
    assert_eq!(
        (res.status().as_u16(), res.reason(), res.text().as_str()),
        (202, "Accepted", "Accepted")
    );
    let res = client.get("/bad").send().await;
    assert_eq!(res.reason(), "OK");
    assert!(res.text().contains("invalid status message"));
}

#[test]
fn status_by_name_and_helpful_typos() {
    let mut res = Response::new();
    for name in ["not found", "Not Found", "NOT_FOUND"] {
        res.set_status(name).unwrap();
        assert_eq!(res.status().as_u16(), 404);
    }
    let err = res.set_status("Not Fuond").unwrap_err();
    assert!(err.is_invalid_status());
    let text = err.to_string();
    assert!(text.contains("did you mean \"Not Found\""), "{text}");
    assert!(
        text.contains("418 \"I'm a Teapot\""),
        "lists valid names: {text}"
    );
}

#[test]
fn set_status_if_unset_keeps_an_explicit_status() {
    let mut res = Response::new();
    res.set_status_if_unset(202).unwrap();
    assert_eq!(res.status().as_u16(), 202);
    res.set_status_if_unset(500).unwrap();
    assert_eq!(res.status().as_u16(), 202);
    assert!(res.set_status_if_unset(5).is_err());
}
