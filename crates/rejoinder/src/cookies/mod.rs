//! Cookies: the request's, the response's, and signed and private
//! (encrypted) ones under the app's key. Built on the `cookie` crate, whose
//! [`Cookie`] and [`CookieBuilder`] say what to set.
//!
//! This module is the `cookies` cargo feature, **off by default**:
//! `rejoinder = { version = "..", features = ["cookies"] }`. At run time an
//! app that never touches a cookie would pay nothing for it, but the
//! feature brings the `cookie` crate and its cryptography (HMAC-SHA256,
//! AES-256-GCM, HKDF, a random number generator, `time`) into every build,
//! so it is there only for apps that ask.
//!
//! | | plain | signed | private (encrypted) |
//! |---|---|---|---|
//! | read | [`ctx.req.cookie(name)`](crate::request::Request::cookie) | [`ctx.signed_cookie(name)`](Context::signed_cookie) | [`ctx.private_cookie(name)`](Context::private_cookie) |
//! | write | [`ctx.set_cookie(c)`](Context::set_cookie) | [`ctx.set_signed_cookie(c)`](Context::set_signed_cookie) | [`ctx.set_private_cookie(c)`](Context::set_private_cookie) |
//! | remove | [`ctx.clear_cookie(name)`](Context::clear_cookie) | the same | the same |
//!
//! Plain cookies are a property of the request
//! ([`ctx.req.cookies()`](crate::request::Request::cookies) lists them
//! all); signed and private ones need the app's key, so they are read
//! through the [`Context`]. The writers are on the `Context` rather than on
//! `ctx.res`, because the `Secure` default depends on how the request came.
//!
//! # Koa and Adonis
//!
//! | seed | rejoinder |
//! |---|---|
//! | Koa `ctx.cookies.get(name)` | `ctx.req.cookie(name)` |
//! | Koa `ctx.cookies.get(name, { signed: true })` | `ctx.signed_cookie(name)` |
//! | Koa `ctx.cookies.set(name, value, opts)` | `ctx.set_cookie(Cookie::build((name, value)).max_age(..))` (opts are the builder's methods) |
//! | Koa `ctx.cookies.set(name, value, { signed: true })` | `ctx.set_signed_cookie((name, value))` |
//! | Koa `ctx.cookies.set(name, null)` | `ctx.clear_cookie(name)` |
//! | Koa `app.keys = [current, ...old]` (keygrip) | [`App::cookie_key(current)`](App::cookie_key), [`App::previous_cookie_key(old)`](App::previous_cookie_key) |
//! | Koa `app.proxy = true` (for `ctx.secure`) | `App::trust_proxy(true)` |
//! | Adonis `request.plainCookie(key)` | `ctx.req.cookie(name)` |
//! | Adonis `request.cookie(key)` (signed) | `ctx.signed_cookie(name)` |
//! | Adonis `request.encryptedCookie(key)` | `ctx.private_cookie(name)` |
//! | Adonis `response.plainCookie(key, value, options)` | `ctx.set_cookie(..)` |
//! | Adonis `response.cookie(key, value, options)` (signed) | `ctx.set_signed_cookie(..)` |
//! | Adonis `response.encryptedCookie(key, value, options)` | `ctx.set_private_cookie(..)` |
//! | Adonis `response.clearCookie(key, options)` | `ctx.clear_cookie(Cookie::build(name).path(..))` |
//! | Adonis `appKey` (`APP_KEY`) | `App::cookie_key(key_from_base64(&app_key)?)` |
//!
//! The names say what the cookie is: `cookie` is plain, as Koa's default
//! and Adonis's `plainCookie`; `signed_cookie` is Koa's `signed: true` and
//! Adonis's `cookie`; `private_cookie` is Adonis's `encryptedCookie` (and
//! the `cookie` crate's private jar). Differences, on purpose:
//!
//! - Koa's `signed: true` sends a second cookie, `name.sig`; here the
//!   signature travels in the value (HMAC-SHA256, as the `cookie` crate's
//!   signed jar; it covers the name and the value, as keygrip's does), so
//!   one cookie is one cookie. Neither Koa's nor Adonis's signed or
//!   encrypted cookies can be read here, nor ours there.
//! - Adonis JSON-encodes and base64-encodes every value; here a value is a
//!   string, percent-encoded where needed (see below). Serialize
//!   structured data yourself (`serde_json::to_string`).
//! - Nothing is signed by default, as in Adonis's `plainCookie` and unlike
//!   Koa with `app.keys` set: what is signed or encrypted says so in the
//!   method's name.
//!
//! # Defaults
//!
//! A cookie the app sets gets, unless it says otherwise, `HttpOnly`,
//! `SameSite=Lax`, `Path=/`, and `Secure` when the request came over TLS.
//! Setting the attribute overrides its default, `false` included:
//! `.http_only(false)`, `.same_site(SameSite::Strict)`, `.path("/admin")`,
//! `.secure(false)`.
//!
//! "Came over TLS" is decided in one place, the request's: its URI's scheme
//! is `https` (HTTP/2's `:scheme`, or an absolute request target). Behind a
//! proxy that ends TLS, tell the app to trust it with
//! `App::trust_proxy(true)`: then the first `X-Forwarded-Proto` value
//! counts too. Without that a client could claim any protocol, so the
//! header is ignored.
//!
//! `__Secure-` and `__Host-` names get `Secure` whatever the request, and
//! are refused with attributes browsers would drop them for.
//!
//! # Values
//!
//! A value is any string. On the way out the `cookie` crate percent-encodes
//! name and value (`Cookie::encoded`): the bytes RFC 6265 does not allow in
//! a cookie (control characters, space, `"`, `,`, `;`, `\`, anything beyond
//! ASCII), `%`, and a few more (`/`, `:`, `=`, `@`, …), much as Adonis's
//! `encodeURIComponent` does; tokens, numbers and words go out untouched.
//! On the way in names and values are percent-decoded, so what was set is
//! what is read (see `ctx.req.cookie` for what a malformed header gives).
//!
//! # What is refused
//!
//! The writers check everything before changing anything, and answer with a
//! [`CookieError`] leaving the response as it was:
//!
//! - a name that is not an HTTP token (no spaces, `=`, `;`, control or
//!   non-ASCII characters);
//! - a `Path` or `Domain` with `;`, control or non-ASCII characters (so no
//!   attribute can be smuggled in, and no CR or LF reaches the wire);
//! - more than 4096 bytes of encoded name and value, which browsers ignore;
//! - a signed or private cookie in an app without a key;
//! - any cookie after the headers were sent (`flush_headers`).
//!
//! A value is never refused for its bytes: it is encoded instead.
//!
//! Each cookie is a `Set-Cookie` line of its own, appended after those
//! already on the response (whoever set them), never folded with them and
//! never replacing one — as Koa and Adonis do. Setting the same cookie
//! twice in one response sends two lines; the browser applies them in
//! order, so the last one wins.
//!
//! # Signed and private cookies
//!
//! A signed cookie is readable by the client but cannot be changed or made
//! up by it; a private cookie is encrypted and authenticated (AES-256-GCM),
//! so the client can neither read nor change it. Both are bound to their
//! name: a value taken from another cookie does not verify. A cookie that
//! does not verify — tampered, made with another key, or plain — reads as
//! `None`, and the reason is logged at debug level.
//!
//! # Keys
//!
//! The key is the `cookie` crate's [`Key`], 64 bytes: half sign, half
//! encrypt. Make it
//!
//! - from configuration with [`key_from_base64`]: `openssl rand -base64 64`
//!   prints one (keep it out of the repository);
//! - from 64 random bytes with [`key_from_bytes`];
//! - from a master secret of 32 bytes or more with [`derive_key`] (HKDF);
//! - with [`Key::generate`] for cookies that need not outlive the process.
//!
//! Short material is refused with a [`KeyError`] rather than padded:
//! fewer than 64 bytes for a key, 32 for a master secret. To rotate keys,
//! make the new one current and keep the old one as a previous key: cookies
//! made with either are read, new ones are made with the current key, and a
//! cookie set again moves to it.
//!
//! # Cost
//!
//! A request that touches no cookie pays nothing at run time: the `Cookie`
//! headers are parsed on the first read, once per request, and the keys are
//! only used by the signed and private methods. What the feature costs is
//! build time and dependencies, which is why it is off by default.
//!
//! # Examples
//!
//! ```
//! use rejoinder::cookies::{time::Duration, Cookie, Key};
//! use rejoinder::testing::TestClient;
//! use rejoinder::{Abort, App, Context, Router};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let router = Router::new()
//!     .post("/login", async |ctx: &mut Context| {
//!         ctx.set_private_cookie(("session", "user 7"))?;
//!         ctx.set_cookie(Cookie::build(("theme", "dark")).max_age(Duration::days(365)))?;
//!         Ok::<_, Abort>(())
//!     })
//!     .get("/me", async |ctx: &mut Context| {
//!         let theme = ctx.req.cookie("theme").unwrap_or("light");
//!         let who = ctx.private_cookie("session").unwrap_or_else(|| "nobody".into());
//!         format!("{who} ({theme})")
//!     });
//! let client = TestClient::new(App::new().router(router).cookie_key(Key::generate()));
//!
//! let res = client.post("/login").send().await;
//! let lines: Vec<&str> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
//! assert_eq!(lines.len(), 2);
//! assert!(lines[0].starts_with("session=") && lines[0].ends_with("; HttpOnly; SameSite=Lax; Path=/"));
//! assert_eq!(lines[1], "theme=dark; HttpOnly; SameSite=Lax; Path=/; Max-Age=31536000");
//!
//! let session = lines[0].split(';').next().unwrap();
//! let res = client.get("/me").header("cookie", &format!("{session}; theme=dark")).send().await;
//! assert_eq!(res.text(), "user 7 (dark)");
//! let res = client.get("/me").header("cookie", "session=forged").send().await;
//! assert_eq!(res.text(), "nobody (light)");
//! # }
//! ```

