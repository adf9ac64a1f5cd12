//! rejoinder's `fs::ServeDir` as the whole app, for files.sh.
//!
//! Usage: `bench-rejoinder-files PORT DIR`. Built only with the
//! `rejoinder-files` feature (see Cargo.toml). `FILE_CACHE=N` sets
//! `ServeDir::open_file_cache(N)` (`0` turns it off, to measure what it
//! buys); unset, ServeDir's default.

use rejoinder::fs::ServeDir;
use rejoinder::App;

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    let dir = rejoinder_bench::files_dir();
    rejoinder_bench::runtime()?.block_on(async move {
        eprintln!(
            "bench-rejoinder-files serving {} on 127.0.0.1:{port}",
            dir.display()
        );
        let mut files = ServeDir::new(dir);
        if let Some(n) = std::env::var("FILE_CACHE").ok().and_then(|v| v.parse().ok()) {
            files = files.open_file_cache(n);
        }
        let app = App::new().handler(files);
        app.listen(("127.0.0.1", port)).await
    })
}
