//! The connection's transport: plain TCP, or TLS over it (feature `tls`).
//!
//! The TCP stream is shared ([`SharedTcp`]): hyper (or rustls) reads and
//! writes it, and the connection's task looks at it while a request is in
//! flight, to notice a client that left (see `drive`). Its reads and
//! writes go through tokio's readiness API, which takes `&TcpStream`.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// An accepted connection's stream.
#[derive(Debug)]
pub(crate) enum Socket {
    /// Plain TCP.
    Tcp(SharedTcp),
    /// TLS over TCP, after the handshake.
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::server::TlsStream<SharedTcp>>),
}

/// A stream that may be plain TCP underneath (for `sendfile`).
pub(crate) trait Plain {
    /// The TCP stream, when bytes written to it go out as they are.
    #[cfg_attr(not(all(feature = "fs", target_os = "linux")), allow(dead_code))]
    fn tcp(&self) -> Option<&TcpStream>;
}

impl Plain for Socket {
    #[inline]
    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Socket::Tcp(s) => Some(&s.0),
            #[cfg(feature = "tls")]
            Socket::Tls(_) => None,
        }
    }
}

impl Socket {
    /// The TCP stream underneath, shared.
    pub(crate) fn shared_tcp(&self) -> Arc<TcpStream> {
        match self {
            Socket::Tcp(s) => s.0.clone(),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => s.get_ref().0 .0.clone(),
        }
    }
}

/// A TCP stream that the connection's task can look at while hyper owns
/// the connection: reads and writes as tokio's `TcpStream` does them.
#[derive(Debug)]
pub(crate) struct SharedTcp(Arc<TcpStream>);

impl SharedTcp {
    /// An accepted stream.
    pub(crate) fn new(stream: TcpStream) -> Self {
        SharedTcp(Arc::new(stream))
    }
}

/// Runs `op`, a read or a write of at most `len` bytes, once `s` is ready
/// for `interest`, waiting again on `EAGAIN`. As tokio's own `TcpStream`
/// does: an operation shorter than `len` drained the socket (a read) or
/// filled its buffer (a write), so the readiness is cleared and the next
/// one waits for the reactor instead of trying and getting `EAGAIN`.
fn poll_op(
    s: &TcpStream,
    cx: &mut Context<'_>,
    interest: Interest,
    len: usize,
    mut op: impl FnMut() -> io::Result<usize>,
) -> Poll<io::Result<usize>> {
    loop {
        std::task::ready!(if interest.is_readable() {
            s.poll_read_ready(cx)
        } else {
            s.poll_write_ready(cx)
        })?;
        let mut done = None;
        match s.try_io(interest, || {
            let n = op()?;
            done = Some(n);
            if n > 0 && n < len {
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(n)
            }
        }) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if let Some(n) = done {
                    return Poll::Ready(Ok(n));
                }
            }
            result => return Poll::Ready(result),
        }
    }
}

impl SharedTcp {
    /// Reads into the spare room of `buf` (the caller makes it), with the
    /// same readiness rule as `poll_read`: for the inline HTTP/1 path,
    /// which keeps its own read buffer.
    pub(crate) fn poll_read_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Poll<io::Result<usize>> {
        let s = &*self.0;
        let room = buf.capacity() - buf.len();
        poll_op(s, cx, Interest::READABLE, room, || s.try_read_buf(buf))
    }
}

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let s = &*self.0;
        let room = buf.remaining();
        poll_op(s, cx, Interest::READABLE, room, || s.try_read_buf(buf)).map_ok(|_| ())
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let s = &*self.0;
        poll_op(s, cx, Interest::WRITABLE, buf.len(), || s.try_write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let s = &*self.0;
        let len = bufs.iter().map(|b| b.len()).sum();
        poll_op(s, cx, Interest::WRITABLE, len, || {
            s.try_write_vectored(bufs)
        })
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing is buffered in user space.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// What tokio's `poll_shutdown` does for a `TcpStream`: the write side
    /// shut at once (tokio's own takes the stream by `&mut`).
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(socket2::SockRef::from(&*self.0).shutdown(std::net::Shutdown::Write))
    }
}

impl AsyncRead for Socket {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        match self {
            Socket::Tcp(s) => s.is_write_vectored(),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => s.is_write_vectored(),
        }
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Socket::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
