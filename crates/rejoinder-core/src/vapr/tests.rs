use super::error::SHAPES;
use super::*;
use crate::status;
use serde_json::{json, Value};

fn text(res: &Response) -> Option<&str> {
    res.body().and_then(Body::as_text)
}

#[test]
fn code_only() {
    let res = Vapr((204,)).into_response();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.message(), Some("No Content"));
    assert!(res.body().unwrap().is_empty());
    let res = Vapr((StatusCode::IM_A_TEAPOT,)).into_response();
    assert_eq!(res.status().as_u16(), 418);
    assert!(res.error_cause().is_none());
}

#[test]
fn valid_codes_are_registered_and_at_least_200() {
    for code in 0..=1000u16 {
        let registered = status::reason(code).is_some();
        assert_eq!(
            check_code(code).is_ok(),
            registered && code >= 200,
            "{code}"
        );
    }
    assert!(check_code(101).is_err());
    assert!(check_code(299).is_err());
    assert!(check_code(509).is_ok());
}

#[test]
fn invalid_code_is_a_500_with_an_empty_body() {
    for res in [
        Vapr((99,)).into_response(),
        Vapr((600, "x")).into_response(),
        Vapr((StatusCode::CONTINUE, ("b",))).into_response(),
    ] {
        assert_eq!(res.status().as_u16(), 500);
        assert!(res.body().unwrap().is_empty());
        assert!(res.headers().is_empty());
        let cause = res.error_cause().unwrap().to_string();
        assert!(cause.starts_with("Invalid response code: "), "{cause}");
        assert!(cause.contains("[[body, trailers?]]"), "{cause}");
    }
}

#[test]
fn message_and_headers() {
    let res = Vapr((200, "Fine")).into_response();
    assert_eq!(res.message(), Some("Fine"));
    assert!(res.headers().is_empty());
    let res = Vapr((200, String::new())).into_response();
    assert_eq!(res.message(), Some(""));
    let res = Vapr((200, [("X-A", "1"), ("x-a", "2")])).into_response();
    assert_eq!(res.message(), Some("OK"));
    assert_eq!(res.get_all("x-a").len(), 1);
    assert_eq!(res.get("x-a"), Some("2"));
    let mut map = HeaderMap::new();
    map.append("set-cookie", "a=1".parse().unwrap());
    map.append("set-cookie", "b=2".parse().unwrap());
    let res = Vapr((201, "Made", map, ("x",))).into_response();
    assert_eq!(res.get_all("set-cookie").len(), 2);
    assert_eq!(res.status().as_u16(), 201);
}

#[test]
fn no_content_type_is_inferred() {
    let res = Vapr((200, ("<p>x</p>",))).into_response();
    assert!(matches!(res.body(), Some(Body::Html(_))));
    assert_eq!(res.content_type(), None);
    let res = Vapr((200, [("content-type", "text/html")], ("<p>x</p>",))).into_response();
    assert_eq!(res.content_type(), Some("text/html"));
}

#[test]
fn refused_slots_are_500s_with_causes() {
    let res = Vapr((200, "bad\r\nmessage")).into_response();
    assert_eq!(res.status().as_u16(), 500);
    assert!(res.error_cause().unwrap().to_string().contains("message"));
    let res = Vapr((200, [("bad name", "v")])).into_response();
    assert_eq!(res.status().as_u16(), 500);
    assert!(res.error_cause().unwrap().to_string().contains("header"));
    let res = Vapr((200, [("x", "a\nb")])).into_response();
    assert_eq!(res.status().as_u16(), 500);
    let res = Vapr((200, [("transfer-encoding", "chunked")])).into_response();
    assert_eq!(res.status().as_u16(), 500);
    let res = Vapr((("b", [("content-type", "x")]),)).into_response();
    assert_eq!(res.status().as_u16(), 500);
    assert!(res.headers().is_empty());
    assert!(res.trailers().is_none());
    let cause = res.error_cause().unwrap().to_string();
    assert!(
        cause.contains("Forbidden trailer name: content-type"),
        "{cause}"
    );
}

#[test]
fn trailers_and_futures() {
    let mut res = Vapr((200, ("body", vec![("x-a".to_owned(), "1".to_owned())]))).into_response();
    res.trailers_mut()
        .insert_future("x-b", async { Ok::<_, std::io::Error>("2") })
        .unwrap();
    let names: Vec<_> = res
        .trailers()
        .unwrap()
        .names()
        .map(|n| n.as_str())
        .collect();
    assert_eq!(names, ["x-a", "x-b"]);
}

#[test]
fn json_shapes() {
    let res = Response::from_value(&json!(302)).unwrap();
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(res.message(), Some("Found"));
    assert!(res.body().unwrap().is_empty());

    let res = Response::from_value(&json!([200, null, null, null])).unwrap();
    assert_eq!(res.message(), Some("OK"));
    assert!(res.body().unwrap().is_empty());

    let res = Response::from_value(&json!([200, ["b"]])).unwrap();
    assert_eq!(text(&res), Some("b"));

    let res = Response::from_value(&json!([200, {"a": "1"}, ["b", {"x-t": "v"}]])).unwrap();
    assert_eq!(res.get("a"), Some("1"));
    assert_eq!(text(&res), Some("b"));
    assert_eq!(res.trailers().unwrap().get("x-t").unwrap(), "v");

    let res = Response::from_value(&json!([[null]])).unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.body().unwrap().is_empty());

    let res = Response::from_value(&json!([200.0])).unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

