//! The request's cookies: every `Cookie` header, parsed on first use.
//!
//! A request that never asks for a cookie pays nothing: the headers are
//! split into pairs the first time [`Request::cookie`] or
//! [`Request::cookies`] is called, once, and kept for the rest of the
//! request. Parsing never fails as a whole: a pair that is not `name=value`
//! (no `=`, an empty name, bytes that are not UTF-8) is skipped and the
//! others are kept.
//!
//! Values lose the double quotes RFC 6265 allows around them, then names
//! and values are percent-decoded, as the `cookie` crate's
//! `Cookie::parse_encoded` does (the writing side percent-encodes them with
//! it, see `rejoinder::cookies`, so whatever was set reads back the same).
//! A name or value whose escapes do not decode to UTF-8 (`%FF`) is kept as
//! sent, as Adonis's `cookie` package does. Koa's `ctx.cookies.get` decodes nothing; a value without `%` reads
//! the same in both.

use std::sync::OnceLock;

use cookie::Cookie;
use http::header::{HeaderMap, COOKIE};

use super::Request;

/// The cookies of a request, parsed on first use.
#[derive(Debug, Default)]
pub(crate) struct Jar {
    pairs: OnceLock<Vec<(String, String)>>,
}

impl Jar {
    fn pairs(&self, headers: &HeaderMap) -> &[(String, String)] {
        self.pairs.get_or_init(|| parse(headers))
    }
}

/// Every `name=value` pair of every `Cookie` header, in order (HTTP/2
/// clients send one header per cookie, HTTP/1.1 clients one for all).
fn parse(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for value in headers.get_all(COOKIE) {
        for piece in value.as_bytes().split(|&b| b == b';') {
            let Ok(piece) = std::str::from_utf8(piece) else {
                continue;
            };
            if piece.trim().is_empty() {
                continue;
            }
            // `piece` has no `;`, so the cookie crate sees a bare pair. The
            // quotes go before decoding, so that an encoded `"` stays.
            if let Ok(cookie) = Cookie::parse(piece) {
                pairs.push((decode(cookie.name()), decode(cookie.value_trimmed())));
            }
        }
    }
    pairs
}

/// A name or value with its `%XX` escapes decoded, or as sent when they do
/// not make UTF-8.
fn decode(text: &str) -> String {
    match percent_encoding::percent_decode_str(text).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => text.to_owned(),
    }
}

impl Request {
    /// The value of the cookie `name` the client sent (the first, when it
    /// sent several of that name), percent-decoded; `None` when there is
    /// none (Koa's `ctx.cookies.get(name)`, Adonis's
    /// `request.plainCookie(name)`). These are plain cookies, as the client
    /// sent them: anyone can forge them. For cookies the app signed or
    /// encrypted, see `Context::signed_cookie` and
    /// `Context::private_cookie` (feature `cookies`).
    ///
    /// The `Cookie` headers — every one of them, `; `-separated pairs in
    /// each — are parsed the first time a cookie is asked for, once per
    /// request. Parsing never fails: a pair without `=`, with an empty
    /// name, or with bytes that are not UTF-8 is skipped and the others
    /// kept. Values lose the double quotes RFC 6265 allows around them,
    /// then names and values are percent-decoded (what
    /// `ctx.set_cookie` encoded reads back the same, and Adonis's cookies
    /// read as they do there); a `%XX` that does not make UTF-8 is kept as
    /// sent. Koa decodes nothing; a value without `%` reads the same.
    ///
    /// ```
    /// use rejoinder::http::{header::COOKIE, Request};
    /// use rejoinder::request::RequestBody;
    /// use rejoinder::Context;
    ///
    /// let req = Request::builder()
    ///     .header(COOKIE, "theme=dark; broken; lang=fr%2Dca")
    ///     .header(COOKIE, "id=\"42\"")
    ///     .body(RequestBody::empty())
    ///     .unwrap();
    /// let ctx = Context::new(req);
    /// assert_eq!(ctx.req.cookie("theme"), Some("dark"));
    /// assert_eq!(ctx.req.cookie("lang"), Some("fr-ca"));
    /// assert_eq!(ctx.req.cookie("id"), Some("42"));
    /// assert_eq!(ctx.req.cookie("broken"), None);
    /// ```
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Every cookie the client sent, as `(name, value)` pairs in the order
    /// sent, duplicates included, percent-decoded; malformed pairs are
    /// left out.
    ///
    /// ```
    /// use rejoinder::Context;
    ///
    /// async fn list(ctx: &mut Context) -> String {
    ///     ctx.req
    ///         .cookies()
    ///         .map(|(name, value)| format!("{name}={value}\n"))
    ///         .collect::<String>()
    /// }
    /// ```
    pub fn cookies(&self) -> RequestCookies<'_> {
        RequestCookies {
            inner: self.cookies.pairs(&self.head.headers).iter(),
        }
    }
}

/// The cookies of a request as `(name, value)` pairs, from
/// [`Request::cookies`].
#[derive(Debug, Clone)]
#[must_use = "iterators do nothing unless consumed"]
pub struct RequestCookies<'a> {
    inner: std::slice::Iter<'a, (String, String)>,
}

impl<'a> Iterator for RequestCookies<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for RequestCookies<'_> {}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn pairs(values: &[&[u8]]) -> Vec<(String, String)> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(COOKIE, HeaderValue::from_bytes(v).unwrap());
        }
        parse(&headers)
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pairs_from_every_header_in_order() {
        assert_eq!(
            pairs(&[b"a=1; b=2", b"c=3;a=4"]),
            owned(&[("a", "1"), ("b", "2"), ("c", "3"), ("a", "4")])
        );
    }

    #[test]
    fn values_are_decoded_and_unquoted() {
        assert_eq!(
            pairs(&[
                b"a=hello%20world; b=\"quoted\"; c=%E2%9C%93; d=100%; e=%FF; f=%22q%22; g%7Ch=1"
            ]),
            owned(&[
                ("a", "hello world"),
                ("b", "quoted"),
                ("c", "\u{2713}"),
                ("d", "100%"),
                ("e", "%FF"),
                ("f", "\"q\""),
                ("g|h", "1"),
            ])
        );
    }

    #[test]
    fn malformed_pairs_are_skipped() {
        assert_eq!(
            pairs(&[b"; ;novalue; =empty; ok=1; \xff\xfe=x; x=\xff; a=b=c; sp ace = v "]),
            owned(&[("ok", "1"), ("a", "b=c"), ("sp ace", "v")])
        );
        assert!(pairs(&[b"", b";;;", b"="]).is_empty());
    }
}
