//! Files the targets serve, made once per process in a temporary directory
//! (left behind at exit: statics are not dropped).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The sizes of the files the range target serves: empty, tiny, around the
/// preload limit, and sparse files of 4 GiB + 7 bytes and 1 TiB.
pub const SIZES: &[u64] = &[
    0,
    1,
    2,
    10,
    100,
    4096,
    64 * 1024 - 1,
    64 * 1024 + 1,
    (1 << 32) + 7,
    1 << 40,
];

/// The bytes of `secret.txt`, next to the served root: they must never be
/// sent. Not UTF-8 (the `0xFF`), so that no handler echoing the request as
/// text (a parameter in an error message, a JSON echo) can send them: only
/// the file itself holds them.
pub const SECRET: &[u8] = b"TOP-SECRET-\xff-5d41402abc4b2a76";

/// The text of `root/pub.txt`.
pub const PUBLIC: &str = "public file\n";

struct Dirs {
    _dir: tempfile::TempDir,
    sized: Vec<PathBuf>,
    root: PathBuf,
}

fn dirs() -> &'static Dirs {
    static DIRS: OnceLock<Dirs> = OnceLock::new();
    DIRS.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("rejoinder-fuzz-")
            .tempdir()
            .expect("a temporary directory");
        let sized = SIZES
            .iter()
            .map(|&size| {
                let path = dir.path().join(format!("file-{size}.bin"));
                let file = std::fs::File::create(&path).expect("create a sized file");
                if size <= 1 << 20 {
                    let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
                    std::fs::write(&path, bytes).expect("write a sized file");
                } else {
                    file.set_len(size).expect("a sparse file");
                }
                path
            })
            .collect();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).expect("the served root");
        std::fs::write(root.join("pub.txt"), PUBLIC).expect("pub.txt");
        std::fs::write(root.join("sub").join("index.html"), "<p>index</p>").expect("index");
        std::fs::write(dir.path().join("secret.txt"), SECRET).expect("secret.txt");
        Dirs {
            _dir: dir,
            sized,
            root,
        }
    })
}

/// The file of `SIZES[i]` bytes.
pub fn sized_file(i: usize) -> &'static Path {
    &dirs().sized[i]
}

/// The root a ServeDir serves: `pub.txt` and `sub/index.html`, with
/// `../secret.txt` beside it.
pub fn served_root() -> &'static Path {
    &dirs().root
}
