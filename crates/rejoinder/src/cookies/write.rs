//! Writing a cookie: the app's defaults, the checks, and one `Set-Cookie`
//! line per cookie.

use cookie::{Cookie, SameSite};
use http::header::SET_COOKIE;
use http::HeaderValue;
use rejoinder_core::{Error, Response};

use super::error::{CookieError, Kind};

/// The most bytes of name and value browsers keep (RFC 6265 §6.1 asks for
/// at least 4096 and browsers stop there).
const MAX_LEN: usize = 4096;

/// Gives `cookie` the app's defaults for what it leaves unset: HttpOnly,
/// SameSite=Lax, Path=/, and Secure over TLS (and always for the
/// `__Secure-` and `__Host-` names, which browsers drop without it). An
/// attribute the cookie sets, even to `false`, is left as it is.
pub(crate) fn apply_defaults(cookie: &mut Cookie<'_>, tls: bool) {
    if cookie.http_only().is_none() {
        cookie.set_http_only(true);
    }
    if cookie.same_site().is_none() {
        cookie.set_same_site(SameSite::Lax);
    }
    if cookie.path().is_none() {
        cookie.set_path("/");
    }
    if cookie.secure().is_none() && (tls || prefix(cookie.name()).is_some()) {
        cookie.set_secure(true);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Prefix {
    Secure,
    Host,
}

/// The cookie prefix a name starts with (compared as browsers do, ASCII
/// case-insensitively).
fn prefix(name: &str) -> Option<Prefix> {
    let starts = |p: &str| {
        name.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    };
    if starts("__Host-") {
        Some(Prefix::Host)
    } else if starts("__Secure-") {
        Some(Prefix::Secure)
    } else {
        None
    }
}

/// Checks the name and the attributes that carry text.
fn check(cookie: &Cookie<'_>) -> Result<(), CookieError> {
    let name = cookie.name();
    if !rejoinder_core::header::is_token(name) {
        return Err(CookieError::new(Kind::Name(name.to_owned())));
    }
    let attributes = [("Path", cookie.path()), ("Domain", cookie.domain())];
    for (attribute, value) in attributes {
        if let Some(value) = value {
            if !value
                .bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b';')
            {
                return Err(CookieError::new(Kind::Attribute {
                    attribute,
                    value: value.to_owned(),
                }));
            }
        }
    }
    // The cookie crate writes `Secure` for `SameSite=None` unless told
    // `.secure(false)`, and always for a partitioned cookie.
    let secure = cookie.secure() == Some(true)
        || cookie.partitioned() == Some(true)
        || cookie.secure().is_none() && cookie.same_site() == Some(SameSite::None);
    let rule = match prefix(name) {
        Some(_) if !secure => "a __Secure- or __Host- cookie must be Secure",
        Some(Prefix::Host) if cookie.domain().is_some() => "a __Host- cookie has no Domain",
        Some(Prefix::Host) if cookie.path() != Some("/") => "a __Host- cookie has Path=/",
        _ => return Ok(()),
    };
    Err(CookieError::new(Kind::Prefix {
        name: name.to_owned(),
        rule,
    }))
}

/// The `Set-Cookie` line for `cookie`: name and value percent-encoded by
/// the `cookie` crate (`Cookie::encoded`, which leaves a token or a
/// base64 value but for `/` and `=` as it is), then the attributes.
///
/// # Errors
///
/// An invalid name, Path or Domain, or more than 4096 bytes of encoded
/// name and value.
pub(crate) fn line(cookie: &Cookie<'_>) -> Result<HeaderValue, CookieError> {
    check(cookie)?;
    let pair = cookie.stripped().encoded().to_string();
    let len = pair.len() - 1; // without the `=`
    if len > MAX_LEN {
        return Err(CookieError::new(Kind::TooLarge {
            name: cookie.name().to_owned(),
            len,
        }));
    }
    let line = cookie.encoded().to_string();
    HeaderValue::try_from(line).map_err(|_| {
        // Unreachable after `check`: the encoded pair and the typed
        // attributes are visible ASCII. Kept so that no input can panic.
        CookieError::new(Kind::Attribute {
            attribute: "line",
            value: cookie.to_string(),
        })
    })
}

/// Adds `cookie` to the response as a `Set-Cookie` line of its own,
/// appended after the lines already there, which are all kept.
///
/// Everything is checked before anything changes: on an error the
/// response is as it was.
pub(crate) fn append<'r>(
    res: &'r mut Response,
    cookie: &Cookie<'_>,
) -> Result<&'r mut Response, CookieError> {
    if res.headers_sent() {
        return Err(Error::headers_sent().into());
    }
    let line = line(cookie)?;
    res.headers_mut().append(SET_COOKIE, line);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(cookie: Cookie<'_>) -> Result<String, CookieError> {
        line(&cookie).map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn values_are_encoded_by_the_cookie_crate() {
        let plain = "abc-._~!$&'*+0";
        assert_eq!(text(Cookie::new("a", plain)).unwrap(), format!("a={plain}"));
        assert_eq!(
            text(Cookie::new("a", "x y;z,\"\\%\r\n\u{2713}")).unwrap(),
            "a=x%20y%3Bz%2C%22%5C%25%0D%0A%E2%9C%93"
        );
        assert_eq!(
            text(Cookie::new("a", "QUJD/+==")).unwrap(),
            "a=QUJD%2F+%3D%3D"
        );
    }

    #[test]
    fn defaults_fill_only_what_is_unset() {
        let mut c = Cookie::new("a", "1");
        apply_defaults(&mut c, false);
        assert_eq!(c.to_string(), "a=1; HttpOnly; SameSite=Lax; Path=/");
        let mut c = Cookie::new("a", "1");
        apply_defaults(&mut c, true);
        assert_eq!(c.to_string(), "a=1; HttpOnly; SameSite=Lax; Secure; Path=/");
        let mut c = Cookie::build(("a", "1"))
            .http_only(false)
            .same_site(SameSite::Strict)
            .secure(false)
            .path("/admin")
            .build();
        apply_defaults(&mut c, true);
        assert_eq!(c.to_string(), "a=1; SameSite=Strict; Path=/admin");
        let mut c = Cookie::new("__Host-id", "1");
        apply_defaults(&mut c, false);
        assert_eq!(c.secure(), Some(true));
    }

    #[test]
    fn prefixes_follow_the_browsers_rules() {
        let host = |c: cookie::CookieBuilder<'static>| text(c.build());
        assert!(host(Cookie::build(("__Host-a", "1")).secure(true).path("/")).is_ok());
        for bad in [
            Cookie::build(("__Host-a", "1")).path("/"),
            Cookie::build(("__host-a", "1")).secure(true),
            Cookie::build(("__Host-a", "1"))
                .secure(true)
                .path("/")
                .domain("a.test"),
            Cookie::build(("__SECURE-a", "1")).secure(false),
        ] {
            let err = host(bad).unwrap_err();
            assert!(err.is_invalid_attribute(), "{err}");
        }
    }

    #[test]
    fn lines_are_appended_and_others_kept() {
        let mut res = Response::new();
        res.append("set-cookie", "raw=1").unwrap();
        for c in [
            Cookie::build(("a", "1")).path("/"),
            Cookie::build(("a", "2")).path("/"),
        ] {
            append(&mut res, &c.build()).unwrap();
        }
        assert_eq!(
            res.get_all("set-cookie"),
            ["raw=1", "a=1; Path=/", "a=2; Path=/"]
        );
    }
}
