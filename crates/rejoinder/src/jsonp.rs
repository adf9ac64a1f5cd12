//! JSONP responses (Adonis's `response.jsonp`), with the callback cleaned.
//!
//! The callback name comes from the request's query parameter named by
//! [`App::jsonp_callback`](crate::App::jsonp_callback) (`callback` by
//! default), else that name itself. Only `[]`, ASCII word characters, `$`
//! and `.` are kept; a callback that is empty after cleaning falls back to plain
//! JSON. The body is `/**/ typeof cb === 'function' && cb(<json>);` with
//! U+2028 and U+2029 escaped, sent as `text/javascript` with
//! `X-Content-Type-Options: nosniff` (the Rosetta Flash defence).
//!
//! # Examples
//!
//! ```
//! # use rejoinder::Context;
//! async fn user(ctx: &mut Context) {
//!     ctx.jsonp(&serde_json::json!({"username": "virk"}));
//! }
//! ```

use http::header::{HeaderName, HeaderValue};
use rejoinder_core::adonis::AdonisResponse;
use rejoinder_core::Response;

use crate::context::Context;

/// Keeps what the original's `[^\[\]\w$.]` keeps: ASCII letters, digits,
/// `_`, `[`, `]`, `$` and `.` (JavaScript's `\w` is ASCII-only, so Unicode
/// letters and digits go too).
fn clean(callback: &str) -> String {
    callback
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '[' | ']' | '$' | '.'))
        .collect()
}

impl Context {
    /// Sends `value` as JSONP. See the [module docs](crate::jsonp).
    pub fn jsonp(&mut self, value: &impl serde::Serialize) -> &mut Response {
        let param = self.shared().jsonp_callback.clone();
        self.jsonp_with_param(value, &param)
    }

    /// [`jsonp`](Self::jsonp) with the callback taken from the query
    /// parameter `param` (else `param` itself), as Adonis's
    /// `jsonp(body, callbackName)`.
    pub fn jsonp_with_param(
        &mut self,
        value: &impl serde::Serialize,
        param: &str,
    ) -> &mut Response {
        let param = param.to_owned();
        let raw = self
            .req
            .query_param(&param)
            .map_or(param, |v| v.into_owned());
        let callback = clean(&raw);
        let json = match serde_json::to_string(value) {
            Ok(j) => j,
            Err(e) => {
                tracing::error!(error = %e, "JSONP value failed to serialize");
                let _ = self.res.set_status(500);
                return &mut self.res;
            }
        };
        if callback.is_empty() {
            self.res.send(rejoinder_core::Body::Json(
                rejoinder_core::body::JsonBody::Serialized(json.into()),
            ));
            return &mut self.res;
        }
        let json = json
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029");
        let body = format!("/**/ typeof {callback} === 'function' && {callback}({json});");
        let res = &mut self.res;
        res.headers_mut().insert(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        );
        if !res.has("content-type") {
            let _ = res.set_type("text/javascript; charset=utf-8");
        }
        res.send(body);
        res
    }
}
