//! Whole files sent by the kernel (`sendfile(2)`), on plain-TCP HTTP/1
//! connections: the file's bytes go from the page cache to the socket
//! without being copied into the process and out again. Relayed bodies
//! (see `relay`) ride the same queue: their source moves the bytes itself
//! (rejoinder-proxy's with `splice(2)`, socket to pipe to socket).
//!
//! hyper takes a response body only as `Bytes` frames, so the bytes of a
//! spliced file are stood in for: the body yields slices of one static
//! buffer ([`is_placeholder`] tells them by address), and the connection's
//! socket, given those slices to write, sends the same number of bytes of
//! the file instead. This holds because hyper's HTTP/1 writer, on a socket
//! that writes vectored, queues body frames by reference and hands them to
//! the socket as they are (never copying them into its own buffer); the
//! server turns a body into placeholders only on such a connection (plain
//! TCP, HTTP/1.x, no layer or filter between the body and hyper), and the
//! tests compare every byte of files sent this way.
//!
//! The files of one connection are queued in the order their bodies are
//! first polled, which is the order hyper writes them: a run of placeholder
//! bytes is always the front file's next bytes.
//!
//! Measured with bench/files.sh (CPU per request against nginx with
//! sendfile, same run): see docs/performance.md.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::Interest;
use tokio::net::TcpStream;

/// The size of one placeholder frame.
const PIECE: usize = 256 * 1024;

/// The bytes placeholder frames are cut from; never sent as they are.
static PLACEHOLDER: [u8; PIECE] = [0; PIECE];

/// Whether `bytes` lies in the placeholder buffer (is a stand-in for file
/// bytes, not bytes to send).
#[doc(hidden)]
#[inline]
pub fn is_placeholder(bytes: &[u8]) -> bool {
    let start = PLACEHOLDER.as_ptr() as usize;
    let at = bytes.as_ptr() as usize;
    !bytes.is_empty() && at >= start && at + bytes.len() <= start + PIECE
}

/// `len` placeholder bytes, as one frame (`len` at most [`PIECE`]).
pub(crate) fn placeholder(len: usize) -> Bytes {
    Bytes::from_static(&PLACEHOLDER[..len.min(PIECE)])
}

/// The largest frame a spliced body yields.
pub(crate) const fn piece() -> usize {
    PIECE
}

/// Bytes to be sent by the kernel: a range of an open file, or a relayed
/// body whose source sends itself.
pub(crate) struct Splice {
    pos: u64,
    end: u64,
    source: Source,
}

enum Source {
    File(FileSource),
    Relay(Box<dyn super::RelaySource>),
}

/// An open file: bytes `pos..end` of the splice are the file's.
struct FileSource {
    file: Arc<File>,
    /// `sendfile` failed as unsupported for this file: copy instead.
    copy: bool,
    /// A read on the blocking pool bringing the next bytes into the page
    /// cache, so the worker's `sendfile` does not wait for the disk.
    warming: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Splice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.source {
            Source::File(_) => "File",
            Source::Relay(_) => "Relay",
        };
        f.debug_struct("Splice")
            .field("source", &kind)
            .field("pos", &self.pos)
            .field("end", &self.end)
            .finish()
    }
}

impl Splice {
    pub(crate) fn new(file: Arc<File>, pos: u64, end: u64) -> Self {
        Splice {
            pos,
            end,
            source: Source::File(FileSource {
                file,
                copy: false,
                warming: None,
            }),
        }
    }

    /// A relayed body of `len` bytes, sent by its source.
    pub(crate) fn relay(source: Box<dyn super::RelaySource>, len: u64) -> Self {
        Splice {
            pos: 0,
            end: len,
            source: Source::Relay(source),
        }
    }
}

/// The files a connection has yet to send, in order.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct SpliceQueue {
    queued: AtomicUsize,
    list: Mutex<VecDeque<Splice>>,
}

