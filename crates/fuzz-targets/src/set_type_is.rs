//! `Response::set_type` and `Response::is` on arbitrary text.

use http::Method;
use rejoinder_core::{Body, Response};

use crate::{assert_clean_value, finalize_and_check, Fields};

/// Fuzz target: set a type, then match patterns against it. Fields: a
/// selector byte (the body set first), the type, then the patterns (one per
/// field).
pub fn set_type_is(data: &[u8]) {
    let mut fields = Fields::new(data);
    let sel = fields.byte();
    let ty = fields.str();
    let mut patterns = Vec::new();
    while let Some(p) = fields.next_str() {
        patterns.push(p);
    }
    let patterns: Vec<&str> = patterns.iter().take(16).map(String::as_str).collect();

    let mut res = Response::new();
    match sel % 4 {
        0 => {}
        1 => {
            res.set_body("text");
        }
        2 => {
            res.set_body(serde_json::json!({"a": 1}));
        }
        _ => {
            res.set_body(Body::from(vec![1u8, 2, 3]));
        }
    }
    let before_headers = res.headers().clone();
    let before_type = res.content_type().map(str::to_owned);
    match res.set_type(ty.as_str()) {
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert_eq!(
                res.headers(),
                &before_headers,
                "refused set_type changed headers"
            );
            assert_eq!(res.content_type().map(str::to_owned), before_type);
        }
        Ok(_) => {
            let ct = res
                .headers()
                .get(http::header::CONTENT_TYPE)
                .expect("set_type sets Content-Type");
            assert_clean_value("content-type", ct.as_bytes());
            assert_eq!(
                res.headers().len(),
                before_headers.len()
                    + usize::from(!before_headers.contains_key(http::header::CONTENT_TYPE))
            );
            // Setting the same type again gives the same header.
            let ct = ct.clone();
            let mut again = Response::new();
            again
                .set_type(ty.as_str())
                .expect("accepted once, accepted again");
            assert_eq!(again.headers().get(http::header::CONTENT_TYPE), Some(&ct));
        }
    }
    let answer = res.is(&patterns);
    if let Some(a) = &answer {
        assert!(
            patterns.contains(&a.as_str()) || a.contains('/'),
            "is() answered {a:?}, neither a pattern nor a media type"
        );
    }
    if res.content_type().is_none() {
        assert_eq!(answer, None, "no type matches nothing");
    }
    assert_eq!(res.is(&patterns), answer, "is() is pure");
    let _ = res.is(&[]);
    finalize_and_check(&mut res, &Method::GET);
}
