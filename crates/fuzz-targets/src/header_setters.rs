//! Header setters on `Response`: Koa's and Adonis's, the typed ones, Kong's
//! view. Each operation either is refused with an error and changes
//! nothing, or leaves only values without CR, LF or NUL (and text setters
//! only ASCII text); finalize never panics and sends clean headers.

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use rejoinder_core::content_disposition::{Disposition, Fallback, Options};
use rejoinder_core::prelude::*;
use rejoinder_core::Response;

use crate::{assert_clean_headers, finalize_and_check, Fields};

/// What an operation may change, to compare after a refusal.
#[derive(Debug, PartialEq)]
struct Snapshot {
    status: StatusCode,
    message: Option<String>,
    headers: HeaderMap,
}

fn snapshot(res: &Response) -> Snapshot {
    Snapshot {
        status: res.status(),
        message: res.message().map(str::to_owned),
        headers: res.headers().clone(),
    }
}

fn list(s: &str) -> Vec<&str> {
    s.split('\n').collect()
}

/// Applies one operation; `Err(())` when it was refused.
fn apply(res: &mut Response, op: u8, name: &str, value: &str) -> Result<(), ()> {
    let values = list(value);
    let r: Result<(), rejoinder_core::Error> = match op % 24 {
        0 => res.set(name, value).map(drop),
        1 => res.append(name, value).map(drop),
        2 => {
            res.remove(name);
            Ok(())
        }
        3 => res.set(name, values).map(drop),
        4 => res.append(name, values).map(drop),
        5 => {
            let pairs: Vec<(&str, &str)> = values
                .iter()
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect();
            res.set_all(pairs).map(drop)
        }
        6 => res.kong().set_header(name, value),
        7 => res.kong().add_header(name, value),
        8 => res.kong().set_header(name, values),
        9 => {
            res.kong().clear_header(name);
            Ok(())
        }
        10 => {
            let pairs: Vec<(&str, &str)> = values
                .iter()
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect();
            res.kong().set_headers(pairs)
        }
        11 => res.set_etag(value).map(drop),
        12 => res.set_last_modified(value).map(drop),
        13 => res.set_location(value).map(drop),
        14 => res.vary(&values).map(drop),
        15 => res.set_message(value.to_owned()).map(drop),
        16 => res.set_type(value).map(drop),
        17 => res.set_status(value).map(drop),
        18 => match value.parse::<i64>() {
            Ok(n) => res.set_status(n).map(drop),
            Err(_) => res
                .set_status((value.len() as u16).wrapping_mul(7))
                .map(drop),
        },
        19 => res.kong().set_status((value.len() as u16).wrapping_mul(13)),
        20 => res.set_if_absent(name, value).map(drop),
        21 => {
            let options = Options {
                disposition: match name.len() % 3 {
                    0 => Disposition::Attachment,
                    1 => Disposition::Inline,
                    _ => Disposition::Other(name.to_owned()),
                },
                fallback: Fallback::Auto,
            };
            res.attachment(Some(value), &options).map(drop)
        }
        22 => {
            // Typed setters cannot fail; whatever they were given is valid.
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                res.set(n, v);
            }
            Ok(())
        }
        _ => res.append(name, value.len() as u64).map(drop),
    };
    r.map_err(|e| {
        assert!(!e.to_string().is_empty(), "an error says why");
    })
}

/// Fuzz target: a sequence of header operations on one response, then
/// finalize. Input: a field of operation codes, then a name and a value
/// field per operation, then a byte choosing GET or HEAD for finalize.
pub fn header_setters(data: &[u8]) {
    let mut fields = Fields::new(data);
    let ops = fields.next_bytes().unwrap_or(&[]).to_vec();
    let mut res = Response::new();
    for &op in ops.iter().take(32) {
        let name = fields.str();
        let value = fields.str();
        let before = snapshot(&res);
        match apply(&mut res, op, &name, &value) {
            Err(()) => assert_eq!(
                before,
                snapshot(&res),
                "refused op {op} ({name:?}, {value:?}) changed the response"
            ),
            Ok(()) => {
                assert_clean_headers(res.headers());
                // Header text is ASCII (RFC 9110 §5.5): a text setter that
                // took the value took an ASCII one.
                if matches!(op % 24, 0 | 1 | 3..=8 | 10) {
                    assert!(value.is_ascii(), "op {op} took non-ASCII text {value:?}");
                }
            }
        }
        if let Some(m) = res.message() {
            assert!(!m.contains(['\r', '\n', '\0']), "message {m:?}");
        }
    }
    let method = if fields.byte() % 2 == 0 {
        Method::GET
    } else {
        Method::HEAD
    };
    let (parts, body) = finalize_and_check(&mut res, &method);
    if method == Method::HEAD || matches!(parts.status.as_u16(), 204 | 205 | 304) {
        assert!(body.is_empty(), "no body for HEAD, 204, 205 or 304");
    }
    assert!(
        !parts.headers.contains_key(http::header::TRANSFER_ENCODING),
        "Transfer-Encoding is the server's"
    );
}
