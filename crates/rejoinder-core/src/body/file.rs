//! File bodies that stream from disk.
//!
//! Opening a file, reading its metadata and — for files up to
//! [`PRELOAD_LIMIT`] — reading its contents happen in one blocking task, so
//! a small download costs a single hop to the blocking pool. Larger files
//! are read in [`CHUNK`]-sized pieces with positioned reads as the client
//! takes them (backpressure), so memory stays flat however large the file
//! is, and the stream is dropped when the client goes away.
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
    file: Arc<std::fs::File>,
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
        Ok(FileBody {
            inner: Box::new(FileInner {
                path,
                file: Arc::new(file),
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

    pub(crate) fn into_stream(self) -> FileStream {
        let inner = *self.inner;
        let (start, end) = (inner.start, inner.end);
        FileStream {
            file: inner.file,
            preloaded: inner
                .preloaded
                .map(|b| b.slice(start as usize..end as usize)),
            pos: start,
            end,
            pending: None,
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
    file: Arc<std::fs::File>,
    preloaded: Option<Bytes>,
    pos: u64,
    end: u64,
    pending: Option<Pending>,
}

impl Stream for FileStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(b) = this.preloaded.take() {
            this.pos = this.end;
            return Poll::Ready((!b.is_empty()).then_some(Ok(b)));
        }
        loop {
            if let Some(task) = &mut this.pending {
                let result = match Pin::new(task).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(r) => r,
                };
                this.pending = None;
                return Poll::Ready(Some(match result {
                    Ok(Ok(bytes)) => {
                        this.pos += bytes.len() as u64;
                        Ok(bytes)
                    }
                    Ok(Err(e)) => {
                        this.pos = this.end;
                        Err(e.into())
                    }
                    Err(join) => {
                        this.pos = this.end;
                        Err(io::Error::other(join).into())
                    }
                }));
            }
            if this.pos >= this.end {
                return Poll::Ready(None);
            }
            let len = ((this.end - this.pos) as usize).min(CHUNK);
            let (file, pos) = (this.file.clone(), this.pos);
            this.pending = Some(tokio::task::spawn_blocking(move || {
                let mut buf = vec![0; len];
                read_exact_at(&file, &mut buf, pos)?;
                Ok(Bytes::from(buf))
            }));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}
