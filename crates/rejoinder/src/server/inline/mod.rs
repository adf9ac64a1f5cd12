//! The inline HTTP/1.1 path: a plain-TCP connection of an [`App`] served
//! by the connection's own task — the head parsed with `httparse`, the
//! app's pipeline awaited in place, the response written with one
//! `writev` — for the requests that make up most traffic (no body, no
//! upgrade). Any other request, and anything hyper would answer itself
//! (a head over the limits, a parse error, the HTTP/2 preface, a body,
//! `Expect`, `Upgrade`, `CONNECT`), hands the connection to hyper with the
//! bytes already read put back in front (see [`replay`]); it stays
//! hyper's from then on. TLS connections and tower services are hyper's
//! from the start.
//!
//! Why: hyper's HTTP/1 dispatcher costs about 6,800 instructions per
//! keep-alive request under callgrind (its state machine, its buffers, the
//! per-poll bookkeeping), this path about a third of that, for the same
//! bytes on the wire — the response head follows hyper's rules field for
//! field (see [`encode`]), and the suites that drive the server over
//! loopback run through it. Measured with bench/instructions.sh and
//! bench/proxy-instructions.sh; figures in docs/performance.md.

mod date;
mod encode;
mod head;
pub(crate) mod replay;
mod write;

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::Acquire;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::BytesMut;
use http_body::Body;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rejoinder_core::BoxError;
use tokio::io::AsyncWrite;

use self::encode::{Asked, BodyLength};
use self::head::Parsed;
use self::replay::Replay;
use self::write::{Out, Sent};
use super::conn::{Finish, Watched};
use super::hyper_app::{app_connection, Graceful};
use super::socket::Socket;
use super::sweeper::{Watch, SERVING};
use crate::app::App;
use crate::request::{ConnectionInfo, RequestBody};

/// The read buffer's first room, and what is added when little is left
/// (hyper's first read buffer is 8 KiB too).
const READ: usize = 8 * 1024;

/// Less room than this left in the read buffer: more is made before a read.
const MIN_ROOM: usize = 1024;

/// What the connection does next.
enum Next {
    /// A request is in the slot.
    Request,
    /// The client left, or the server stops, between requests.
    End,
    /// hyper takes the connection.
    Hyper,
}

/// Serves a plain-TCP connection of `app` to its end (see the module).
pub(super) fn serve(
    app: App,
    io: Watched<Socket>,
    watch: Arc<Watch>,
    info: ConnectionInfo,
    builder: Arc<auto::Builder<TokioExecutor>>,
) -> impl Future<Output = Result<(), BoxError>> + Send {
    let limits = *app.limits();
    let max_head = limits.max_head_size.max(crate::limits::MIN_HEAD_SIZE);
    async move {
        let mut io = io;
        let mut buf = BytesMut::new();
        let mut out = Out::default();
        // The last response's header map, emptied: the next request's
        // fields go into its room (no allocation per request).
        let mut cached = None;
        let mut slot = None;
        loop {
            let next = poll_fn(|cx| {
                let limits = (limits.max_headers, max_head);
                poll_head(
                    &mut io,
                    &mut buf,
                    (&mut cached, &mut slot),
                    cx,
                    &watch,
                    limits,
                )
            });
            match next.await? {
                Next::Request => {}
                Next::End => return Ok(()),
                Next::Hyper => {
                    let io = TokioIo::new(Replay::new(buf.freeze(), io));
                    let conn = app_connection(&builder, io, app, info, watch.state.clone());
                    return graceful_by_orders(conn, &watch).await;
                }
            }
            let Some(head::Request {
                head,
                keep_alive,
                trailers,
            }) = slot.take()
            else {
                return Err("no request in the slot after a head".into());
            };
            let method = head.method.clone();
            let version = head.version;
            let finish = Finish::new(watch.state.begin(), true);
            let Ok(res) = app
                .clone()
                .respond_parts(head, RequestBody::empty(), Some(info.clone()), move |res| {
                    finish.apply(res)
                })
                .await;
            // A server that stops lets this response finish, and says so.
            let mut keep_alive = keep_alive && watch.orders.order.load(Acquire) == SERVING;
            let (mut parts, body) = res.into_parts();
            let length = if body.is_end_stream() {
                None
            } else {
                Some(
                    body.size_hint()
                        .exact()
                        .map_or(BodyLength::Unknown, BodyLength::Known),
                )
            };
            let asked = Asked {
                method: &method,
                version,
            };
            let reason = parts.extensions.get::<hyper::ext::ReasonPhrase>().cloned();
            let encoded = encode::encode(
                &mut parts,
                reason.as_ref().map(|r| r.as_bytes()),
                &asked,
                &mut keep_alive,
                length,
                &mut out.head,
            );
            if parts.headers.is_empty() {
                cached = Some(std::mem::take(&mut parts.headers));
            }
            drop(parts);
            let Ok(mut enc) = encoded else {
                return Err("the response head could not be written as set".into());
            };
            let mut body = pin!(length.map(|_| body));
            let sent = write::send(&mut io, &mut out, body.as_mut(), &mut enc, trailers).await?;
            if enc.last || !keep_alive || matches!(sent, Sent::Close) {
                let _ = poll_fn(|cx| Pin::new(&mut io).poll_shutdown(cx)).await;
                linger(&mut io, &mut buf).await;
                return Ok(());
            }
        }
    }
}

