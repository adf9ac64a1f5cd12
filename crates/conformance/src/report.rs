//! Running folders of vector files and printing what happened: a `FAIL`
//! line per failing case with each difference, a `SKIP` line per case a
//! rule covers, counts per file, cases per rule, and the closing
//! `N passed, M failed, K skipped`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::outcome::{Outcome, Summary};
use crate::rules::RULES;
use crate::run_file;

/// What a run found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// The counts over every file.
    pub summary: Summary,
    /// The counts per file, by file name.
    pub files: BTreeMap<String, Summary>,
    /// For each rule of `RULES`, in table order, how many cases it covered
    /// (a case covered by two rules counts for both).
    pub rules: Vec<(&'static str, usize)>,
}

/// Replays every `*.json` file in the folders, printing a `FAIL` line with
/// its differences per failing case and a `SKIP` line per case covered by
/// rules (and, when `verbose`, the differences they explain), then counts
/// per file and per rule.
///
/// # Errors
///
/// A folder or file cannot be read.
pub async fn run_dirs(dirs: &[PathBuf], verbose: bool) -> Result<Report, String> {
    let mut report = Report {
        rules: RULES.iter().map(|r| (r.name, 0)).collect(),
        ..Report::default()
    };
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
            let mut counts = Summary::default();
            for (id, outcome) in run_file(&file).await? {
                counts.add(&outcome);
                match &outcome {
                    Outcome::Pass => {}
                    Outcome::Fail(failure) => println!("FAIL {name}#{id}: {failure}"),
                    Outcome::Skip(covered) => {
                        let names = outcome.rules();
                        println!("SKIP {name}#{id}: by {}", names.join(", "));
                        for c in covered.iter().filter(|_| verbose) {
                            println!("    {} [{}]", c.diff, c.rule);
                        }
                        for (rule, n) in &mut report.rules {
                            if names.contains(rule) {
                                *n += 1;
                            }
                        }
                    }
                }
            }
            println!(
                "  {name}: {} passed, {} failed, {} skipped by rule",
                counts.passed, counts.failed, counts.skipped
            );
            report.summary += counts;
            *report.files.entry(name).or_default() += counts;
        }
    }
    println!("cases covered per rule:");
    for (rule, n) in &report.rules {
        println!("  {rule}: {n}");
    }
    Ok(report)
}
