//! What every request's context may consult: named routes, redirect and
//! JSONP settings, the body limit, whether to trust a proxy's headers, the
//! cookie keys and the application's typed state. One `Arc` per app; a
//! request clones the pointer.

use crate::routes::RouteNames;

/// Settings and state shared by an app's requests.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) routes: RouteNames,
    pub(crate) trusted_origins: Vec<String>,
    pub(crate) jsonp_callback: String,
    pub(crate) body_limit: usize,
    #[cfg_attr(not(feature = "cookies"), allow(dead_code))]
    pub(crate) trust_proxy: bool,
    #[cfg(feature = "cookies")]
    pub(crate) cookie_keys: crate::cookies::keys::CookieKeys,
    pub(crate) state: http::Extensions,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            routes: RouteNames::default(),
            trusted_origins: Vec::new(),
            jsonp_callback: "callback".into(),
            body_limit: crate::request::DEFAULT_BODY_LIMIT,
            trust_proxy: false,
            #[cfg(feature = "cookies")]
            cookie_keys: Default::default(),
            state: http::Extensions::new(),
        }
    }
}