/// Reads until a whole head is in `buf` (or the connection is hyper's, or
/// ends).
/// `limits`: the app's header count and head size.
fn poll_head(
    io: &mut Watched<Socket>,
    buf: &mut BytesMut,
    (cached, slot): (&mut Option<http::HeaderMap>, &mut Option<head::Request>),
    cx: &mut Context<'_>,
    watch: &Watch,
    (max_headers, max_head): (usize, usize),
) -> Poll<std::io::Result<Next>> {
    loop {
        if !buf.is_empty() {
            match head::parse(buf, max_headers, max_head, cached, slot) {
                Parsed::Request => return Poll::Ready(Ok(Next::Request)),
                Parsed::Hyper => return Poll::Ready(Ok(Next::Hyper)),
                // hyper answers a head over the limit 431.
                Parsed::Partial if buf.len() >= max_head => return Poll::Ready(Ok(Next::Hyper)),
                Parsed::Partial => {}
            }
        }
        // Between requests (or inside a head's first bytes), a server that
        // stops closes the connection, as hyper does an idle one.
        if watch.orders.order.load(Acquire) != SERVING {
            return Poll::Ready(Ok(Next::End));
        }
        if buf.capacity() - buf.len() < MIN_ROOM {
            buf.reserve(READ);
        }
        if std::task::ready!(io.poll_read_buf(cx, buf))? == 0 {
            return Poll::Ready(Ok(Next::End));
        }
    }
}

/// The most bytes read and dropped after the last response.
const LINGER: usize = 64 * 1024;

/// After the last response, reads what the client has already sent (a
/// request pipelined behind it), so that closing does not find unread
/// bytes: the kernel would answer them with a reset, and a reset can
/// destroy response bytes the client has not read yet. Only what is
/// there, at most [`LINGER`] bytes: the close is not delayed.
async fn linger(io: &mut Watched<Socket>, buf: &mut BytesMut) {
    let mut dropped = 0;
    poll_fn(|cx| {
        while dropped < LINGER {
            buf.clear();
            buf.reserve(READ);
            match io.poll_read_buf(cx, buf) {
                Poll::Ready(Ok(n)) if n > 0 => dropped += n,
                _ => break,
            }
        }
        Poll::Ready(())
    })
    .await;
}

/// Runs hyper's connection, telling it to stop gracefully once the server
/// does (the connection's task gives it no other way to learn it).
async fn graceful_by_orders<C>(conn: C, watch: &Watch) -> Result<(), BoxError>
where
    C: Future<Output = Result<(), BoxError>> + Graceful,
{
    let mut conn = pin!(conn);
    let mut told = false;
    poll_fn(|cx| {
        if !told && watch.orders.order.load(Acquire) != SERVING {
            told = true;
            conn.as_mut().graceful();
        }
        conn.as_mut().poll(cx)
    })
    .await
}