impl SpliceQueue {
    /// Whether no file waits (the socket's fast path: one atomic load).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.queued.load(Ordering::Acquire) == 0
    }

    pub(crate) fn push(&self, splice: Splice) {
        if splice.pos >= splice.end {
            return;
        }
        if let Ok(mut list) = self.list.lock() {
            list.push_back(splice);
            self.queued.store(list.len(), Ordering::Release);
        }
    }

    /// Writes `bufs` to `tcp`: the bytes before the first placeholder as
    /// they are, or, when `bufs` begins with placeholders, as many bytes of
    /// the front file (at most as many as the run of placeholders).
    #[doc(hidden)]
    pub fn poll_write(
        &self,
        tcp: &TcpStream,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let Some(first) = bufs.iter().position(|b| is_placeholder(b)) else {
            return poll_writev(tcp, cx, bufs);
        };
        if first > 0 {
            return poll_writev(tcp, cx, &bufs[..first]);
        }
        let run: usize = bufs
            .iter()
            .take_while(|b| is_placeholder(b))
            .map(|b| b.len())
            .sum();
        let Ok(mut list) = self.list.lock() else {
            return Poll::Ready(Err(io::Error::other("the file queue was poisoned")));
        };
        let Some(front) = list.front_mut() else {
            return Poll::Ready(Err(io::Error::other(
                "placeholder bytes to write with no file queued",
            )));
        };
        let count = usize::try_from(front.end - front.pos)
            .unwrap_or(usize::MAX)
            .min(run);
        let polled = match &mut front.source {
            Source::File(file) => poll_send(tcp, cx, file, front.pos, count),
            Source::Relay(source) => match source.poll_send(tcp, cx, count) {
                Poll::Ready(Ok(0)) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "a relayed body ended short of its length",
                ))),
                polled => polled,
            },
        };
        if let Poll::Ready(Ok(n)) = polled {
            front.pos += n as u64;
            if front.pos >= front.end {
                list.pop_front();
                self.queued.store(list.len(), Ordering::Release);
            }
        }
        polled
    }
}

fn poll_writev(
    tcp: &TcpStream,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    loop {
        std::task::ready!(tcp.poll_write_ready(cx))?;
        match tcp.try_write_vectored(bufs) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            done => return Poll::Ready(done),
        }
    }
}

/// Sends `count` bytes of the file from `pos`.
fn poll_send(
    tcp: &TcpStream,
    cx: &mut Context<'_>,
    splice: &mut FileSource,
    pos: u64,
    count: usize,
) -> Poll<io::Result<usize>> {
    loop {
        if let Some(warming) = &mut splice.warming {
            let _ = std::task::ready!(std::pin::Pin::new(warming).poll(cx));
            splice.warming = None;
        } else if !splice.copy && !cached(&splice.file, pos + count as u64 - 1) {
            splice.warming = Some(warm(splice.file.clone(), pos, count));
            continue;
        }
        std::task::ready!(tcp.poll_write_ready(cx))?;
        let sent = if splice.copy {
            copy(tcp, &splice.file, pos, count)
        } else {
            tcp.try_io(Interest::WRITABLE, || {
                let mut offset = pos;
                rustix::fs::sendfile(tcp, &*splice.file, Some(&mut offset), count)
                    .map_err(io::Error::from)
            })
        };
        match sent {
            Ok(0) => {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file shrank while sent",
                )))
            }
            Ok(n) => return Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            // A file system without sendfile: the same bytes, copied.
            Err(e)
                if !splice.copy
                    && matches!(
                        e.kind(),
                        io::ErrorKind::Unsupported | io::ErrorKind::InvalidInput
                    ) =>
            {
                splice.copy = true;
            }
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
}

/// Whether the page holding byte `at` is in the page cache (a one-byte
/// read that never waits for the disk). Readahead fills the cache in
/// order, so the last byte of a range being there says the range is.
fn cached(file: &File, at: u64) -> bool {
    use rustix::io::{preadv2, ReadWriteFlags};
    let mut byte = [0u8; 1];
    let mut slices = [io::IoSliceMut::new(&mut byte)];
    match preadv2(file, &mut slices, at, ReadWriteFlags::NOWAIT) {
        Ok(_) => true,
        Err(e) => io::Error::from(e).kind() != io::ErrorKind::WouldBlock,
    }
}

/// Reads `count` bytes at `pos` on the blocking pool, for the page cache.
fn warm(file: Arc<File>, pos: u64, count: usize) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0; count.min(PIECE)];
        let mut at = pos;
        let end = pos + count as u64;
        while at < end {
            match std::os::unix::fs::FileExt::read_at(&*file, &mut buf, at) {
                Ok(0) | Err(_) => break,
                Ok(n) => at += n as u64,
            }
        }
    })
}

/// The copying fallback: reads what will be written, writes what it can.
fn copy(tcp: &TcpStream, file: &File, pos: u64, count: usize) -> io::Result<usize> {
    let mut buf = vec![0; count.min(PIECE)];
    let n = std::os::unix::fs::FileExt::read_at(file, &mut buf, pos)?;
    if n == 0 {
        return Ok(0);
    }
    tcp.try_write(&buf[..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_told_by_address() {
        let piece = placeholder(10);
        assert!(is_placeholder(&piece));
        assert!(is_placeholder(&piece[3..]));
        assert!(!is_placeholder(&piece[..0]));
        assert!(!is_placeholder(&[0u8; 10]));
        let zeros = vec![0u8; PIECE];
        assert!(!is_placeholder(&zeros));
        assert_eq!(placeholder(PIECE + 1).len(), PIECE);
    }
}
