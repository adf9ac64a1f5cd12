//! The directory `servedir.rs` serves, and request helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rejoinder::fs::ServeDir;
use rejoinder::testing::{TestClient, TestResponse};
use rejoinder::App;

pub const CSS: &[u8] = b"body { color: #333; margin: 0 auto; max-width: 40em; }\n";
pub const BR: &[u8] = b"(brotli bytes of a.css)";
pub const SECRET: &[u8] = b"TOP-SECRET-5b2d do not serve me";
/// 2019-04-23 10:18:21 UTC, nginx's example time.
pub const MTIME: u64 = 0x5cbe_e66d;

/// `<tmp>/secret.txt` outside the root, and the root `<tmp>/public` with
/// `a.css` (plus `.gz`, a real gzip stream, and `.br`), `b.js` with only a
/// `.gz`, `c.txt` with no sibling, `docs/index.html`, `empty/` and
/// `sub/d.txt`. Every file was modified at [`MTIME`].
pub struct Site {
    pub dir: tempfile::TempDir,
    pub gz: Vec<u8>,
}

impl Site {
    pub fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(CSS).unwrap();
        let gz = enc.finish().unwrap();
        let site = Site { dir, gz };
        std::fs::write(site.dir.path().join("secret.txt"), SECRET).unwrap();
        for (name, bytes) in [
            ("a.css", CSS),
            ("a.css.gz", &site.gz[..]),
            ("a.css.br", BR),
            ("b.js", b"let b = 2;"),
            ("b.js.gz", b"(gzip bytes of b.js)"),
            ("c.txt", b"plain text"),
            ("docs/index.html", b"<h1>docs</h1>"),
            ("sub/d.txt", b"deep"),
        ] {
            site.write(name, bytes);
        }
        std::fs::create_dir_all(site.root().join("empty")).unwrap();
        site
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    /// Writes `rel` under the root with the modification time [`MTIME`].
    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        set_mtime(&path, at(MTIME));
    }

    pub fn client(&self, serve: impl FnOnce(ServeDir) -> ServeDir) -> TestClient {
        TestClient::new(App::new().handler(serve(ServeDir::new(self.root()))))
    }

    pub fn precompressed(&self) -> TestClient {
        self.client(|d| d.precompressed_br().precompressed_gzip())
    }
}

pub fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn set_mtime(path: &Path, time: SystemTime) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

pub fn tag(secs: u64, size: usize) -> String {
    format!("\"{secs:x}-{size:x}\"")
}

/// Request headers, as name and value.
pub type Headers<'a> = &'a [(&'a str, &'a str)];

pub async fn get(client: &TestClient, path: &str, headers: Headers<'_>) -> TestResponse {
    let mut req = client.get(path);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    req.send().await
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
