//! rejoinder's `fs::ServeDir` as the whole app, for files.sh.
//!
//! Usage: `bench-rejoinder-files PORT DIR`. Built only with the
//! `rejoinder-files` feature (see Cargo.toml).

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
        let app = App::new().handler(ServeDir::new(dir));
        app.listen(("127.0.0.1", port)).await
    })
}
