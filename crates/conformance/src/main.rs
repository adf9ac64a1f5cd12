//! `rejoinder-conformance DIR [DIR ...]`: replays every golden vector file in
//! the folders and prints `N passed, M failed, K skipped` (K: cases whose
//! every difference a deviation rule explains); exits non-zero when
//! anything failed.
//!
//! `rejoinder-conformance --rules` prints DEVIATIONS.md, generated from the
//! rule table.

#[tokio::main]
async fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.len() == 1 && args[0] == "--rules" {
        print!("{}", rejoinder_conformance::rules::deviations_markdown());
        return;
    }
    let dirs: Vec<std::path::PathBuf> = args.into_iter().map(Into::into).collect();
    if dirs.is_empty() {
        eprintln!("usage: rejoinder-conformance DIR [DIR ...] | --rules");
        std::process::exit(2);
    }
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    match rejoinder_conformance::run_dirs(&dirs, verbose).await {
        Ok(report) => {
            println!("{}", report.summary);
            if report.summary.failed > 0 {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
