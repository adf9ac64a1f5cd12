//! Replays fresh vectors through `rejoinder_core::fresh::is_fresh`.

use http::{HeaderMap, HeaderName, HeaderValue};
use rejoinder_core::fresh::is_fresh;
use serde_json::{json, Value};

use crate::outcome::{Diff, Outcome};

pub(crate) fn replay(case: &Value) -> Outcome {
    let mut skipped = Vec::new();
    let request = header_map(&case["input"]["request_headers"], &mut skipped);
    let response = header_map(&case["input"]["response_headers"], &mut skipped);
    let actual = json!(is_fresh(&request, &response));
    if case["output"]["fresh"] == actual {
        return Outcome::Pass;
    }
    let what = if skipped.is_empty() {
        "fresh".to_owned()
    } else {
        format!(
            "fresh (headers left out as invalid: {})",
            skipped.join(", ")
        )
    };
    Outcome::of(
        vec![Diff::new(
            what,
            case["output"]["fresh"].clone(),
            actual.clone(),
        )],
        json!({ "fresh": actual }),
    )
}

/// Builds a map from a `{lowercase-name: value}` object; a pair that is not
/// a valid header is left out and named in `skipped`.
fn header_map(obj: &Value, skipped: &mut Vec<String>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in obj.as_object().into_iter().flatten() {
        let pair = (
            HeaderName::from_bytes(name.as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        );
        match pair {
            (Ok(n), Some(Ok(v))) => {
                map.append(n, v);
            }
            _ => skipped.push(format!("{name}: {value}")),
        }
    }
    map
}
