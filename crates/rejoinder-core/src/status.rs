//! Status codes, their reason phrases and lookups by name.
//!
//! The table below is the one Koa (through the `statuses` package) and Node
//! use: every registered code with its canonical reason phrase. Codes outside
//! the table are still valid HTTP statuses (100–999) but have no phrase.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::status;
//!
//! assert_eq!(status::reason(418), Some("I'm a Teapot"));
//! assert_eq!(status::code_for("not found").unwrap(), 404);
//! assert!(status::code_for("Not Fuond").unwrap_err().to_string().contains("Not Found"));
//! ```

use std::fmt;

macro_rules! status_table {
    ($( ($code:literal, $reason:literal, $method:ident) ),* $(,)?) => {
        /// Every registered status code with its reason phrase and the name of
        /// its descriptive method, in ascending order.
        pub const TABLE: &[(u16, &str, &str)] = &[ $( ($code, $reason, stringify!($method)) ),* ];
    };
}

/// Calls `$callback! { (code, "Reason", method_name), ... }` with the status
/// table, so the reason phrases and the descriptive methods come from one list.
macro_rules! for_each_status {
    ($callback:ident) => {
        $callback! {
        (100, "Continue", continue_),
        (101, "Switching Protocols", switching_protocols),
        (102, "Processing", processing),
        (103, "Early Hints", early_hints),
        (200, "OK", ok),
        (201, "Created", created),
        (202, "Accepted", accepted),
        (203, "Non-Authoritative Information", non_authoritative_information),
        (204, "No Content", no_content),
        (205, "Reset Content", reset_content),
        (206, "Partial Content", partial_content),
        (207, "Multi-Status", multi_status),
        (208, "Already Reported", already_reported),
        (226, "IM Used", im_used),
        (300, "Multiple Choices", multiple_choices),
        (301, "Moved Permanently", moved_permanently),
        (302, "Found", found),
        (303, "See Other", see_other),
        (304, "Not Modified", not_modified),
        (305, "Use Proxy", use_proxy),
        (307, "Temporary Redirect", temporary_redirect),
        (308, "Permanent Redirect", permanent_redirect),
        (400, "Bad Request", bad_request),
        (401, "Unauthorized", unauthorized),
        (402, "Payment Required", payment_required),
        (403, "Forbidden", forbidden),
        (404, "Not Found", not_found),
        (405, "Method Not Allowed", method_not_allowed),
        (406, "Not Acceptable", not_acceptable),
        (407, "Proxy Authentication Required", proxy_authentication_required),
        (408, "Request Timeout", request_timeout),
        (409, "Conflict", conflict),
        (410, "Gone", gone),
        (411, "Length Required", length_required),
        (412, "Precondition Failed", precondition_failed),
        (413, "Payload Too Large", payload_too_large),
        (414, "URI Too Long", uri_too_long),
        (415, "Unsupported Media Type", unsupported_media_type),
        (416, "Range Not Satisfiable", range_not_satisfiable),
        (417, "Expectation Failed", expectation_failed),
        (418, "I'm a Teapot", im_a_teapot),
        (421, "Misdirected Request", misdirected_request),
        (422, "Unprocessable Entity", unprocessable_entity),
        (423, "Locked", locked),
        (424, "Failed Dependency", failed_dependency),
        (425, "Too Early", too_early),
        (426, "Upgrade Required", upgrade_required),
        (428, "Precondition Required", precondition_required),
        (429, "Too Many Requests", too_many_requests),
        (431, "Request Header Fields Too Large", request_header_fields_too_large),
        (451, "Unavailable For Legal Reasons", unavailable_for_legal_reasons),
        (500, "Internal Server Error", internal_server_error),
        (501, "Not Implemented", not_implemented),
        (502, "Bad Gateway", bad_gateway),
        (503, "Service Unavailable", service_unavailable),
        (504, "Gateway Timeout", gateway_timeout),
        (505, "HTTP Version Not Supported", http_version_not_supported),
        (506, "Variant Also Negotiates", variant_also_negotiates),
        (507, "Insufficient Storage", insufficient_storage),
        (508, "Loop Detected", loop_detected),
        (509, "Bandwidth Limit Exceeded", bandwidth_limit_exceeded),
        (510, "Not Extended", not_extended),
        (511, "Network Authentication Required", network_authentication_required),
            }
    };
}
#[cfg_attr(not(feature = "adonis"), allow(unused_imports))]
pub(crate) use for_each_status;

