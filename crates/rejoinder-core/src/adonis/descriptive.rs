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
                    _ => Err(Error::new(Kind::Invalid(format!(
                        "no descriptive method named {name:?}; valid: {}",
                        [$( stringify!($method) ),*].join(", ")
                    )))),
                }
            }
        }
    };
}

crate::status::for_each_status!(descriptive_methods);

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
