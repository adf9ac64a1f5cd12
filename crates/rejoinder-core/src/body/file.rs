//! File bodies that stream from disk.
//!
//! Opening a file, reading its metadata and — for files up to
//! [`PRELOAD_LIMIT`] — reading its contents happen in one blocking task, so
//! a small download costs a single hop to the blocking pool (and a file
//! read whole is closed at once: it holds no descriptor while it is sent).
//! Larger files are read in [`CHUNK`]-sized pieces with positioned reads as
//! the client takes them (backpressure), so memory stays flat however large
//! the file is, and the stream is dropped when the client goes away.
//!
//! On Linux each piece is first read on the connection's own thread with
//! `preadv2(RWF_NOWAIT)`, which copies what the page cache holds and
//! refuses (`EAGAIN`) rather than wait for the disk; only then is the read
//! sent to the blocking pool. A file that is being served is usually in
//! the page cache, so a large download costs no hop per piece — a hop is
//! two thread wake-ups, which cost more than copying 256 KiB.
//!
//! Each piece gets a new buffer from the allocator, which hands back the
//! one just freed. Keeping a pool of initialized buffers (given back when
//! the connection drops a piece, to skip the zeroing) was measured and
//! made a 100 MiB download cost about 1.7 times the CPU, nearly all of it
//! in the kernel's copy from the page cache into the pooled buffers; it is
//! not used.
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder_core::body::FileBody;
//! use rejoinder_core::Response;
//!
//! async fn report(res: &mut Response) -> std::io::Result<()> {
//!     let file = FileBody::open("reports/2026.pdf").await?;
//!     res.send_file(file);
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use std::future::Future;

use bytes::Bytes;
use futures_core::Stream;

use crate::body::BoxError;

/// Files up to this size are read whole when opened.
pub const PRELOAD_LIMIT: u64 = 128 * 1024;

/// The size of each read for larger files.
pub const CHUNK: usize = 256 * 1024;

/// An open file to send, or a byte range of it.
#[derive(Clone)]
pub struct FileBody {
    // Boxed: a body travels inside every response; keeping this variant
    // pointer-sized keeps `Body` and `Response` small to move.
    inner: Box<FileInner>,
}

#[derive(Clone)]
struct FileInner {
    path: PathBuf,
    /// `None` once the whole file is in `preloaded`.
    file: Option<Arc<std::fs::File>>,
    size: u64,
    modified: Option<SystemTime>,
    start: u64,
    end: u64,
    preloaded: Option<Bytes>,
}

impl fmt::Debug for FileBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBody")
            .field("path", &self.inner.path)
            .field("size", &self.inner.size)
            .field("range", &(self.inner.start..self.inner.end))
            .finish()
    }
}

impl FileBody {
    /// Opens `path` for sending.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read, or is a directory.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<FileBody> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || FileBody::open_blocking(path))
            .await
            .map_err(io::Error::other)?
    }

    /// Opens `path` on the current thread (for callers already on a
    /// blocking thread).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_blocking(path: PathBuf) -> io::Result<FileBody> {
        let file = std::fs::File::open(&path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        let size = meta.len();
        let preloaded = if size <= PRELOAD_LIMIT {
            let mut buf = vec![0; size as usize];
            read_exact_at(&file, &mut buf, 0)?;
            Some(Bytes::from(buf))
        } else {
            None
        };
        let file = preloaded.is_none().then(|| Arc::new(file));
        Ok(FileBody {
            inner: Box::new(FileInner {
                path,
                file,
                size,
                modified: meta.modified().ok(),
                start: 0,
                end: size,
                preloaded,
            }),
        })
    }

    /// The whole file's size.
    pub fn size(&self) -> u64 {
        self.inner.size
    }

    /// The bytes that will be sent (the range's length).
    pub fn len(&self) -> u64 {
        self.inner.end - self.inner.start
    }

    /// Whether nothing will be sent.
    pub fn is_empty(&self) -> bool {
        self.inner.start == self.inner.end
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The file's modification time.
    pub fn modified(&self) -> Option<SystemTime> {
        self.inner.modified
    }

    /// The byte range being sent, end exclusive.
    pub fn range(&self) -> std::ops::Range<u64> {
        self.inner.start..self.inner.end
    }

    /// Sends only `start..end` (end exclusive) of the file.
    pub(crate) fn set_range(&mut self, start: u64, end: u64) {
        self.inner.start = start.min(self.inner.size);
        self.inner.end = end.clamp(self.inner.start, self.inner.size);
    }

    /// A weak validator from the size and modification time,
    /// `W/"<size hex>-<mtime hex>"`.
    pub fn weak_etag(&self) -> String {
        let mtime = self
            .inner
            .modified
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        format!("W/\"{:x}-{:x}\"", self.inner.size, mtime)
    }

    /// Whether the whole file was read when it was opened (it is then
    /// sent from memory).
    pub fn is_preloaded(&self) -> bool {
        self.inner.preloaded.is_some()
    }

    /// The bytes to send, when the file was read whole when opened.
    pub(crate) fn preloaded_bytes(&self) -> Option<Bytes> {
        let (start, end) = (self.inner.start as usize, self.inner.end as usize);
        self.inner.preloaded.as_ref().map(|b| b.slice(start..end))
    }

    pub(crate) fn into_stream(self) -> FileStream {
        let preloaded = self.preloaded_bytes();
        let inner = *self.inner;
        FileStream {
            file: inner.file,
            preloaded,
            pos: inner.start,
            end: inner.end,
            pending: None,
            nowait: cfg!(target_os = "linux"),
        }
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(file, buf, offset)? {
            0 => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file shrank while read",
                ))
            }
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

type Pending = tokio::task::JoinHandle<io::Result<Bytes>>;

