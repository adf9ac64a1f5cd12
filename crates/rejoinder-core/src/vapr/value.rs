//! vapr's shapes as JSON values, read at run time.

use std::borrow::Cow;

use http::StatusCode;
use serde_json::{Map, Value};

use super::{check_code, set_header, set_message, set_trailer, Kind, VaprError};
use crate::body::Body;
use crate::Response;

/// vapr's name for the type of a value in its messages (`undefined` for a
/// missing slot).
fn type_of(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "Array",
        Some(Value::Object(_)) => "object",
    }
}

/// The slots of a JSON response, checked for shape but not yet applied.
struct Parsed<'v> {
    code: StatusCode,
    message: Option<&'v str>,
    headers: Option<&'v Map<String, Value>>,
    /// The `[body, trailers?]` array.
    body: Option<&'v [Value]>,
}

fn json_code(value: Option<&Value>) -> Result<StatusCode, VaprError> {
    let Some(Value::Number(n)) = value else {
        return Err(VaprError::new(Kind::CodeNotNumber(type_of(value))));
    };
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=f64::from(u16::MAX)).contains(&f) => {
            // In range and integral: the cast is exact.
            check_code(f as u16)
        }
        // JavaScript prints an integral number without a fraction.
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
            Err(VaprError::new(Kind::InvalidCode((f as i64).to_string())))
        }
        _ => Err(VaprError::new(Kind::InvalidCode(n.to_string()))),
    }
}

fn parse(value: &Value) -> Result<Parsed<'_>, VaprError> {
    match value {
        Value::Number(_) => Ok(Parsed {
            code: json_code(Some(value))?,
            message: None,
            headers: None,
            body: None,
        }),
        Value::Array(items) => parse_array(items),
        other => Err(VaprError::new(Kind::NotAResponse(type_of(Some(other))))),
    }
}

fn parse_array(items: &[Value]) -> Result<Parsed<'_>, VaprError> {
    if let [Value::Array(body)] = items {
        return Ok(Parsed {
            code: StatusCode::OK,
            message: None,
            headers: None,
            body: Some(body),
        });
    }
    let code = json_code(items.first())?;
    let slot = |i: usize| items.get(i).filter(|v| !v.is_null());
    // An object or array in the message slot is the headers (or body):
    // the later slots shift left.
    let (message, mut headers, mut body, mut end) = match items.get(1) {
        Some(v @ (Value::Object(_) | Value::Array(_))) => (None, Some(v), slot(2), 3),
        Some(Value::String(s)) => (Some(s.as_str()), slot(2), slot(3), 4),
        None | Some(Value::Null) => (None, slot(2), slot(3), 4),
        Some(other) => {
            return Err(VaprError::new(Kind::MessageNotString(type_of(Some(other)))));
        }
    };
    // An array in the headers slot is the body.
    if let Some(Value::Array(_)) = headers {
        body = headers.take();
        end -= 1;
    } else if let Some(b) = body.filter(|b| !b.is_array()) {
        return Err(VaprError::new(Kind::BodyNotNested(type_of(Some(b)))));
    }
    if items.len() > end {
        return Err(VaprError::new(Kind::Unexpected(end)));
    }
    let headers = match headers {
        None => None,
        Some(Value::Object(map)) => Some(map),
        Some(other) => {
            return Err(VaprError::new(Kind::HeadersNotObject(type_of(Some(other)))));
        }
    };
    Ok(Parsed {
        code,
        message,
        headers,
        body: body.and_then(Value::as_array).map(Vec::as_slice),
    })
}

fn apply_parsed(parsed: Parsed<'_>) -> Result<Response, VaprError> {
    let mut res = Response::new();
    res.apply_status(parsed.code);
    if let Some(message) = parsed.message {
        set_message(&mut res, Cow::Owned(message.to_owned()))?;
    }
    for (name, value) in parsed.headers.into_iter().flatten() {
        let Value::String(value) = value else {
            return Err(VaprError::new(Kind::HeaderValueNotString {
                name: name.clone(),
                got: type_of(Some(value)),
            }));
        };
        set_header(&mut res, name, value)?;
    }
    let (body, trailers) = match parsed.body.unwrap_or_default() {
        [] => (None, None),
        [body] => (Some(body), None),
        [body, trailers] => (Some(body), Some(trailers)),
        _ => return Err(VaprError::new(Kind::BodyArrayTooLong)),
    };
    match trailers {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let Value::String(value) = value else {
                    return Err(VaprError::new(Kind::TrailerValueNotString {
                        name: name.clone(),
                        got: type_of(Some(value)),
                    }));
                };
                set_trailer(&mut res, name, value)?;
            }
        }
        Some(other) => {
            return Err(VaprError::new(Kind::TrailersNotObject(type_of(Some(
                other,
            )))));
        }
    }
    let body = match body {
        None | Some(Value::Null) => Body::Empty,
        Some(Value::String(s)) => Body::text(s.clone()),
        Some(other) => return Err(VaprError::new(Kind::BodyType(type_of(Some(other))))),
    };
    res.set_body_raw(body, false);
    Ok(res)
}

/// vapr's run-time shapes on [`Response`]: `Response::from_value(&json)`.
/// Sealed; in scope through the prelude.
pub trait VaprResponse: crate::sealed::Sealed + Sized {
    /// Reads a vapr response from a JSON value: `code`,
    /// `[code, message?, headers?, [body, trailers?]?]` or
    /// `[[body, trailers?]]`, where any optional slot may be `null`, an
    /// object in the message slot is the headers, and an array in the
    /// headers slot is the body. See the [module docs](crate::vapr).
    ///
    /// The response is sent as given: the message defaults to the reason
    /// phrase, only the listed headers are sent (no Content-Type is
    /// inferred), and a missing or `null` body is an empty one. A string
    /// body is text (HTML when it starts with `<`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rejoinder_core::prelude::*;
    /// use rejoinder_core::Response;
    /// use serde_json::json;
    ///
    /// let res = Response::from_value(&json!([201, "Made", ["done"]])).unwrap();
    /// assert_eq!(res.status().as_u16(), 201);
    /// assert_eq!(res.message(), Some("Made"));
    /// assert_eq!(res.body().and_then(|b| b.as_text()), Some("done"));
    ///
    /// let res = Response::from_value(&json!([["hi", {"x-checksum": "abc"}]])).unwrap();
    /// assert_eq!(res.status().as_u16(), 200);
    /// assert_eq!(res.trailers().unwrap().get("x-checksum").unwrap(), "abc");
    ///
    /// let err = Response::from_value(&json!([200, "msg", "body"])).unwrap_err();
    /// assert!(err.is_invalid_header());
    /// ```
    ///
    /// # Errors
    ///
    /// A [`VaprError`] when the value is not one of the shapes (it says
    /// which slot is wrong), the code is not a registered status code of
    /// 200 or more, a header or trailer value is not a string, a header or
    /// trailer is not allowed by HTTP (or a trailer name is forbidden), or
    /// the body is neither a string nor `null`. vapr itself finds that last
    /// one only when sending and closes the connection; rejoinder refuses it
    /// up front.
    fn from_value(value: &Value) -> Result<Response, VaprError>;
}

impl VaprResponse for Response {
    fn from_value(value: &Value) -> Result<Response, VaprError> {
        apply_parsed(parse(value)?)
    }
}
