//! The query string, decoded by `serde_urlencoded` and `form_urlencoded`.

use std::borrow::Cow;

use rejoinder_core::HttpError;
use serde::de::DeserializeOwned;

use super::Request;

impl Request {
    /// The query string deserialized into `T` (`?page=2&q=rust+web` into a
    /// struct with `page` and `q`); percent-decoding and `+` as a space are
    /// handled by `serde_urlencoded`. No query string is an empty one.
    ///
    /// ```
    /// # use rejoinder::{Context, HttpError};
    /// #[derive(serde::Deserialize)]
    /// struct Page { page: Option<u32> }
    ///
    /// async fn list(ctx: &mut Context) -> Result<String, HttpError> {
    ///     let Page { page } = ctx.req.query()?;
    ///     Ok(format!("page {}", page.unwrap_or(1)))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// 400 with `serde_urlencoded`'s message when the query does not fit `T`.
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_urlencoded::from_str(self.query_string().unwrap_or("")).map_err(|e| {
            HttpError::bad_request(format!("Failed to deserialize the query string: {e}"))
        })
    }

    /// The first value of the query parameter `key`, decoded (`%20` and `+`
    /// are spaces); `None` when the parameter is absent.
    pub fn query_param(&self, key: &str) -> Option<Cow<'_, str>> {
        form_urlencoded::parse(self.query_string()?.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}