fn err(value: Value) -> VaprError {
    Response::from_value(&value).unwrap_err()
}

#[test]
fn json_errors_name_the_problem_and_the_shapes() {
    type Case = (Value, &'static str, fn(&VaprError) -> bool);
    let cases: Vec<Case> = vec![
        (
            json!("hello"),
            "Expected response to be a number or array (got string)",
            VaprError::is_invalid_shape,
        ),
        (
            json!({"code": 200}),
            "Expected response to be a number or array (got object)",
            VaprError::is_invalid_shape,
        ),
        (
            json!(true),
            "Expected response to be a number or array (got boolean)",
            VaprError::is_invalid_shape,
        ),
        (
            json!([]),
            "Expected response code to be a number (got undefined)",
            VaprError::is_invalid_shape,
        ),
        (
            json!([["a"], 1]),
            "Expected response code to be a number (got Array)",
            VaprError::is_invalid_shape,
        ),
        (
            json!(99),
            "Invalid response code: 99;",
            VaprError::is_invalid_code,
        ),
        (
            json!([199]),
            "Invalid response code: 199;",
            VaprError::is_invalid_code,
        ),
        (
            json!(200.5),
            "Invalid response code: 200.5;",
            VaprError::is_invalid_code,
        ),
        (
            json!(-3),
            "Invalid response code: -3;",
            VaprError::is_invalid_code,
        ),
        (
            json!([200, 5]),
            "Expected response message to be a string (got number)",
            VaprError::is_invalid_message,
        ),
        (
            json!([200, "m", "x"]),
            "Expected headers to be an object (got string)",
            VaprError::is_invalid_header,
        ),
        (
            json!([200, {}, "x"]),
            "Expected response body to be nested within another array (got string)",
            VaprError::is_invalid_shape,
        ),
        (
            json!([200, "m", {}, "x"]),
            "Expected response body to be nested within another array (got string)",
            VaprError::is_invalid_shape,
        ),
        (
            json!([200, "m", {}, ["b"], "x"]),
            "Unexpected value at response array[4]",
            VaprError::is_invalid_shape,
        ),
        (
            json!([200, {}, ["b"], "x"]),
            "Unexpected value at response array[3]",
            VaprError::is_invalid_shape,
        ),
        (
            json!([200, ["b"], null]),
            "Unexpected value at response array[2]",
            VaprError::is_invalid_shape,
        ),
        (
            json!([200, [1, {}, 2]]),
            "Unexpected value at response body array[2]",
            VaprError::is_invalid_shape,
        ),
        (
            json!([200, {"x-n": 1}]),
            "Expected header value to be a string (got number for \"x-n\")",
            VaprError::is_invalid_header,
        ),
        (
            json!([200, {"x y": "1"}]),
            "Invalid response header: invalid header name",
            VaprError::is_invalid_header,
        ),
        (
            json!([["b", {"content-type": "x"}]]),
            "Invalid response trailer: Forbidden trailer name: content-type",
            VaprError::is_invalid_trailer,
        ),
        (
            json!([["b", {"x-t": 5}]]),
            "Expected trailer value to be a string (got number for \"x-t\")",
            VaprError::is_invalid_trailer,
        ),
        (
            json!([["b", "t"]]),
            "Expected trailers to be an object (got string)",
            VaprError::is_invalid_trailer,
        ),
        (
            json!([200, "msg", {}, [{"a": 1}]]),
            "Expected response body to be a string or null (got object)",
            VaprError::is_invalid_body,
        ),
        (
            json!([200, "m", [["x", "y"]]]),
            "Expected response body to be a string or null (got Array)",
            VaprError::is_invalid_body,
        ),
        (
            json!([200, "a\nb"]),
            "Invalid response message: invalid status message",
            VaprError::is_invalid_message,
        ),
    ];
    for (value, start, kind) in cases {
        let e = err(value.clone());
        let text = e.to_string();
        assert!(text.starts_with(start), "{value}: {text}");
        assert!(text.ends_with(SHAPES), "{value}: {text}");
        assert!(kind(&e), "{value}: {e:?}");
    }
}

#[test]
fn errors_keep_their_source() {
    use std::error::Error as _;
    assert!(err(json!([200, {"x y": "1"}])).source().is_some());
    assert!(err(json!(99)).source().is_none());
}

#[test]
fn an_error_as_a_response() {
    let res = err(json!("x")).into_response();
    assert_eq!(res.status().as_u16(), 500);
    assert!(res.body().unwrap().is_empty());
    assert_eq!(res.source(), crate::Source::Error);
    let res = Response::from_value(&json!([200, 5])).into_response();
    assert_eq!(res.status().as_u16(), 500);
}