for_each_status!(status_table);

fn entry(code: u16) -> Option<&'static (u16, &'static str, &'static str)> {
    TABLE
        .binary_search_by_key(&code, |e| e.0)
        .ok()
        .map(|i| &TABLE[i])
}

/// The canonical reason phrase of a registered status code.
pub fn reason(code: u16) -> Option<&'static str> {
    entry(code).map(|e| e.1)
}

/// The reason phrase of a registered code, or an error naming the code.
///
/// # Errors
///
/// [`StatusError`] when the code is not in [`TABLE`].
pub fn lookup(code: u16) -> Result<&'static str, StatusError> {
    reason(code).ok_or(StatusError {
        kind: StatusErrorKind::UnknownCode(code),
    })
}

/// The reason phrase a response with this code and no message of its own
/// sends on HTTP/1 when it differs from the `http` crate's canonical one
/// (ours, or `unknown` for an unregistered code); `None` when the canonical
/// phrase is right. Worked out once per code, on first use: every response
/// asks.
pub(crate) fn wire_reason(code: http::StatusCode) -> Option<&'static str> {
    static TABLE_BY_CODE: std::sync::LazyLock<Vec<Option<&'static str>>> =
        std::sync::LazyLock::new(|| {
            (100..1000u16)
                .map(|code| {
                    let canonical = http::StatusCode::from_u16(code)
                        .ok()
                        .and_then(|s| s.canonical_reason());
                    match reason(code) {
                        Some(r) if Some(r) != canonical => Some(r),
                        Some(_) => None,
                        None => Some("unknown"),
                    }
                })
                .collect()
        });
    TABLE_BY_CODE
        .get(usize::from(code.as_u16()).wrapping_sub(100))
        .copied()
        .unwrap_or(Some("unknown"))
}

/// Whether a response with this status carries no body (204, 205, 304).
pub fn is_empty(code: u16) -> bool {
    matches!(code, 204 | 205 | 304)
}

/// Whether this status is a redirect that carries a Location
/// (300, 301, 302, 303, 305, 307, 308).
pub fn is_redirect(code: u16) -> bool {
    matches!(code, 300 | 301 | 302 | 303 | 305 | 307 | 308)
}

/// Whether a request answered with this status may be retried (502, 503, 504).
pub fn is_retry(code: u16) -> bool {
    matches!(code, 502..=504)
}

/// Checks that `code` is a valid HTTP status (100–999).
///
/// # Errors
///
/// A [`StatusError`] outside that range.
pub fn validate(code: u16) -> Result<http::StatusCode, StatusError> {
    match http::StatusCode::from_u16(code) {
        Ok(status) if Range::Any.contains(code) => Ok(status),
        _ => Err(StatusError::invalid(code.into())),
    }
}

