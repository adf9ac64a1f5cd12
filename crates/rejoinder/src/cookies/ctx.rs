//! The cookie methods of [`Context`]: writing plain, signed and private
//! cookies with the app's defaults, and reading signed and private ones
//! under the app's keys.

use cookie::Cookie;
use rejoinder_core::Response;

use super::error::{CookieError, Kind};
use super::keys::CookieKeys;
use super::write;
use crate::context::Context;

/// What a writer does to the value before it goes out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seal {
    Plain,
    Signed,
    Private,
}

impl Seal {
    fn as_str(self) -> &'static str {
        match self {
            Seal::Plain => "plain",
            Seal::Signed => "signed",
            Seal::Private => "private",
        }
    }
}

impl Context {
    /// Sets a plain cookie on the response, with the app's
    /// [defaults](super#defaults) for what it leaves unset: a `(name,
    /// value)` pair, a [`Cookie`] or a [`CookieBuilder`](super::CookieBuilder).
    /// The line is appended: `Set-Cookie` lines already on the response
    /// stay (Koa's `ctx.cookies.set(name, value, opts)`, Adonis's
    /// `response.plainCookie`).
    ///
    /// ```
    /// use rejoinder::cookies::{time::Duration, Cookie, SameSite};
    /// use rejoinder::{Abort, Context};
    ///
    /// async fn prefs(ctx: &mut Context) -> Result<(), Abort> {
    ///     ctx.set_cookie(("theme", "dark"))?;
    ///     ctx.set_cookie(
    ///         Cookie::build(("lang", "fr"))
    ///             .max_age(Duration::days(30))
    ///             .same_site(SameSite::Strict),
    ///     )?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// An invalid name, Path or Domain, a cookie too large for browsers, or
    /// headers already sent (see [what is refused](super#what-is-refused));
    /// the response is unchanged.
    ///
    /// ```
    /// use rejoinder::cookies::Cookie;
    /// use rejoinder::request::RequestBody;
    /// use rejoinder::Context;
    ///
    /// let mut ctx = Context::new(rejoinder::http::Request::new(RequestBody::empty()));
    /// ctx.set_cookie(("kept", "1")).unwrap();
    /// let err = ctx.set_cookie(("a;b", "v")).unwrap_err();
    /// assert!(err.is_invalid_name());
    /// let err = ctx.set_cookie(Cookie::build(("a", "v")).path("/\r\nX-Evil: 1")).unwrap_err();
    /// assert!(err.is_invalid_attribute());
    /// assert_eq!(ctx.res.get_all("set-cookie"), ["kept=1; HttpOnly; SameSite=Lax; Path=/"]);
    /// ```
    pub fn set_cookie<'c>(
        &mut self,
        cookie: impl Into<Cookie<'c>>,
    ) -> Result<&mut Response, CookieError> {
        self.put_cookie(cookie.into().into_owned(), Seal::Plain)
    }

    /// Sets a signed cookie: the client can read its value but not change
    /// it (Koa's `signed: true`, Adonis's `response.cookie`). Read it back
    /// with [`signed_cookie`](Self::signed_cookie). Defaults as
    /// [`set_cookie`](Self::set_cookie).
    ///
    /// ```
    /// use rejoinder::{Abort, Context};
    ///
    /// async fn remember(ctx: &mut Context) -> Result<(), Abort> {
    ///     ctx.set_signed_cookie(("user_id", "42"))?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_cookie`](Self::set_cookie), and an app without a cookie key
    /// ([`is_missing_key`](CookieError::is_missing_key)).
    pub fn set_signed_cookie<'c>(
        &mut self,
        cookie: impl Into<Cookie<'c>>,
    ) -> Result<&mut Response, CookieError> {
        self.put_cookie(cookie.into().into_owned(), Seal::Signed)
    }

    /// Sets a private cookie: its value is encrypted and authenticated, so
    /// the client can neither read nor change it (Adonis's
    /// `response.encryptedCookie`). Read it back with
    /// [`private_cookie`](Self::private_cookie). Defaults as
    /// [`set_cookie`](Self::set_cookie).
    ///
    /// ```
    /// use rejoinder::{Abort, Context};
    ///
    /// async fn login(ctx: &mut Context) -> Result<(), Abort> {
    ///     ctx.set_private_cookie(("session", "user=42; role=admin"))?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_signed_cookie`](Self::set_signed_cookie).
    pub fn set_private_cookie<'c>(
        &mut self,
        cookie: impl Into<Cookie<'c>>,
    ) -> Result<&mut Response, CookieError> {
        self.put_cookie(cookie.into().into_owned(), Seal::Private)
    }

    /// Tells the client to remove a cookie, plain, signed or private: an
    /// empty value that expired a year ago with `Max-Age=0`, and the
    /// defaults of [`set_cookie`](Self::set_cookie). Give a name, or a
    /// cookie with the Path and Domain it was set with — a cookie is only
    /// removed by a line with the same name, path and domain (Koa's
    /// `ctx.cookies.set(name, null)`, Adonis's `response.clearCookie`).
    /// Like every writer it appends: a line set earlier in this response
    /// for the same cookie stays, and the browser, which applies the lines
    /// in order, ends with the cookie removed.
    ///
    /// ```
    /// use rejoinder::cookies::Cookie;
    /// use rejoinder::{Abort, Context};
    ///
    /// async fn logout(ctx: &mut Context) -> Result<(), Abort> {
    ///     ctx.clear_cookie("session")?;
    ///     ctx.clear_cookie(Cookie::build("admin").path("/admin"))?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_cookie`](Self::set_cookie).
    pub fn clear_cookie<'c>(
        &mut self,
        cookie: impl Into<Cookie<'c>>,
    ) -> Result<&mut Response, CookieError> {
        let mut cookie = cookie.into().into_owned();
        cookie.make_removal();
        self.put_cookie(cookie, Seal::Plain)
    }

    /// The value of the signed cookie `name`, if the client sent one whose
    /// signature is good under the app's keys (the current one or a
    /// previous one); `None` for a missing, tampered or foreign cookie.
    ///
    /// ```
    /// use rejoinder::Context;
    ///
    /// async fn whoami(ctx: &mut Context) -> String {
    ///     match ctx.signed_cookie("user_id") {
    ///         Some(id) => format!("user {id}"),
    ///         None => "nobody".to_owned(),
    ///     }
    /// }
    /// ```
    pub fn signed_cookie(&self, name: &str) -> Option<String> {
        self.open_cookie(name, Seal::Signed)
    }

    /// The clear value of the private cookie `name`, if the client sent one
    /// that the app's keys decrypt; `None` for a missing, tampered or
    /// foreign cookie.
    ///
    /// ```
    /// use rejoinder::Context;
    ///
    /// async fn session(ctx: &mut Context) -> String {
    ///     ctx.private_cookie("session").unwrap_or_default()
    /// }
    /// ```
    pub fn private_cookie(&self, name: &str) -> Option<String> {
        self.open_cookie(name, Seal::Private)
    }

    fn put_cookie(
        &mut self,
        mut cookie: Cookie<'static>,
        seal: Seal,
    ) -> Result<&mut Response, CookieError> {
        let shared = self.shared();
        let tls = self.req.came_over_tls(shared.trust_proxy);
        if seal != Seal::Plain {
            let key = shared
                .cookie_keys
                .current()
                .ok_or_else(|| CookieError::new(Kind::NoKey))?;
            let value = if seal == Seal::Signed {
                CookieKeys::sign(key, cookie.name(), cookie.value())
            } else {
                CookieKeys::encrypt(key, cookie.name(), cookie.value())
            };
            cookie.set_value(value);
        }
        write::apply_defaults(&mut cookie, tls);
        write::append(&mut self.res, &cookie)
    }

    fn open_cookie(&self, name: &str, seal: Seal) -> Option<String> {
        let mut sent = self.req.cookies().filter(|(n, _)| *n == name).peekable();
        sent.peek()?;
        let keys = &self.shared().cookie_keys;
        if keys.is_empty() {
            tracing::warn!(
                cookie = name,
                "{} cookies need a key (App::cookie_key); read as absent",
                seal.as_str()
            );
            return None;
        }
        // Several cookies of one name (set for different paths or
        // domains): the first that opens wins.
        let opened = sent.find_map(|(_, value)| match seal {
            Seal::Signed => keys.verify(name, value),
            _ => keys.decrypt(name, value),
        });
        if opened.is_none() {
            tracing::debug!(
                cookie = name,
                "a {} cookie did not open under the app's keys (tampered, another key's, or \
                 plain); read as absent",
                seal.as_str()
            );
        }
        opened
    }
}
