//! `rejoinder-conformance DIR [DIR ...]`: replays every golden vector file in
//! the folders and prints `N passed, M failed, K skipped`; exits non-zero when
//! anything failed.

#[tokio::main]
async fn main() {
    let dirs: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if dirs.is_empty() {
        eprintln!("usage: rejoinder-conformance DIR [DIR ...]");
        std::process::exit(2);
    }
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    match rejoinder_conformance::run_dirs(&dirs, verbose).await {
        Ok(summary) => {
            println!("{summary}");
            if summary.failed > 0 {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
