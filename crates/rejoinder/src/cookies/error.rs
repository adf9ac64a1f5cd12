//! Why a cookie was not set.

use rejoinder_core::Error;

/// Why a cookie was not set. The response is unchanged: no `Set-Cookie`
/// line was added or removed.
///
/// The predicates tell the kinds apart; the message says what was wrong and
/// what is accepted. In a handler returning `Result<_, Abort>` or
/// `Result<_, HttpError>`, `?` turns it into a 500 whose text stays in the
/// server's log.
///
/// # Examples
///
/// ```
/// use rejoinder::request::RequestBody;
/// use rejoinder::Context;
///
/// let mut ctx = Context::new(rejoinder::http::Request::new(RequestBody::empty()));
/// let err = ctx.set_cookie(("bad name", "v")).unwrap_err();
/// assert!(err.is_invalid_name());
/// assert!(err.to_string().contains("token characters"), "{err}");
/// assert!(ctx.res.headers().get("set-cookie").is_none());
///
/// let err = ctx.set_private_cookie(("session", "v")).unwrap_err();
/// assert!(err.is_missing_key()); // Context::new has no app, so no key
/// ```
pub struct CookieError {
    kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Name(String),
    Attribute {
        attribute: &'static str,
        value: String,
    },
    Prefix {
        name: String,
        rule: &'static str,
    },
    TooLarge {
        name: String,
        len: usize,
    },
    NoKey,
    Response(Error),
}

impl CookieError {
    pub(crate) fn new(kind: Kind) -> Self {
        CookieError { kind }
    }

    /// A name that is not an HTTP token (empty, or with spaces, `=`, `;`,
    /// control or non-ASCII characters).
    pub fn is_invalid_name(&self) -> bool {
        matches!(self.kind, Kind::Name(_))
    }

    /// A Path or Domain that cannot be sent (`;`, control or non-ASCII
    /// characters), or attributes a `__Secure-` or `__Host-` name does not
    /// allow.
    pub fn is_invalid_attribute(&self) -> bool {
        matches!(self.kind, Kind::Attribute { .. } | Kind::Prefix { .. })
    }

    /// A name and value over 4096 bytes, which browsers ignore.
    pub fn is_too_large(&self) -> bool {
        matches!(self.kind, Kind::TooLarge { .. })
    }

    /// A signed or private cookie in an app without a cookie key.
    pub fn is_missing_key(&self) -> bool {
        matches!(self.kind, Kind::NoKey)
    }

    /// The response's headers were already sent.
    pub fn is_headers_sent(&self) -> bool {
        matches!(&self.kind, Kind::Response(e) if e.is_headers_sent())
    }
}

impl std::fmt::Display for CookieError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Name(name) => write!(
                f,
                "invalid cookie name {name:?}: a name is one or more of the token characters \
                 A-Z a-z 0-9 and !#$%&'*+-.^_`|~"
            ),
            Kind::Attribute { attribute, value } => write!(
                f,
                "invalid cookie {attribute} {value:?}: it may hold visible ASCII only, without \
                 `;` or control characters (percent-encode a path, give a domain in its ASCII \
                 form)"
            ),
            Kind::Prefix { name, rule } => write!(f, "the cookie {name:?} is refused: {rule}"),
            Kind::TooLarge { name, len } => write!(
                f,
                "the cookie {name:?} is {len} bytes (name and encoded value); browsers ignore \
                 cookies over 4096 bytes, so keep large data on the server"
            ),
            Kind::NoKey => f.write_str(
                "signed and private cookies need a key: give the app one with \
                 App::cookie_key(key)",
            ),
            Kind::Response(e) => e.fmt(f),
        }
    }
}

impl std::fmt::Debug for CookieError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieError")
            .field("kind", &self.kind)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for CookieError {}

impl From<Error> for CookieError {
    fn from(e: Error) -> Self {
        CookieError::new(Kind::Response(e))
    }
}
