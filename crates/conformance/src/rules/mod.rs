//! The deviation rules: where rejoinder deliberately differs from a
//! reference system, as named predicates over a case and one difference.
//!
//! A failing case is skipped only when *every* one of its differences is
//! explained by some rule in [`RULES`]; a single unexplained difference
//! fails it. Each rule is narrow: it holds only when the case's input is of
//! its class *and* the difference is exactly the one its reason explains
//! (usually by recomputing what the reference would have given from what
//! rejoinder gave). DEVIATIONS.md is generated from this table
//! ([`deviations_markdown`]), so the two cannot drift.

use std::fmt;

use serde_json::Value;

use crate::outcome::{Covered, Diff, Failure, Outcome};

mod args;
mod disposition;
mod header_text;
mod kong_errors;
mod kong_exit;
mod node;

/// Why a deviation is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// rejoinder could follow the reference but does something safer or
    /// more correct on purpose.
    Safer,
    /// rejoinder cannot do what the reference does (the type system, the
    /// HTTP stack or the reference's own accidents stand in the way).
    Unavoidable,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Why::Safer => "safer",
            Why::Unavoidable => "unavoidable",
        })
    }
}

/// What a rule sees of a failing case.
#[derive(Debug, Clone, Copy)]
pub struct RuleCtx<'a> {
    /// The vector file's name (`kong-response.json`).
    pub file: &'a str,
    /// The case's `input`.
    pub input: &'a Value,
    /// The case's `output` (what the reference did).
    pub output: &'a Value,
    /// What rejoinder did, as the file's replayer records it.
    pub observed: &'a Value,
}

/// A named deviation: when it holds, what it explains, and why.
#[derive(Debug)]
pub struct Rule {
    /// A short stable name.
    pub name: &'static str,
    /// The predicate in words: which inputs, which difference exactly.
    pub predicate: &'static str,
    /// What rejoinder does and what the reference does instead.
    pub reason: &'static str,
    /// Safer or unavoidable.
    pub why: Why,
    /// Whether the rule explains this difference of this case.
    pub explains: fn(&RuleCtx<'_>, &Diff) -> bool,
}

/// Every deviation rule, in the order DEVIATIONS.md lists them.
pub static RULES: &[Rule] = &[
    args::LUA_ARGUMENT_TYPE,
    args::LUA_NUMBER_NOT_INTEGER,
    args::DISPOSITION_ARGUMENT_TYPE,
    disposition::DISPOSITION_WINDOWS_PATH,
    disposition::DISPOSITION_CONTROL_CHARACTERS,
    disposition::DISPOSITION_ASCII_FILENAME,
    kong_errors::UNESCAPED_ERROR_TEXT,
    kong_errors::ACCEPT_CASE,
    kong_errors::MALFORMED_MEDIA_RANGE,
    kong_errors::ACCEPT_GRPC,
    kong_errors::EXPLICIT_TYPE_WITHOUT_TEMPLATE,
    kong_errors::EXPLICIT_EMPTY_TYPE,
    kong_errors::HEADER_NAME_CASE,
    kong_exit::GRPC_HTTP2_END_STREAM,
    kong_exit::SERDE_NUMBER_FORMAT,
    kong_exit::CJSON_EMPTY_TABLE,
    kong_exit::EXPLICIT_CONTENT_LENGTH,
    kong_exit::EMPTY_HEADER_VALUE,
    kong_exit::NGX_HEADER_EXTRAS,
    node::CHUNKED_FRAMING,
    node::CONTENT_LENGTH_205,
    node::ADONIS_UNTOUCHED,
    node::ADONIS_ERROR_OBJECT,
    node::ADONIS_FOREIGN_ETAG,
    node::ADONIS_ABORT_PREFIX,
    node::KOA_UNKNOWN_TYPE,
    node::VAPR_BODY_REFUSED,
    header_text::HEADER_TEXT_ASCII,
];

/// The first rule explaining `diff` in this case.
pub fn explaining(ctx: &RuleCtx<'_>, diff: &Diff) -> Option<&'static Rule> {
    RULES.iter().find(|r| (r.explains)(ctx, diff))
}

/// A failing case becomes skipped when every difference has a rule; any
/// other outcome is kept.
pub fn classify(file: &str, case: &Value, outcome: Outcome) -> Outcome {
    let Outcome::Fail(Failure { diffs, observed }) = outcome else {
        return outcome;
    };
    let ctx = RuleCtx {
        file,
        input: &case["input"],
        output: &case["output"],
        observed: &observed,
    };
    let covered: Option<Vec<Covered>> = diffs
        .iter()
        .map(|d| {
            explaining(&ctx, d).map(|r| Covered {
                diff: d.clone(),
                rule: r.name,
            })
        })
        .collect();
    match covered {
        Some(c) if !c.is_empty() => Outcome::Skip(c),
        _ => Outcome::Fail(Failure { diffs, observed }),
    }
}

const INTRO: &str = "\
# Deviations from the reference systems

Generated from the rule table in `src/rules/` by
`cargo run -p rejoinder-conformance -- --rules`; a test fails when this
file and the table differ.

A case whose result differs from the reference is skipped (not failed) only
when *every* difference is explained by one of the rules below: each rule
holds for inputs of its class and for exactly the difference its reason
explains. Any other difference fails the case, listed or not.

One difference applies to every wire case and is no rule: each rejoinder
response carries `X-Request-Id` (the client's, or a fresh one), so the
runner leaves that header out of the comparison, as it does `Date` (and
the `Connection` and `Keep-Alive` headers the vectors drop).

";

/// One cell: pipes escaped, lines joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The table of rules, one row each.
pub fn rules_table() -> String {
    let mut out = String::from("| rule | applies when | reason | why |\n|---|---|---|---|\n");
    for r in RULES {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.name,
            cell(r.predicate),
            cell(r.reason),
            r.why
        ));
    }
    out
}

/// The whole of DEVIATIONS.md: the introduction and the table.
pub fn deviations_markdown() -> String {
    format!("{INTRO}{}", rules_table())
}

/// Helpers the rule modules share.
pub(crate) mod util {
    use serde_json::Value;

    use crate::outcome::Diff;

    /// A header diff's name (`header content-length` → `content-length`).
    pub(crate) fn header_of(diff: &Diff) -> Option<&str> {
        diff.what.strip_prefix("header ")
    }

    /// A list of strings from a diff side (`null` = none).
    pub(crate) fn list(v: &Value) -> Option<Vec<&str>> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
    }

    /// Whether `v` is exactly the one-element list `[s]`.
    pub(crate) fn is_one(v: &Value, s: &str) -> bool {
        list(v).is_some_and(|l| l == [s])
    }

    /// The operations of a wire case.
    pub(crate) fn ops(input: &Value) -> impl Iterator<Item = &Value> {
        input["ops"].as_array().into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_texts_present() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[..i].iter().all(|o| o.name != r.name), "{}", r.name);
            assert!(
                !r.predicate.is_empty() && !r.reason.is_empty(),
                "{}",
                r.name
            );
        }
    }

    #[test]
    fn a_case_with_an_unexplained_difference_fails() {
        let case = serde_json::json!({"input": {}, "output": {}});
        let failing = Outcome::of(vec![Diff::new("status", 200, 404)], Value::Null);
        assert!(matches!(
            classify("koa-response.json", &case, failing),
            Outcome::Fail(_)
        ));
        assert_eq!(classify("x.json", &case, Outcome::Pass), Outcome::Pass);
    }
}
