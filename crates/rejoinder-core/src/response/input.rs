//! What the setters take: a status, a content type. Sealed.

use http::StatusCode;

use crate::error::Error;
use crate::outcome::{Checked, Outcome, Typed};
use crate::status;

mod sealed {
    pub trait Sealed {}
}

/// Something that names a status: a number, a [`StatusCode`], or a reason
/// phrase (`"not found"`, `"NOT_FOUND"`). Sealed.
///
/// A [`StatusCode`] is valid by construction, so [`Response::set_status`](crate::Response::set_status)
/// given one returns `&mut Response`; numbers and names are checked, and
/// return a `Result` (see [`outcome`](crate::outcome)).
pub trait IntoStatus: sealed::Sealed {
    /// [`Typed`] for [`StatusCode`], [`Checked`] otherwise.
    type Outcome: Outcome;

    /// Converts, validating.
    ///
    /// # Errors
    ///
    /// A number outside 100–999 or an unknown phrase.
    fn into_status(self) -> Result<StatusCode, Error>;
}

impl<T: crate::outcome::Integer> sealed::Sealed for T {}
impl<T: crate::outcome::Integer> IntoStatus for T {
    type Outcome = Checked;
    fn into_status(self) -> Result<StatusCode, Error> {
        let n = self.to_i128();
        match u16::try_from(n) {
            Ok(code) => Ok(status::validate(code)?),
            Err(_) => Err(status::StatusError::invalid(
                n.clamp(i64::MIN.into(), i64::MAX.into()) as i64
            )
            .into()),
        }
    }
}
impl sealed::Sealed for StatusCode {}
impl IntoStatus for StatusCode {
    type Outcome = Typed;
    fn into_status(self) -> Result<StatusCode, Error> {
        Ok(self)
    }
}
impl sealed::Sealed for &str {}
impl IntoStatus for &str {
    type Outcome = Checked;
    fn into_status(self) -> Result<StatusCode, Error> {
        Ok(status::validate(status::code_for(self)?)?)
    }
}

/// Something that names a content type for [`Response::set_type`](crate::Response::set_type): a media
/// type or extension as text (checked), or a [`mime::Mime`] (typed, so the
/// setter cannot fail). Sealed.
pub trait IntoContentType: sealed::Sealed {
    /// [`Typed`] for [`mime::Mime`], [`Checked`] for text.
    type Outcome: Outcome;

    #[doc(hidden)]
    fn as_type_str(&self) -> &str;
}

impl IntoContentType for &str {
    type Outcome = Checked;
    fn as_type_str(&self) -> &str {
        self
    }
}
impl sealed::Sealed for &String {}
impl IntoContentType for &String {
    type Outcome = Checked;
    fn as_type_str(&self) -> &str {
        self
    }
}
impl sealed::Sealed for ::mime::Mime {}
impl IntoContentType for ::mime::Mime {
    type Outcome = Typed;
    fn as_type_str(&self) -> &str {
        self.as_ref()
    }
}
impl sealed::Sealed for &::mime::Mime {}
impl IntoContentType for &::mime::Mime {
    type Outcome = Typed;
    fn as_type_str(&self) -> &str {
        self.as_ref()
    }
}

/// A time for [`Response::set_last_modified`](crate::Response::set_last_modified):
/// a [`SystemTime`](std::time::SystemTime) (typed) or a date string
/// (checked: an HTTP date, parsed with `httpdate`, or RFC 3339). Sealed.
pub trait IntoHttpDate: sealed::Sealed {
    /// [`Typed`] for `SystemTime`, [`Checked`] for text.
    type Outcome: Outcome;

    #[doc(hidden)]
    fn into_time(self) -> Result<std::time::SystemTime, Error>;
}

impl sealed::Sealed for std::time::SystemTime {}
impl IntoHttpDate for std::time::SystemTime {
    type Outcome = Typed;
    fn into_time(self) -> Result<std::time::SystemTime, Error> {
        Ok(self)
    }
}

/// A date as Koa's `new Date(string)` reads the common forms: an HTTP
/// date (`httpdate`), an RFC 3339 timestamp, or an ISO date alone
/// (midnight UTC, as JavaScript reads it).
fn parse_date(s: &str) -> Result<std::time::SystemTime, Error> {
    let t = s.trim();
    httpdate::parse_http_date(t)
        .ok()
        .or_else(|| humantime::parse_rfc3339_weak(t).ok())
        .or_else(|| {
            let ok = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
            ok.then(|| humantime::parse_rfc3339_weak(&format!("{t}T00:00:00Z")).ok())
                .flatten()
        })
        .ok_or_else(|| {
            Error::other(format!(
                "invalid date {s:?} for Last-Modified: an HTTP date \
                 (\"Wed, 21 Oct 2015 07:28:00 GMT\") or an ISO 8601 one (\"2015-10-21T07:28:00Z\")"
            ))
        })
}

impl IntoHttpDate for &str {
    type Outcome = Checked;
    fn into_time(self) -> Result<std::time::SystemTime, Error> {
        parse_date(self)
    }
}
impl IntoHttpDate for &String {
    type Outcome = Checked;
    fn into_time(self) -> Result<std::time::SystemTime, Error> {
        parse_date(self)
    }
}
impl sealed::Sealed for String {}
impl IntoHttpDate for String {
    type Outcome = Checked;
    fn into_time(self) -> Result<std::time::SystemTime, Error> {
        parse_date(&self)
    }
}
