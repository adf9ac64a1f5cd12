//! One upstream connection: its socket, what was read from it and not yet
//! used, and reads that grow with the body (the exchange on it is
//! `exchange`'s, its body `body`'s).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::Interest;
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// What a read asks room for in the buffer at first.
const READ: u32 = 16 * 1024;

/// The most a read asks room for: a large body comes in large chunks
/// (each chunk costs the same to pass on, whatever its size), as hyper's
/// adaptive read buffer does.
const MAX_READ: u32 = 512 * 1024;

/// How late a first-byte timeout may fire at most (see [`Conn::arm`]).
const LAZY: Duration = Duration::from_millis(100);

/// The slack of a `within` timeout: [`LAZY`], or a sixteenth of `within`
/// for a short one.
fn lazy(within: Duration) -> Duration {
    LAZY.min(within / 16)
}

/// An HTTP/1.1 connection to a target: the socket, what was read from it
/// and not yet used, and the head buffer kept from one request to the
/// next.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) io: TcpStream,
    pub(crate) buf: BytesMut,
    pub(super) head: Vec<u8>,
    /// The field names of the last response head read on it.
    pub(super) names: super::parse::Names,
    /// It has carried an exchange before (it came from the pool).
    pub(super) reused: bool,
    /// The exchange's deadline for the answer's head: one timer for the
    /// connection's life, moved on for each exchange (see [`Conn::arm`]).
    timer: Option<Pin<Box<Sleep>>>,
    /// The room the next read asks for: doubled after a read that filled
    /// it, halved after one that used less than half. A `u32` (it never
    /// passes `MAX_READ`): the connection is inside every request's
    /// future, which must stay under 1,032 bytes (see `proxy`'s test).
    read_size: u32,
}
impl Conn {
    /// A freshly connected socket, boxed once for its life: it is moved
    /// through each exchange (into the answer, the body, back into the
    /// pool) as one pointer instead of ~140 bytes each time.
    pub(crate) fn new(io: TcpStream) -> Box<Self> {
        Box::new(Conn {
            io,
            buf: BytesMut::new(),
            head: Vec::new(),
            names: super::parse::Names::default(),
            reused: false,
            timer: None,
            read_size: READ,
        })
    }

    /// Marks it as taken from the pool.
    pub(crate) fn reuse(mut self: Box<Self>) -> Box<Self> {
        self.reused = true;
        self
    }

    /// Whether the upstream is known to have closed it (or reset it, or
    /// sent bytes nobody asked for) while it was idle: any read readiness
    /// on an idle connection says it cannot carry another exchange. Costs
    /// no system call: it asks what the reactor already saw.
    pub(crate) fn is_closed(&self) -> bool {
        // `try_io` looks at the readiness the reactor recorded and calls
        // the closure only when some is set; the closure leaves it as it
        // is. Not `poll_read_ready`: it would spend the task's budget and
        // register a waker (under the readiness's lock) when nothing is
        // ready, the common case — about 100 instructions per request.
        self.io.try_io(Interest::READABLE, || Ok(())).is_ok()
    }