fn normalize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '_' {
                ' '
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Finds the status code for a reason phrase or constant-style name.
///
/// Matching ignores ASCII case, and `_` stands for a space, so `"not found"`,
/// `"Not Found"` and `"NOT_FOUND"` all give 404. Nothing else is forgiven:
/// extra or missing spaces do not match.
///
/// # Errors
///
/// [`StatusError`] (an unknown name) with the closest valid phrases, so a typo is
/// answered with a helpful list.
pub fn code_for(name: &str) -> Result<u16, StatusError> {
    let wanted = normalize(name);
    if let Some(e) = TABLE.iter().find(|e| e.1.eq_ignore_ascii_case(&wanted)) {
        return Ok(e.0);
    }
    let mut scored: Vec<(usize, &str)> = TABLE
        .iter()
        .map(|e| (edit_distance(&wanted, &e.1.to_ascii_lowercase()), e.1))
        .collect();
    scored.sort_by_key(|s| s.0);
    let suggestions = scored.iter().take(3).map(|s| s.1).collect();
    Err(StatusError {
        kind: StatusErrorKind::UnknownName {
            name: name.to_owned(),
            suggestions,
        },
    })
}

/// Looks a status up the way `statuses(value)` does: a numeric string is a
/// code (answered with its phrase), anything else a phrase (answered with its
/// code).
///
/// # Errors
///
/// An unknown code or phrase.
pub fn lookup_str(value: &str) -> Result<Lookup, StatusError> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let code = value
            .parse::<u16>()
            .map_err(|_| StatusError::invalid(i64::MAX))?;
        return lookup(code).map(Lookup::Reason);
    }
    code_for(value).map(Lookup::Code)
}

/// The answer of [`lookup_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A phrase was given; this is its code.
    Code(u16),
    /// A code was given; this is its phrase.
    Reason(&'static str),
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// What a status code is checked for. Each meaning has one range, and
/// every check in rejoinder goes through [`Range::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Range {
    /// Any HTTP status, 100–999 (Koa's `status=`, `Response::set_status`).
    Any,
    /// What Kong sends, 100–599 (`exit`, `set_status`).
    Kong,
    /// A Kong error page, 400–599 (`error`).
    KongError,
    /// A Boom error, 400–999 (custom codes are allowed, unnamed ones are
    /// "Unknown").
    Boom,
    /// A response value: a registered status of 200 or more (vapr's rule,
    /// and a bare status a handler returns).
    Answer,
}

impl Range {
    /// Whether `code` is in this range.
    pub fn contains(self, code: u16) -> bool {
        match self {
            Range::Any => (100..=999).contains(&code),
            Range::Kong => (100..=599).contains(&code),
            Range::KongError => (400..=599).contains(&code),
            Range::Boom => (400..=999).contains(&code),
            Range::Answer => code >= 200 && reason(code).is_some(),
        }
    }

    /// `code` as a [`StatusCode`](http::StatusCode) when it is in this
    /// range.
    ///
    /// ```
    /// use rejoinder_core::status::Range;
    ///
    /// assert_eq!(Range::Kong.check(418).unwrap(), 418);
    /// let err = Range::Kong.check(600).unwrap_err();
    /// assert_eq!(err.to_string(), "code must be a number between 100 and 599, got 600");
    /// assert!(Range::Answer.check(102).is_err()); // vapr refuses 1xx
    /// ```
    ///
    /// # Errors
    ///
    /// The code is outside the range; the message says which range, in the
    /// words of the system it comes from.
    pub fn check(self, code: u16) -> Result<http::StatusCode, StatusError> {
        match http::StatusCode::from_u16(code) {
            Ok(status) if self.contains(code) => Ok(status),
            _ => Err(self.refusal(code.into())),
        }
    }

    /// The error for a code outside this range.
    pub(crate) fn refusal(self, code: i64) -> StatusError {
        let kind = match self {
            Range::Any => StatusErrorKind::Invalid(code),
            range => StatusErrorKind::OutOfRange { range, code },
        };
        StatusError { kind }
    }
}

/// Why a status code or name was refused. Opaque; the predicates tell the
/// kinds apart, and the message says what was wrong and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    kind: StatusErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StatusErrorKind {
    /// Not an HTTP status code at all (outside 100–999).
    Invalid(i64),
    /// A valid code without a registered reason phrase.
    UnknownCode(u16),
    /// A name that matches no reason phrase.
    UnknownName {
        name: String,
        suggestions: Vec<&'static str>,
    },
    /// A code outside the range its use allows.
    OutOfRange { range: Range, code: i64 },
}

impl StatusError {
    pub(crate) fn invalid(code: i64) -> Self {
        StatusError {
            kind: StatusErrorKind::Invalid(code),
        }
    }

