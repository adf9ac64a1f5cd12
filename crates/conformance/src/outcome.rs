//! What replaying a case gives: the differences found, each as a
//! [`Diff`] with the expected and the actual value, and the [`Outcome`] once
//! the deviation rules have looked at them.

use std::fmt;

use serde_json::{json, Value};

/// The `what` of a [`Diff`] saying the case could not be replayed at all:
/// an argument of the reference call has no value in the Rust signature.
pub const UNREPRESENTABLE: &str = "unrepresentable argument";

/// One way a case's result differed from the reference's.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// What differed: `status`, `reason`, `header <name>`, `body`,
    /// `template`, `op <index>`, … or [`UNREPRESENTABLE`].
    pub what: String,
    /// What the reference gave (`null` for nothing).
    pub expected: Value,
    /// What rejoinder gave (`null` for nothing).
    pub actual: Value,
}

impl Diff {
    /// A difference in `what`.
    pub fn new(
        what: impl Into<String>,
        expected: impl Into<Value>,
        actual: impl Into<Value>,
    ) -> Diff {
        Diff {
            what: what.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    /// The argument at `pointer` (a JSON pointer into the case's input) is
    /// `value`, which a Rust parameter of kind `takes` cannot hold, so the
    /// call was not made.
    pub fn unrepresentable(pointer: &str, value: &Value, takes: &str) -> Diff {
        Diff::new(
            UNREPRESENTABLE,
            json!({ "takes": takes }),
            json!({ "argument": pointer, "value": value }),
        )
    }

    /// For an [`UNREPRESENTABLE`] difference: the argument's JSON pointer,
    /// its value and the kind of parameter that could not take it.
    pub fn argument(&self) -> Option<(&str, &Value, &str)> {
        if self.what != UNREPRESENTABLE {
            return None;
        }
        Some((
            self.actual["argument"].as_str()?,
            self.actual.get("value")?,
            self.expected["takes"].as_str()?,
        ))
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.what, self.expected, self.actual
        )
    }
}

/// The differences of a case that did not behave as the reference, with
/// what was observed (the actual status, headers, body … as JSON), which
/// the rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Every difference found, not only the first.
    pub diffs: Vec<Diff>,
    /// What rejoinder did, in the shape the case's replayer records.
    pub observed: Value,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diffs.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// A difference and the rule that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Covered {
    /// The difference.
    pub diff: Diff,
    /// The name of the rule (see `rules::RULES`).
    pub rule: &'static str,
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Behaved as the reference.
    Pass,
    /// Differed in a way no rule explains.
    Fail(Failure),
    /// Differed, and every difference is explained by a deviation rule.
    Skip(Vec<Covered>),
}

impl Outcome {
    /// `Pass` without differences, else `Fail` with them.
    pub(crate) fn of(diffs: Vec<Diff>, observed: Value) -> Outcome {
        if diffs.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(Failure { diffs, observed })
        }
    }

    /// A failure of one difference, with nothing observed.
    pub(crate) fn fail(diff: Diff) -> Outcome {
        Outcome::Fail(Failure {
            diffs: vec![diff],
            observed: Value::Null,
        })
    }

    /// The names of the rules that cover a skipped case, each once.
    pub fn rules(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if let Outcome::Skip(covered) = self {
            for c in covered {
                if !names.contains(&c.rule) {
                    names.push(c.rule);
                }
            }
        }
        names
    }
}

/// Collects the differences of one case.
#[derive(Debug, Default)]
pub(crate) struct Diffs(pub(crate) Vec<Diff>);

impl Diffs {
    /// Records a difference in `what` unless the two are equal.
    pub(crate) fn eq(&mut self, what: &str, expected: &Value, actual: &Value) {
        if expected != actual {
            self.0
                .push(Diff::new(what, expected.clone(), actual.clone()));
        }
    }

    /// Records a difference.
    pub(crate) fn push(&mut self, diff: Diff) {
        self.0.push(diff);
    }

    /// The outcome with these differences.
    pub(crate) fn outcome(self, observed: Value) -> Outcome {
        Outcome::of(self.0, observed)
    }
}

/// Counts over a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Cases that behaved as the reference.
    pub passed: usize,
    /// Cases with a difference no rule explains.
    pub failed: usize,
    /// Cases whose every difference a deviation rule explains.
    pub skipped: usize,
}

impl Summary {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail(_) => self.failed += 1,
            Outcome::Skip(_) => self.skipped += 1,
        }
    }
}

impl std::ops::AddAssign for Summary {
    fn add_assign(&mut self, other: Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
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
