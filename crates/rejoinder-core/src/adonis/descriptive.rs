//! One method per registered status that sets the status and sends a body
//! (AdonisJS's descriptive methods): `res.ok(body)`, `res.created(body)`,
//! `res.not_found(())`, … `res.network_authentication_required(body)`.
//!
//! Each is `set_status(code)` followed by [`send`](super::AdonisResponse::send), so the body
//! follows Adonis's rules (an empty body sends nothing; 204 and 304 never
//! carry one). They come from the same table as the reason phrases.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::prelude::*;
//! use rejoinder_core::Response;
//!
//! let mut res = Response::new();
//! res.created(serde_json::json!({"id": 1}));
//! assert_eq!(res.status().as_u16(), 201);
//! res.send_descriptive("tooManyRequests", "slow down").unwrap();
//! assert_eq!(res.status().as_u16(), 429);
//! ```

use http::StatusCode;

use super::AdonisResponse;
use crate::body::Body;
use crate::error::{Error, Kind};
use crate::Response;

macro_rules! descriptive_methods {
    ($( ($code:literal, $reason:literal, $method:ident) ),* $(,)?) => {
        /// One method per status (AdonisJS's descriptive methods): sets the
        /// status and sends `body` with [`send`](super::AdonisResponse::send)'s
        /// rules. Sealed; in scope through the prelude.
        pub trait Descriptive: crate::sealed::Sealed {
            $(
                #[doc = concat!("Sets the status to ", stringify!($code), " ", $reason,
                    " and sends `body` with `send`'s rules; `()` sends none.")]
                fn $method(&mut self, body: impl Into<Body>) -> &mut Self;
            )*

            /// Calls the descriptive method named `name`, in snake case
            /// (`"too_many_requests"`) or camel case (`"tooManyRequests"`),
            /// for responses described in configuration.
            ///
            /// # Errors
            ///
            /// No status has that name; the message lists the valid ones.
            fn send_descriptive(&mut self, name: &str, body: impl Into<Body>) -> Result<&mut Self, Error>;

            /// Alias of [`found`](Self::found): AdonisJS 5's name for 302.
            fn moved_temporarily(&mut self, body: impl Into<Body>) -> &mut Self {
                self.found(body)
            }

            /// Alias of [`payload_too_large`](Self::payload_too_large):
            /// AdonisJS 5's name for 413.
            fn request_entity_too_large(&mut self, body: impl Into<Body>) -> &mut Self {
                self.payload_too_large(body)
            }

            /// Alias of [`uri_too_long`](Self::uri_too_long): AdonisJS 5's
            /// name for 414.
            fn request_uri_too_long(&mut self, body: impl Into<Body>) -> &mut Self {
                self.uri_too_long(body)
            }

            /// Alias of [`range_not_satisfiable`](Self::range_not_satisfiable):
            /// AdonisJS 5's name for 416.
            fn requested_range_not_satisfiable(&mut self, body: impl Into<Body>) -> &mut Self {
                self.range_not_satisfiable(body)
            }
        }

        impl Descriptive for Response {
            $(
                fn $method(&mut self, body: impl Into<Body>) -> &mut Self {
                    self.apply_status(StatusCode::from_u16($code).unwrap_or(StatusCode::OK));
                    self.send(body)
                }
            )*

            fn send_descriptive(&mut self, name: &str, body: impl Into<Body>) -> Result<&mut Self, Error> {
                let snake = to_snake(name);
                let wanted = snake.trim_end_matches('_');
                match wanted {
                    $( n if n == stringify!($method).trim_end_matches('_') => Ok(self.$method(body)), )*
                    "moved_temporarily" => Ok(self.moved_temporarily(body)),
                    "request_entity_too_large" => Ok(self.request_entity_too_large(body)),
                    "request_uri_too_long" => Ok(self.request_uri_too_long(body)),
                    "requested_range_not_satisfiable" => Ok(self.requested_range_not_satisfiable(body)),
                    _ => {
                        let names = [$( stringify!($method), )* "moved_temporarily",
                            "request_entity_too_large", "request_uri_too_long",
                            "requested_range_not_satisfiable"];
                        Err(Error::new(Kind::Invalid(unknown_name(name, wanted, &names))))
                    }
                }
            }
        }
    };
}

crate::status::for_each_status!(descriptive_methods);

/// "no descriptive method named …; did you mean …?" with the closest names.
fn unknown_name(name: &str, wanted: &str, names: &[&str]) -> String {
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .map(|n| {
            (
                crate::status::edit_distance(wanted, n.trim_end_matches('_')),
                *n,
            )
        })
        .collect();
    scored.sort();
    let close: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, n)| format!("{n:?}"))
        .collect();
    format!(
        "no descriptive method named {name:?}; did you mean {}? valid: {}",
        close.join(", "),
        names.join(", ")
    )
}

fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
