//! From a request path to a file under the root: the path checks, the
//! directory index, and precompressed siblings, each held to the same
//! rule — what is opened resolves (symbolic links followed) to a place
//! inside the root, unless links out of it are allowed.

use std::io;
use std::path::{Component, Path, PathBuf};

use rejoinder_core::body::FileBody;

use super::encoding::Encoding;

/// The path relative to the root for a request path, or `None` when the
/// path could leave the root or name something odd.
///
/// The path is percent-decoded once, then split on `/`: a `..` segment
/// (also written `%2e%2e`, or hidden behind `%2f`), a backslash (`\` or
/// `%5c`), a NUL byte, or a `:` (a drive letter such as `c:`) refuses it;
/// empty and `.` segments are dropped.
///
/// # Examples
///
/// ```
/// use rejoinder::fs::safe_relative_path;
///
/// assert_eq!(safe_relative_path("/css/a%20b.css").unwrap().to_str(), Some("css/a b.css"));
/// assert!(safe_relative_path("/css/..%2f..%2fetc/passwd").is_none());
/// assert!(safe_relative_path("/c:/windows").is_none());
/// ```
pub fn safe_relative_path(request_path: &str) -> Option<PathBuf> {
    let decoded = rejoinder_core::uri::percent_decode(request_path);
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut out = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return None,
            s if s.contains(':') => return None,
            s => out.push(s),
        }
    }
    // Belt and braces: only plain names may remain.
    out.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(out)
}

/// What a ServeDir looks up a request in.
pub(crate) struct Lookup<'a> {
    pub(crate) root: &'a Path,
    pub(crate) follow_out: bool,
    pub(crate) index: Option<&'a str>,
}

/// What a request path names.
pub(crate) enum Found {
    /// A file to send, in `encoding` (`None`: as it is); `type_of` is the
    /// name whose extension gives the Content-Type: the one asked for
    /// (`a.css` for `a.css.gz`, `docs/index.html` for `docs/`), not the
    /// target of a symbolic link.
    File {
        file: FileBody,
        encoding: Option<Encoding>,
        type_of: PathBuf,
    },
    /// A directory with an index, asked for without its trailing slash.
    AddSlash,
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "not found")
}

impl Lookup<'_> {
    /// Finds the file for `relative` (from [`safe_relative_path`]);
    /// `slash` says whether the request path ends with `/`. The siblings in
    /// `encodings` are tried in order before the file itself.
    ///
    /// # Errors
    ///
    /// `NotFound` for anything that names no file under the root (missing,
    /// outside the root, a directory without an index, a file asked for
    /// with a trailing slash, something that is not a regular file); other
    /// errors when the root itself cannot be read or a file cannot be
    /// opened.
    pub(crate) fn find(
        &self,
        relative: &Path,
        slash: bool,
        encodings: &[Encoding],
    ) -> io::Result<Found> {
        let root = self.root.canonicalize()?;
        // A path that does not resolve (missing, under a file, too long, a
        // symlink loop) names no file: 404, not a server error.
        let inside = |path: &Path| -> Option<PathBuf> {
            let real = path.canonicalize().ok()?;
            (self.follow_out || real.starts_with(&root)).then_some(real)
        };
        let mut requested = root.join(relative);
        let mut target = inside(&requested).ok_or_else(not_found)?;
        if target.is_dir() {
            let index = self.index.ok_or_else(not_found)?;
            requested.push(index);
            target = inside(&requested)
                .filter(|p| p.is_file())
                .ok_or_else(not_found)?;
            if !slash {
                return Ok(Found::AddSlash);
            }
        } else if slash || !target.is_file() {
            return Err(not_found());
        }
        for &encoding in encodings {
            let Some(sibling) = inside(&encoding.sibling(&requested)).filter(|p| p.is_file())
            else {
                continue;
            };
            match FileBody::open_blocking(sibling) {
                Ok(file) => {
                    return Ok(Found::File {
                        file,
                        encoding: Some(encoding),
                        type_of: requested,
                    })
                }
                Err(e) => {
                    tracing::debug!(error = %e, "a precompressed sibling could not be opened")
                }
            }
        }
        Ok(Found::File {
            file: FileBody::open_blocking(target)?,
            encoding: None,
            type_of: requested,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative_path;

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc",
            "/a/..%2f..%2fb",
            "/c:/windows",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/nul%00byte",
        ] {
            assert!(safe_relative_path(bad).is_none(), "{bad}");
        }
        assert_eq!(
            safe_relative_path("/a/./b%20c.txt").unwrap().to_str(),
            Some("a/b c.txt")
        );
        assert_eq!(safe_relative_path("/").unwrap().to_str(), Some(""));
    }
}