use crate::app::App;
#[cfg(doc)]
use crate::context::Context;

mod ctx;
mod error;
pub(crate) mod keys;
mod write;

pub use cookie::{time, Cookie, CookieBuilder, Expiration, Key, SameSite};
pub use error::CookieError;
pub use keys::{derive_key, key_from_base64, key_from_bytes, KeyError};

impl App {
    /// The key that signs and encrypts the app's signed and private
    /// cookies, and reads them first. A later call replaces it; to keep
    /// reading cookies made with the key it replaces, give that one to
    /// [`previous_cookie_key`](Self::previous_cookie_key).
    ///
    /// Make the key with [`key_from_base64`], [`key_from_bytes`],
    /// [`derive_key`] or [`Key::generate`] (see [Keys](self#keys)): they
    /// refuse short material, so every `Key` is a full 64 bytes.
    ///
    /// ```
    /// use rejoinder::cookies::key_from_base64;
    /// use rejoinder::App;
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let text = std::env::var("COOKIE_KEY")?; // `openssl rand -base64 64`
    /// let app = App::new().cookie_key(key_from_base64(&text)?);
    /// # drop(app); Ok(()) }
    /// ```
    pub fn cookie_key(mut self, key: Key) -> Self {
        self.shared_mut().cookie_keys.set_current(key);
        self
    }

    /// A key that made cookies before the current one: signed and private
    /// cookies made with it are still read, none are made with it (Koa's
    /// `app.keys` after the first). Call once per retired key, newest
    /// first.
    ///
    /// ```
    /// use rejoinder::cookies::key_from_bytes;
    /// use rejoinder::App;
    ///
    /// # let (new, old) = ([1u8; 64], [2u8; 64]);
    /// let app = App::new()
    ///     .cookie_key(key_from_bytes(&new).unwrap())
    ///     .previous_cookie_key(key_from_bytes(&old).unwrap());
    /// # drop(app);
    /// ```
    pub fn previous_cookie_key(mut self, key: Key) -> Self {
        self.shared_mut().cookie_keys.add_previous(key);
        self
    }
}
