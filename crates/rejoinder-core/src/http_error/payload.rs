//! Boom's JSON payload in Boom's key order.

use serde_json::Value;

/// Boom's payload, serialized in Boom's key order.
#[derive(serde::Serialize)]
pub(super) struct Payload<'a> {
    #[serde(rename = "statusCode")]
    pub(super) status_code: u16,
    pub(super) error: &'a str,
    pub(super) message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) attributes: Option<PayloadAttributes<'a>>,
}

/// `attributes`: the token68 string, or the auth-params (nulls as `""`)
/// followed by the message as `error`.
pub(super) enum PayloadAttributes<'a> {
    Token(&'a str),
    Map {
        list: &'a [(String, Value)],
        error: Option<&'a str>,
    },
}

impl serde::Serialize for PayloadAttributes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            PayloadAttributes::Token(t) => serializer.serialize_str(t),
            PayloadAttributes::Map { list, error } => {
                // The message replaces an `error` auth-param where it stands
                // (as Boom's object assignment does), else comes last.
                let mut map = serializer.serialize_map(None)?;
                let mut wrote_error = false;
                for (k, v) in list.iter() {
                    match (k.as_str(), error, v) {
                        ("error", Some(e), _) => {
                            if !wrote_error {
                                map.serialize_entry(k, e)?;
                                wrote_error = true;
                            }
                        }
                        (_, _, Value::Null) => map.serialize_entry(k, "")?,
                        (_, _, v) => map.serialize_entry(k, v)?,
                    }
                }
                if let (Some(e), false) = (error, wrote_error) {
                    map.serialize_entry("error", e)?;
                }
                map.end()
            }
        }
    }
}