/// The stream of a [`FileBody`]'s bytes.
pub(crate) struct FileStream {
    /// `None` when everything is in `preloaded`.
    file: Option<Arc<std::fs::File>>,
    preloaded: Option<Bytes>,
    pos: u64,
    end: u64,
    pending: Option<Pending>,
    /// Whether to try a read from the page cache on this thread first.
    nowait: bool,
}

/// Reads up to `len` bytes with `read` into a new buffer, as a piece.
fn read_piece(len: usize, read: impl FnOnce(&mut [u8]) -> io::Result<usize>) -> io::Result<Bytes> {
    let mut buf = vec![0; len];
    match read(&mut buf)? {
        0 => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "file shrank while read",
        )),
        n => {
            buf.truncate(n);
            Ok(Bytes::from(buf))
        }
    }
}

/// Reads what the page cache holds of `buf.len()` bytes at `offset`
/// without waiting for the disk: `WouldBlock` when that would be needed.
#[cfg(target_os = "linux")]
fn read_cached(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use rustix::io::{preadv2, ReadWriteFlags};
    let mut slices = [io::IoSliceMut::new(buf)];
    preadv2(file, &mut slices, offset, ReadWriteFlags::NOWAIT).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &std::fs::File, _: &mut [u8], _: u64) -> io::Result<usize> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

impl FileStream {
    /// The open file and the range still to send, when nothing of it has
    /// been read yet (the kernel can then send it all).
    #[cfg(target_os = "linux")]
    pub(crate) fn untouched(&self) -> Option<(&Arc<std::fs::File>, u64, u64)> {
        match (&self.file, &self.preloaded, &self.pending) {
            (Some(file), None, None) => Some((file, self.pos, self.end)),
            _ => None,
        }
    }

    fn finish(&mut self, result: io::Result<Bytes>) -> Poll<Option<Result<Bytes, BoxError>>> {
        Poll::Ready(Some(match result {
            Ok(bytes) => {
                self.pos += bytes.len() as u64;
                Ok(bytes)
            }
            Err(e) => {
                self.pos = self.end;
                Err(e.into())
            }
        }))
    }
}

impl Stream for FileStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(b) = this.preloaded.take() {
            this.pos = this.end;
            return Poll::Ready((!b.is_empty()).then_some(Ok(b)));
        }
        if let Some(task) = &mut this.pending {
            let result = match Pin::new(task).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            this.pending = None;
            return this.finish(result.unwrap_or_else(|join| Err(io::Error::other(join))));
        }
        if this.pos >= this.end {
            return Poll::Ready(None);
        }
        let Some(file) = this.file.clone() else {
            return this.finish(Err(io::Error::other("the file was not kept open")));
        };
        let len = ((this.end - this.pos) as usize).min(CHUNK);
        let pos = this.pos;
        if this.nowait {
            match read_piece(len, |b| read_cached(&file, b, pos)) {
                Ok(bytes) => return this.finish(Ok(bytes)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // A file system without RWF_NOWAIT (EOPNOTSUPP) or an old
                // kernel (EINVAL, ENOSYS): the blocking pool from now on.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Unsupported | io::ErrorKind::InvalidInput
                    ) =>
                {
                    this.nowait = false;
                }
                Err(e) => return this.finish(Err(e)),
            }
        }
        let mut task = tokio::task::spawn_blocking(move || {
            read_piece(len, |b| {
                read_exact_at(&file, b, pos)?;
                Ok(b.len())
            })
        });
        // Registers the waker; a read that ends at once is taken now.
        match Pin::new(&mut task).poll(cx) {
            Poll::Pending => {
                this.pending = Some(task);
                Poll::Pending
            }
            Poll::Ready(result) => {
                this.finish(result.unwrap_or_else(|join| Err(io::Error::other(join))))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(body: FileBody) -> (Vec<u8>, Option<String>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut stream = body.into_stream();
            let mut out = Vec::new();
            loop {
                let next = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
                match next {
                    None => return (out, None),
                    Some(Ok(b)) => out.extend_from_slice(&b),
                    Some(Err(e)) => return (out, Some(e.to_string())),
                }
            }
        })
    }

    fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rejoinder-core-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_large_file_and_its_ranges_stream_whole() {
        let bytes: Vec<u8> = (0..CHUNK * 2 + 4099).map(|i| (i % 251) as u8).collect();
        let path = scratch("large.bin", &bytes);
        let file = FileBody::open_blocking(path.clone()).unwrap();
        assert!(!file.is_preloaded());
        assert_eq!(drain(file.clone()), (bytes.clone(), None));
        let mut part = file;
        part.set_range(CHUNK as u64 - 3, CHUNK as u64 * 2 + 5);
        let (got, err) = drain(part);
        assert_eq!(err, None);
        assert_eq!(got, &bytes[CHUNK - 3..CHUNK * 2 + 5]);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_small_file_is_read_whole_and_closed() {
        let path = scratch("small.txt", b"small");
        let file = FileBody::open_blocking(path.clone()).unwrap();
        assert!(file.is_preloaded());
        assert!(file.inner.file.is_none());
        assert_eq!(file.preloaded_bytes().as_deref(), Some(&b"small"[..]));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_file_that_shrinks_while_sent_ends_in_an_error() {
        let bytes = vec![7u8; PRELOAD_LIMIT as usize + 10];
        let path = scratch("shrinks.bin", &bytes);
        let file = FileBody::open_blocking(path.clone()).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(100)
            .unwrap();
        let (got, err) = drain(file);
        assert!(got.len() <= 100);
        assert!(err.is_some_and(|e| e.contains("shrank")));
        std::fs::remove_file(path).unwrap();
    }
}
