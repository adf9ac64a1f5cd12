//! The small files a [`ServeDir`](super::ServeDir) sent lately, kept in
//! memory and checked against the file system on every request — the idea
//! of nginx's `open_file_cache`, with the check made on each use rather
//! than every `open_file_cache_valid` seconds.
//!
//! A request that finds its path here costs one `stat` of the file, made
//! on the connection's thread, instead of a hop to the blocking pool that
//! resolves the path (`realpath` of the root and of the file), opens,
//! stats and reads it: the hop alone (two thread wake-ups) costs more than
//! the rest of a small download.
//!
//! # When an entry is used
//!
//! An entry holds a file read whole when it was opened (up to
//! [`PRELOAD_LIMIT`](rejoinder_core::body::PRELOAD_LIMIT)), found for a
//! request path with no precompressed sibling asked for, and the
//! [`Validator`] of the path taken *before* the file was resolved and read.
//! It is used only while a fresh `stat` of the same path (symbolic links
//! followed) gives the same validator: device, inode, size, modification
//! time and status-change time, to the nanosecond where the file system
//! keeps them. Any write, truncation, `chmod`, rename over the file, or
//! new link to it changes one of them, and the next request resolves the
//! path again from scratch, with every check of a first request (the root,
//! symbolic links out of it, the index). Because the validator is older
//! than the bytes, a change while the file was read can only make the
//! entry miss, never serve stale bytes as current. Where no inode is
//! known (not Unix), nothing is kept.
//!
//! # Size
//!
//! At most the configured number of files
//! ([`ServeDir::open_file_cache`](super::ServeDir::open_file_cache),
//! [`DEFAULT_FILES`] by default), so at most that many times
//! `PRELOAD_LIMIT` bytes; no file descriptor is held. When it is full an
//! arbitrary entry makes room (random replacement: a strict LRU would
//! write to shared state on every hit). A path that fails its check is
//! dropped.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use rejoinder_core::body::FileBody;

/// How many files a ServeDir keeps by default.
pub(crate) const DEFAULT_FILES: usize = 128;

/// What must stay the same for a kept file to be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Validator {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Validator {
    /// The validator of a file's metadata; `None` where the platform gives
    /// no inode.
    #[cfg(unix)]
    pub(crate) fn of(meta: &Metadata) -> Option<Validator> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| Validator {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// The validator of a file's metadata; `None` where the platform gives
    /// no inode.
    #[cfg(not(unix))]
    pub(crate) fn of(_: &Metadata) -> Option<Validator> {
        None
    }

    /// The current validator of `path` (one `stat`, links followed).
    pub(crate) fn of_path(path: &std::path::Path) -> Option<Validator> {
        std::fs::metadata(path)
            .ok()
            .as_ref()
            .and_then(Validator::of)
    }
}

/// A kept file.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The path as the request names it under the root (the index file's
    /// for a directory), not resolved: what is checked on each use.
    pub(crate) path: PathBuf,
    pub(crate) validator: Validator,
    /// The file, read whole.
    pub(crate) file: FileBody,
    /// The name whose extension gives the Content-Type.
    pub(crate) type_of: PathBuf,
}

/// The files kept by one ServeDir, by request path (below the mount).
#[derive(Debug)]
pub(crate) struct FileCache {
    max_files: usize,
    entries: Mutex<HashMap<Box<str>, Arc<Entry>>>,
}

impl Clone for FileCache {
    /// An empty cache of the same size: a ServeDir changed after a clone
    /// (another root, another index) must not see the other's files.
    fn clone(&self) -> Self {
        FileCache::new(self.max_files)
    }
}

impl FileCache {
    /// A cache of at most `max_files` files (0: none kept).
    pub(crate) fn new(max_files: usize) -> FileCache {
        FileCache {
            max_files,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether files are kept at all.
    pub(crate) fn is_enabled(&self) -> bool {
        self.max_files > 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Box<str>, Arc<Entry>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The file kept for `request_path`, if the file system still has the
    /// same file there; an entry that fails the check is dropped.
    pub(crate) fn get(&self, request_path: &str) -> Option<Arc<Entry>> {
        if !self.is_enabled() {
            return None;
        }
        let entry = self.lock().get(request_path).cloned()?;
        // The check runs outside the lock.
        if Validator::of_path(&entry.path) == Some(entry.validator) {
            return Some(entry);
        }
        let mut entries = self.lock();
        if entries
            .get(request_path)
            .is_some_and(|e| Arc::ptr_eq(e, &entry))
        {
            entries.remove(request_path);
        }
        None
    }

    /// Keeps `entry` for `request_path` when its file was read whole.
    pub(crate) fn insert(&self, request_path: &str, entry: Entry) {
        if !self.is_enabled() || !entry.file.is_preloaded() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.max_files && !entries.contains_key(request_path) {
            if let Some(victim) = entries.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.insert(request_path.into(), Arc::new(entry));
    }

    /// How many files are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn entry(dir: &std::path::Path, name: &str, body: &str) -> (Validator, Entry) {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let validator = Validator::of_path(&path).unwrap();
        let file = FileBody::open_blocking(path.clone()).unwrap();
        let entry = Entry {
            path: path.clone(),
            validator,
            file,
            type_of: path,
        };
        (validator, entry)
    }

    #[test]
    fn a_changed_file_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(4);
        let (_, e) = entry(dir.path(), "a.txt", "one");
        cache.insert("/a.txt", e);
        assert!(cache.get("/a.txt").is_some());
        // Same size, new bytes: the times (or the inode) differ.
        let tmp = dir.path().join("a.tmp");
        std::fs::write(&tmp, "two").unwrap();
        std::fs::rename(&tmp, dir.path().join("a.txt")).unwrap();
        assert!(cache.get("/a.txt").is_none());
        assert_eq!(cache.len(), 0);
        // Removed: no entry either.
        let (_, e) = entry(dir.path(), "b.txt", "b");
        cache.insert("/b.txt", e);
        std::fs::remove_file(dir.path().join("b.txt")).unwrap();
        assert!(cache.get("/b.txt").is_none());
    }

    #[test]
    fn bounded_and_off() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(2);
        for name in ["a", "b", "c", "d"] {
            let (_, e) = entry(dir.path(), name, name);
            cache.insert(name, e);
        }
        assert_eq!(cache.len(), 2);
        let off = FileCache::new(0);
        let (_, e) = entry(dir.path(), "e", "e");
        off.insert("e", e);
        assert!(off.get("e").is_none());
        // A clone starts empty.
        assert_eq!(cache.clone().len(), 0);
    }
}
