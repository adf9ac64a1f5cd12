//! Conversions for header names and values, with validation.
//!
//! Response setters accept names as `&str`, `String` or [`HeaderName`] and
//! values as strings, numbers, [`HeaderValue`]s or lists of them. Every
//! conversion checks its input: a name must be an HTTP token, a value must
//! not contain CR, LF, NUL or other control bytes. Refused input is an
//! [`Error`], never a panic and never bytes on the wire.

use http::header::{HeaderName, HeaderValue};

use crate::error::{Error, Kind};
use crate::outcome::{Checked, Join, Outcome, Typed};

mod sealed {
    pub trait Sealed {}
}

/// Something that names a header. Implemented for `&str`, `String` and
/// [`HeaderName`]; sealed.
pub trait IntoHeaderName: sealed::Sealed {
    /// [`Typed`] for [`HeaderName`], whose setters
    /// cannot fail; [`Checked`] for text.
    type Outcome: crate::outcome::Outcome;

    /// Converts, validating the name.
    ///
    /// # Errors
    ///
    /// The name is not an HTTP token.
    fn into_header_name(self) -> Result<HeaderName, Error>;
}

pub(crate) fn name_from_str(name: &str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::new(Kind::HeaderName(name.into())))
}

impl sealed::Sealed for &str {}
impl IntoHeaderName for &str {
    type Outcome = Checked;
    fn into_header_name(self) -> Result<HeaderName, Error> {
        name_from_str(self)
    }
}
impl sealed::Sealed for String {}
impl IntoHeaderName for String {
    type Outcome = Checked;
    fn into_header_name(self) -> Result<HeaderName, Error> {
        name_from_str(&self)
    }
}
impl sealed::Sealed for &String {}
impl IntoHeaderName for &String {
    type Outcome = Checked;
    fn into_header_name(self) -> Result<HeaderName, Error> {
        name_from_str(self)
    }
}
impl sealed::Sealed for HeaderName {}
impl IntoHeaderName for HeaderName {
    type Outcome = Typed;
    fn into_header_name(self) -> Result<HeaderName, Error> {
        Ok(self)
    }
}
impl sealed::Sealed for &HeaderName {}
impl IntoHeaderName for &HeaderName {
    type Outcome = Typed;
    fn into_header_name(self) -> Result<HeaderName, Error> {
        Ok(self.clone())
    }
}

/// Splits a comma-separated header list into the ranges of its entries,
/// dropping the spaces around each (the rule the `vary` and `fresh`
/// packages share: tabs are kept, empty entries too).
pub(crate) fn list_ranges(s: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut list = Vec::new();
    let (mut start, mut end) = (0, 0);
    for (i, &b) in s.iter().enumerate() {
        match b {
            b' ' => {
                if start == end {
                    start = i + 1;
                    end = i + 1;
                }
            }
            b',' => {
                list.push(start..end);
                start = i + 1;
                end = i + 1;
            }
            _ => end = i + 1,
        }
    }
    list.push(start..end);
    list
}

/// What a header setter returns for a name of type `N` and a value of type
/// `V`.
pub type HeaderOutput<'a, N, V> = <<<N as IntoHeaderName>::Outcome as Join<
    <V as IntoHeaderValues>::Outcome,
>>::Both as Outcome>::Output<'a>;

#[doc(hidden)]
/// One header value or several.
#[derive(Debug, Clone)]
pub enum HeaderValues {
    /// A single value.
    One(HeaderValue),
    /// A list, sent as repeated header lines in this order.
    Many(Vec<HeaderValue>),
}