    /// Not an HTTP status code at all (outside 100–999), or outside the
    /// range its use allows.
    pub fn is_invalid(&self) -> bool {
        matches!(
            self.kind,
            StatusErrorKind::Invalid(_) | StatusErrorKind::OutOfRange { .. }
        )
    }

    /// A status outside the range its use allows (a Kong exit past 599, a
    /// Boom error below 400, …).
    pub fn is_out_of_range(&self) -> bool {
        matches!(self.kind, StatusErrorKind::OutOfRange { .. })
    }

    /// A valid code without a registered reason phrase.
    pub fn is_unknown_code(&self) -> bool {
        matches!(self.kind, StatusErrorKind::UnknownCode(_))
    }

    /// A name that matches no reason phrase.
    pub fn is_unknown_name(&self) -> bool {
        matches!(self.kind, StatusErrorKind::UnknownName { .. })
    }

    /// For an unknown name, the closest registered phrases.
    pub fn suggestions(&self) -> &[&'static str] {
        match &self.kind {
            StatusErrorKind::UnknownName { suggestions, .. } => suggestions,
            _ => &[],
        }
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StatusErrorKind::Invalid(code) => write!(
                f,
                "invalid status code: {code} (a status code is an integer from 100 to 999)"
            ),
            StatusErrorKind::UnknownCode(code) => {
                write!(
                    f,
                    "invalid status code: {code} (no registered reason phrase)"
                )
            }
            StatusErrorKind::OutOfRange { range, code } => match range {
                Range::Any => write!(
                    f,
                    "invalid status code: {code} (a status code is an integer from 100 to 999)"
                ),
                Range::Kong => write!(f, "code must be a number between 100 and 599, got {code}"),
                Range::KongError => {
                    write!(f, "code must be a number between 400 and 599, got {code}")
                }
                Range::Boom => write!(
                    f,
                    "an HTTP error status is a number from 400 to 999, got {code}"
                ),
                Range::Answer => write!(f, "Invalid response code: {code}"),
            },
            StatusErrorKind::UnknownName { name, suggestions } => {
                write!(f, "invalid status message: {name:?}; did you mean ")?;
                for (i, s) in suggestions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if i + 1 == suggestions.len() {
                            " or "
                        } else {
                            ", "
                        })?;
                    }
                    write!(f, "{s:?}")?;
                }
                f.write_str("? Valid names:")?;
                for e in TABLE {
                    write!(f, " {} {:?};", e.0, e.1)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for StatusError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_reason_is_ours_where_it_differs_from_the_canonical_one() {
        for code in 100..1000u16 {
            let status = http::StatusCode::from_u16(code).expect("100..=999 are valid");
            let canonical = status.canonical_reason();
            let expected = match reason(code) {
                Some(r) if Some(r) != canonical => Some(r),
                Some(_) => None,
                None => Some("unknown"),
            };
            assert_eq!(wire_reason(status), expected, "{code}");
        }
        assert_eq!(wire_reason(http::StatusCode::OK), None);
    }

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn names_and_typos() {
        assert_eq!(code_for("NOT_FOUND").unwrap(), 404);
        assert_eq!(code_for("i'm a teapot").unwrap(), 418);
        assert!(code_for("not  found").is_err());
        assert!(code_for(" OK").is_err());
        let err = code_for("Not Fuond").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid status message: \"Not Fuond\"; did you mean \"Not Found\"")
        );
        assert!(err.contains("511 \"Network Authentication Required\""));
    }

    #[test]
    fn validation_range() {
        for bad in [0, 99, 1000, u16::MAX] {
            let err = validate(bad).unwrap_err();
            assert!(err.to_string().contains("100 to 999"), "{err}");
        }
        assert_eq!(validate(299).unwrap().as_u16(), 299);
        assert_eq!(lookup_str("404").unwrap(), Lookup::Reason("Not Found"));
        assert!(lookup(306).is_err());
    }
}
