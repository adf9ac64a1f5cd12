//! Replays the golden vectors (produced by running the reference libraries)
//! through rejoinder's public API.
//!
//! Each vector file is dispatched by name to a replayer. Cases about the
//! wire (koa-response, adonis-response) run over a real loopback socket
//! against a rejoinder server and compare status, reason phrase, headers and
//! body byte for byte; the others call the API directly. A case of a kind not
//! built yet is skipped with the reason "not yet implemented"; a case where
//! rejoinder deliberately differs is skipped only when it is listed in
//! `DEVIATIONS.md` with its reason, and only when it actually differs.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod boom;
mod disposition;
mod fresh;
mod http_cases;
mod kong;
mod kong_exit;
mod lua;
mod pure;
mod values;
mod vapr;
mod wire_compare;

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Behaved as the reference.
    Pass,
    /// Differed; the text says how.
    Fail(String),
    /// Not replayed; the text says why.
    Skip(String),
}

/// Counts over a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Cases that behaved as the reference.
    pub passed: usize,
    /// Cases that differed without a listed deviation.
    pub failed: usize,
    /// Cases not built yet or listed as deviations.
    pub skipped: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

pub(crate) const NOT_YET: &str = "not yet implemented";

/// The deviations listed in DEVIATIONS.md: `file#id` → reason.
pub fn deviations() -> HashMap<String, String> {
    parse_deviations(include_str!("../DEVIATIONS.md"))
}

fn parse_deviations(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            if cells.len() < 2 {
                return None;
            }
            let key = cells[0].trim().trim_matches('`');
            key.contains(".json#")
                .then(|| (key.to_owned(), cells[1].trim().to_owned()))
        })
        .collect()
}

/// Replays one vector file; the outcomes are in case order.
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
            .map(|_| Outcome::Skip("no replayer for this file".into()))
            .collect(),
    };
    let deviations = deviations();
    Ok(cases
        .iter()
        .zip(outcomes)
        .map(|(case, outcome)| {
            let id = case["id"].as_str().unwrap_or("?").to_owned();
            let outcome = match outcome {
                Outcome::Fail(why) => match deviations.get(&format!("{name}#{id}")) {
                    Some(reason) => Outcome::Skip(format!("deviation: {reason} (differs: {why})")),
                    None => Outcome::Fail(why),
                },
                other => other,
            };
            (id, outcome)
        })
        .collect())
}

/// Replays every `*.json` file in the folders, printing a `FAIL` line per
/// failing case (and, when `verbose`, a `SKIP` line per skipped one; listed
/// deviations are always printed).
///
/// # Errors
///
/// A folder or file cannot be read.
pub async fn run_dirs(dirs: &[PathBuf], verbose: bool) -> Result<Summary, String> {
    let mut summary = Summary::default();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let outcomes = run_file(&file).await?;
            let mut counts = Summary::default();
            for (id, outcome) in &outcomes {
                match outcome {
                    Outcome::Pass => counts.passed += 1,
                    Outcome::Fail(why) => {
                        counts.failed += 1;
                        println!("FAIL {name}#{id}: {why}");
                    }
                    Outcome::Skip(why) => {
                        counts.skipped += 1;
                        if verbose || why.starts_with("deviation") {
                            println!("SKIP {name}#{id}: {why}");
                        }
                    }
                }
            }
            println!("  {name}: {counts}");
            summary.passed += counts.passed;
            summary.failed += counts.failed;
            summary.skipped += counts.skipped;
        }
    }
    Ok(summary)
}

/// Compares two JSON-ish results and explains the difference.
pub(crate) fn expect_eq(what: &str, expected: &Value, actual: &Value) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected}, got {actual}"))
    }
}

pub(crate) fn outcome(r: Result<(), String>) -> Outcome {
    match r {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
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
    fn deviations_parse() {
        let d = parse_deviations("| `a.json#x` | because |\n| case | reason |\n");
        assert_eq!(d.get("a.json#x").map(String::as_str), Some("because"));
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn etag_format() {
        assert!(etag_format_eq("\"5-abc\"", "\"5-0123\""));
        assert!(!etag_format_eq("\"5-abc\"", "\"6-0123\""));
        assert!(!etag_format_eq("W/\"5-abc\"", "\"5-0123\""));
        assert!(!etag_format_eq("\"5-abc\"", "5-0123"));
    }
}