impl HeaderValues {
    /// How many values there are.
    pub fn len(&self) -> usize {
        match self {
            HeaderValues::One(_) => 1,
            HeaderValues::Many(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Only the last value (Kong's answer to a list for a one-value
    /// header); none stays none.
    pub fn into_last(self) -> HeaderValues {
        match self {
            HeaderValues::Many(mut v) if v.len() > 1 => {
                HeaderValues::One(v.pop().unwrap_or_else(|| HeaderValue::from_static("")))
            }
            other => other,
        }
    }

    /// The values in order.
    pub fn iter(&self) -> std::slice::Iter<'_, HeaderValue> {
        match self {
            HeaderValues::One(v) => std::slice::from_ref(v).iter(),
            HeaderValues::Many(v) => v.iter(),
        }
    }
}

impl IntoIterator for HeaderValues {
    type Item = HeaderValue;
    type IntoIter = std::vec::IntoIter<HeaderValue>;
    fn into_iter(self) -> Self::IntoIter {
        match self {
            HeaderValues::One(v) => vec![v].into_iter(),
            HeaderValues::Many(v) => v.into_iter(),
        }
    }
}

/// Something that gives one or more header values: strings, integers,
/// [`HeaderValue`], and `Vec`s, slices or arrays of those.
pub trait IntoHeaderValues {
    /// [`Typed`] for [`HeaderValue`]s and integers,
    /// [`Checked`] for text.
    type Outcome: crate::outcome::Outcome;

    #[doc(hidden)]
    /// Converts, validating every value; `name` is used in error messages.
    ///
    /// # Errors
    ///
    /// A value contains CR, LF, NUL or another control byte.
    fn into_header_values(self, name: &HeaderName) -> Result<HeaderValues, Error>;
}

/// Header text is visible ASCII, space and tab (RFC 9110 §5.5: "newly
/// defined fields SHOULD limit their values to visible US-ASCII octets");
/// other octets are opaque to recipients, and clients read them as
/// ISO-8859-1, so UTF-8 text would arrive garbled. A `&str` or `String`
/// value is therefore refused when it is not ASCII, with the character and
/// its position in the error; an `http::HeaderValue` built from bytes
/// still sends opaque octets on purpose.
fn check_text(name: &HeaderName, v: &str) -> Result<(), Error> {
    if v.is_ascii() {
        return Ok(());
    }
    let (at, ch) = v
        .char_indices()
        .find(|(_, c)| !c.is_ascii())
        .unwrap_or((0, char::REPLACEMENT_CHARACTER));
    Err(Error::new(Kind::HeaderText {
        name: name.as_str().into(),
        value: v.into(),
        at,
        ch,
    }))
}

pub(crate) fn value_from_str(name: &HeaderName, v: &str) -> Result<HeaderValue, Error> {
    check_text(name, v)?;
    HeaderValue::from_bytes(v.as_bytes()).map_err(|_| {
        Error::new(Kind::HeaderValue {
            name: name.as_str().into(),
            value: v.into(),
        })
    })
}

/// A single header value; the building block of [`IntoHeaderValues`].
pub trait IntoHeaderValue {
    /// Whether the conversion can fail (see [`IntoHeaderValues::Outcome`]).
    type Outcome: crate::outcome::Outcome;

    #[doc(hidden)]
    /// Converts, validating the value.
    ///
    /// # Errors
    ///
    /// The value contains CR, LF, NUL or another control byte.
    fn into_header_value(self, name: &HeaderName) -> Result<HeaderValue, Error>;
}

impl IntoHeaderValue for &str {
    type Outcome = Checked;
    fn into_header_value(self, name: &HeaderName) -> Result<HeaderValue, Error> {
        value_from_str(name, self)
    }
}
impl IntoHeaderValue for &String {
    type Outcome = Checked;
    fn into_header_value(self, name: &HeaderName) -> Result<HeaderValue, Error> {
        value_from_str(name, self)
    }
}
impl IntoHeaderValue for String {
    type Outcome = Checked;
    fn into_header_value(self, name: &HeaderName) -> Result<HeaderValue, Error> {
        check_text(name, &self)?;
        // Validates like `from_bytes` but takes the String's buffer without a copy.
        let bytes = bytes::Bytes::from(self);
        HeaderValue::from_maybe_shared(bytes.clone()).map_err(|_| {
            Error::new(Kind::HeaderValue {
                name: name.as_str().into(),
                value: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })
    }
}
impl IntoHeaderValue for HeaderValue {
    type Outcome = Typed;
    fn into_header_value(self, _: &HeaderName) -> Result<HeaderValue, Error> {
        Ok(self)
    }
}
impl IntoHeaderValue for &HeaderValue {
    type Outcome = Typed;
    fn into_header_value(self, _: &HeaderName) -> Result<HeaderValue, Error> {
        Ok(self.clone())
    }
}
impl<T: crate::outcome::Integer> IntoHeaderValue for T {
    type Outcome = Typed;
    fn into_header_value(self, _: &HeaderName) -> Result<HeaderValue, Error> {
        Ok(self.header_value())
    }
}
impl<T: crate::outcome::Integer> IntoHeaderValues for T {
    type Outcome = Typed;
    fn into_header_values(self, _: &HeaderName) -> Result<HeaderValues, Error> {
        Ok(HeaderValues::One(self.header_value()))
    }
}

macro_rules! single_values {
    ($($t:ty => $o:ty),*) => {$(
        impl IntoHeaderValues for $t {
            type Outcome = $o;
            fn into_header_values(self, name: &HeaderName) -> Result<HeaderValues, Error> {
                self.into_header_value(name).map(HeaderValues::One)
            }
        }
    )*};
}
single_values!(&str => Checked, &String => Checked, String => Checked, HeaderValue => Typed, &HeaderValue => Typed);

impl<T: IntoHeaderValue> IntoHeaderValues for Vec<T> {
    type Outcome = T::Outcome;
    fn into_header_values(self, name: &HeaderName) -> Result<HeaderValues, Error> {
        self.into_iter()
            .map(|v| v.into_header_value(name))
            .collect::<Result<_, _>>()
            .map(HeaderValues::Many)
    }
}
impl<T: IntoHeaderValue, const N: usize> IntoHeaderValues for [T; N] {
    type Outcome = T::Outcome;
    fn into_header_values(self, name: &HeaderName) -> Result<HeaderValues, Error> {
        self.into_iter()
            .map(|v| v.into_header_value(name))
            .collect::<Result<_, _>>()
            .map(HeaderValues::Many)
    }
}
impl<T: IntoHeaderValue + Clone> IntoHeaderValues for &[T] {
    type Outcome = T::Outcome;
    fn into_header_values(self, name: &HeaderName) -> Result<HeaderValues, Error> {
        self.iter()
            .cloned()
            .map(|v| v.into_header_value(name))
            .collect::<Result<_, _>>()
            .map(HeaderValues::Many)
    }
}

impl IntoHeaderValues for HeaderValues {
    type Outcome = crate::outcome::Typed;
    fn into_header_values(self, _: &HeaderName) -> Result<HeaderValues, Error> {
        Ok(self)
    }
}

/// Response headers that carry exactly one value, so that a list given
/// for one must not become several header lines (RFC 9110 defines each as
/// a single value; two Content-Lengths or Locations are ambiguous).
const SINGLETONS: &[HeaderName] = &[
    http::header::AGE,
    http::header::CONTENT_DISPOSITION,
    http::header::CONTENT_LENGTH,
    http::header::CONTENT_LOCATION,
    http::header::CONTENT_RANGE,
    http::header::CONTENT_TYPE,
    http::header::DATE,
    http::header::ETAG,
    http::header::EXPIRES,
    http::header::LAST_MODIFIED,
    http::header::LOCATION,
    http::header::RETRY_AFTER,
    http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
];

/// Whether `name` is a header with exactly one value (Content-Type,
/// Content-Length, Location, ETag, Last-Modified, …).
pub fn is_singleton(name: &HeaderName) -> bool {
    SINGLETONS.contains(name)
}

/// The refusal of several values for a one-value header, in Koa's (Node's)
/// words: "Content-Length must contain exactly one value".
pub(crate) fn singleton_error(name: &HeaderName) -> Error {
    let title: Vec<String> = name
        .as_str()
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect();
    let title = match name.as_str() {
        "etag" => "ETag".to_owned(),
        _ => title.join("-"),
    };
    Error::new(Kind::Singleton(title))
}

/// Whether `s` is an HTTP token (RFC 9110 §5.6.2): a header name, a media
/// type's type or subtype, a disposition type, a Vary field.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[doc(hidden)]
/// The media ranges of an Accept header (all its values joined with `,`),
/// in order: each range as written (trimmed) and its `q` parameter's raw
/// text, if any. How a range matches and how a malformed `q` counts are
/// the caller's rules (Koa's `accepts` and Kong's error pages differ).
pub fn accept_ranges(accept: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    accept.split(',').filter_map(|entry| {
        let mut parts = entry.split(';');
        let range = parts.next()?.trim();
        if range.is_empty() {
            return None;
        }
        // Parameters are `OWS ; OWS name=value`; a repeated q counts last.
        let q = parts.rev().find_map(|p| {
            let (k, v) = p.trim_start().split_once('=')?;
            k.eq_ignore_ascii_case("q").then(|| v.trim())
        });
        Some((range, q))
    })
}

#[doc(hidden)]
/// A header name with `_` read as `-` (Kong's and Adonis's spelling of
/// names in code: `x_custom_header`).
pub fn dashed(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains('_') {
        std::borrow::Cow::Owned(name.replace('_', "-"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_injection() {
        let name = HeaderName::from_static("x-a");
        for bad in ["a\r\nb", "a\nb", "a\rb", "a\0b", "\x7f"] {
            assert!(bad
                .into_header_value(&name)
                .unwrap_err()
                .is_invalid_header_value());
            assert!(bad
                .to_string()
                .into_header_value(&name)
                .unwrap_err()
                .is_invalid_header_value());
        }
        assert!("tab\tok".to_string().into_header_value(&name).is_ok());
        for bad in ["", "a b", "a:b", "é", "a\r\n"] {
            assert!(
                bad.into_header_name().unwrap_err().is_invalid_header_name(),
                "{bad:?}"
            );
        }
    }
}
