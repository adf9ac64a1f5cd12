//! Replays the golden vectors (produced by running the reference libraries)
//! through rejoinder's public API.
//!
//! Each vector file is dispatched by name to a replayer. Cases about the
//! wire (koa-response, adonis-response, vapr-formats, Kong's `exit`) run
//! over a real loopback socket against a rejoinder server and compare
//! status, reason phrase, headers and body byte for byte; the others call
//! the API directly. A replayer reports every [`Diff`] it finds with what it
//! observed ([`Failure`]); a failing case is then skipped only when every
//! difference is explained by a deviation rule of [`rules::RULES`], each a
//! narrow predicate over the case's input and the difference, with its
//! reason. `DEVIATIONS.md` is generated from that table.

use std::path::Path;

use serde_json::Value;

mod boom;
mod disposition;
mod fresh;
mod http_cases;
mod kong;
mod kong_exit;
mod kong_order;
mod lua;
mod outcome;
mod pure;
mod report;
pub mod rules;
mod values;
mod vapr;
mod wire_compare;

pub use outcome::{Covered, Diff, Failure, Outcome, Summary, UNREPRESENTABLE};
pub use report::{run_dirs, Report};

/// Replays one vector file; the outcomes are in case order, failing cases
/// already classified by the deviation rules.
///
/// # Errors
///
/// The file cannot be read or is not a vector file.
pub async fn run_file(path: &Path) -> Result<Vec<(String, Outcome)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases = doc["cases"]
        .as_array()
        .ok_or_else(|| format!("{}: no cases", path.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let outcomes: Vec<Outcome> = match name.as_str() {
        "koa-response.json" => http_cases::replay(cases, http_cases::Flavour::Koa).await,
        "adonis-response.json" => http_cases::replay(cases, http_cases::Flavour::Adonis).await,
        "kong-response.json" => kong::replay_file(cases).await,
        "mime-type.json" => cases.iter().map(pure::mime_type).collect(),
        "type-is.json" => cases.iter().map(pure::type_is).collect(),
        "vary.json" => cases.iter().map(pure::vary).collect(),
        "statuses.json" => cases.iter().map(pure::statuses).collect(),
        "etag.json" => cases.iter().map(pure::etag).collect(),
        "boom-errors.json" => cases.iter().map(boom::replay).collect(),
        "content-disposition.json" => cases.iter().map(disposition::replay).collect(),
        "fresh.json" => cases.iter().map(fresh::replay).collect(),
        "vapr-formats.json" => vapr::replay_file(cases).await,
        _ => cases
            .iter()
            .map(|_| {
                Outcome::fail(Diff::new(
                    "replayer",
                    "a replayer for this file",
                    name.as_str(),
                ))
            })
            .collect(),
    };
    Ok(cases
        .iter()
        .zip(outcomes)
        .map(|(case, outcome)| {
            let id = case["id"].as_str().unwrap_or("?").to_owned();
            (id, rules::classify(&name, case, outcome))
        })
        .collect())
}

/// Checks the `"<len hex>-<hash>"` / `W/"..."` format of an entity tag
/// against a reference tag: same weakness, same length prefix, quoted.
pub(crate) fn etag_format_eq(expected: &str, actual: &str) -> bool {
    fn split(t: &str) -> Option<(bool, &str)> {
        let (weak, rest) = match t.strip_prefix("W/") {
            Some(r) => (true, r),
            None => (false, t),
        };
        let inner = rest.strip_prefix('"')?.strip_suffix('"')?;
        let (len, hash) = inner.split_once('-')?;
        (!hash.is_empty()).then_some((weak, len))
    }
    matches!((split(expected), split(actual)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_format() {
        assert!(etag_format_eq("\"5-abc\"", "\"5-0123\""));
        assert!(!etag_format_eq("\"5-abc\"", "\"6-0123\""));
        assert!(!etag_format_eq("W/\"5-abc\"", "\"5-0123\""));
        assert!(!etag_format_eq("\"5-abc\"", "5-0123"));
    }

    #[test]
    fn deviations_md_is_the_generated_table() {
        let file = include_str!("../DEVIATIONS.md");
        assert_eq!(
            file,
            rules::deviations_markdown(),
            "DEVIATIONS.md is out of date: run \
             `cargo run -p rejoinder-conformance -- --rules > crates/conformance/DEVIATIONS.md`"
        );
    }
}