    /// Starts the next exchange's clock: its answer's head is due within
    /// `within`, and the timer fires at most [`LAZY`] (or a sixteenth of
    /// `within`, if less) after that.
    ///
    /// The connection keeps one timer and moves its deadline on: a later
    /// deadline is a store into the registered timer (tokio moves it in
    /// its wheel only when the old deadline comes), where a timer per
    /// exchange is inserted into the wheel and taken out again — about
    /// 400 instructions per request (bench/proxy-instructions.sh). Once
    /// the deadline of an idle connection has passed, the timer has fired
    /// and the next `arm` registers it again.
    ///
    /// And as nginx's timers are lazy (`NGX_TIMER_LAZY_DELAY`), the
    /// deadline is set that much later, and kept while it still covers the
    /// new exchange: a busy connection moves it once per `LAZY`, not once
    /// per request (about 140 instructions each).
    pub(crate) fn arm(&mut self, within: Duration) {
        let now = Instant::now();
        // As `tokio::time::timeout` does: a duration past what an instant
        // can hold is about thirty years.
        let due = now
            .checked_add(within)
            .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30));
        match &mut self.timer {
            Some(timer) if timer.deadline() >= due => {}
            Some(timer) => timer.as_mut().reset(due + lazy(within)),
            None => self.timer = Some(Box::pin(tokio::time::sleep_until(due + lazy(within)))),
        }
    }

    /// Whether the armed deadline has passed (never, unarmed).
    pub(super) fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.timer {
            Some(timer) => timer.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }

    /// Reads more of a body into the buffer: the bytes read, 0 at the
    /// close. The reads grow while they fill the room they ask for.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let (n, room) = std::task::ready!(self.poll_read(cx, self.read_size as usize, usize::MAX))?;
        if n == room && self.read_size < MAX_READ {
            self.read_size *= 2;
        } else if n < self.read_size as usize / 2 && self.read_size > READ {
            self.read_size /= 2;
        }
        Poll::Ready(Ok(n))
    }

    /// Reads more of a response head into the buffer, at most [`READ`]
    /// bytes: the body behind the head is left on the socket, for a
    /// splice to take (see `splice`) or a body read sized for it.
    pub(crate) fn poll_fill_head(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        self.poll_read(cx, READ as usize, READ as usize)
            .map_ok(|(n, _)| n)
    }

    /// Reads into the buffer, with room for `size` bytes made first when
    /// less than a quarter of it is spare, and at most `limit` bytes: the
    /// bytes read and the room they were read into.
    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        size: usize,
        limit: usize,
    ) -> Poll<io::Result<(usize, usize)>> {
        if self.buf.capacity() - self.buf.len() < size / 4 {
            self.buf.reserve(size);
        }
        let room = (self.buf.capacity() - self.buf.len()).min(limit);
        let n = loop {
            std::task::ready!(self.io.poll_read_ready(cx))?;
            // A read shorter than the room drained the socket: answering
            // `WouldBlock` to `try_io` clears the readiness, so the next
            // read waits for the reactor instead of trying and getting
            // `EAGAIN` (what tokio's `AsyncRead` does too).
            let mut got = None;
            let (io, buf) = (&self.io, &mut self.buf);
            match io.try_io(Interest::READABLE, || {
                let n = if room < buf.capacity() - buf.len() {
                    io.try_read_buf(&mut bytes::BufMut::limit(&mut *buf, room))?
                } else {
                    io.try_read_buf(buf)?
                };
                got = Some(n);
                if n > 0 && n < room {
                    Err(io::ErrorKind::WouldBlock.into())
                } else {
                    Ok(n)
                }
            }) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => match got {
                    Some(n) => break n,
                    None => continue,
                },
                Err(e) => return Poll::Ready(Err(e)),
            }
        };
        Poll::Ready(Ok((n, room)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::Conn;

    fn deadline(conn: &Conn) -> Instant {
        conn.timer.as_ref().expect("armed").deadline()
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_is_lazy_but_never_early() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let io = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let mut conn = Conn::new(io);
        let within = Duration::from_millis(200);
        let slack = Duration::from_micros(12_500); // a sixteenth of 200 ms
        let start = Instant::now();
        conn.arm(within);
        assert_eq!(deadline(&conn), start + within + slack);
        // Armed again while the deadline still covers the exchange: kept.
        tokio::time::advance(Duration::from_millis(10)).await;
        conn.arm(within);
        assert_eq!(deadline(&conn), start + within + slack);
        // No longer covered: moved on, never earlier than `within`.
        tokio::time::advance(Duration::from_millis(10)).await;
        conn.arm(within);
        assert_eq!(deadline(&conn), Instant::now() + within + slack);
        // A long timeout's slack is at most 100 ms.
        conn.arm(Duration::from_secs(60));
        assert_eq!(
            deadline(&conn),
            Instant::now() + Duration::from_secs(60) + Duration::from_millis(100)
        );
    }
}
