//! One connection's task: it polls hyper's connection and follows the
//! orders of the server and its sweeper.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::Acquire;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;
use tokio::net::TcpStream;

use super::conn::ConnState;
use super::sweeper::{Watch, GRACEFUL, NOW, SERVING};

/// Runs one connection until it ends, or is told to stop: by the server,
/// or by the sweeper when it outlived its deadline (see
/// [`ConnState::deadline`](super::conn::ConnState::deadline)).
///
/// Orders come through [`Watch::orders`]: a wake-up of the connection (a
/// request's bytes, a response written) costs one atomic load besides
/// hyper's own work, where a `select!` over the connection, a timer and a
/// stop channel polled all three on every wake-up (about 250 instructions
/// per request, measured with bench/instructions.sh).
///
/// `open` is held until the connection ends (the server counts the open
/// connections by their receivers).
///
/// `peer`, the connection's TCP stream: while a request is in flight the
/// task looks at it for the client leaving (see [`Left`]); on plain TCP
/// hyper is told not to (its `half_close`).
pub(super) async fn drive<C, E>(
    conn: C,
    graceful: impl Fn(Pin<&mut C>),
    watch: Arc<Watch>,
    open: tokio::sync::watch::Receiver<()>,
    peer: Arc<TcpStream>,
) where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let orders = &watch.orders;
    let mut conn = pin!(conn);
    let mut told_graceful = false;
    // The task's waker, registered again only when it changed (a tokio
    // task's stays the same) or once an order came: an order's wake-up
    // takes the registration, so from then on every poll registers. Until
    // then the one registration stands, and most wake-ups skip the
    // handshake (about 90 instructions per request, bench/instructions.sh).
    let mut registered: Option<std::task::Waker> = None;
    let mut left = Left::new(peer);
    std::future::poll_fn(|cx| {
        let mut order = orders.order.load(Acquire);
        if order != SERVING || !registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            orders.waker.register(cx.waker());
            registered = Some(cx.waker().clone());
            // Read again after registering: an order told in between found
            // no waker to wake.
            order = orders.order.load(Acquire);
        }
        match order {
            NOW => return Poll::Ready(()),
            GRACEFUL if !told_graceful => {
                told_graceful = true;
                graceful(conn.as_mut());
            }
            _ => {}
        }
        let polled = conn.as_mut().poll(cx).map(|ended| {
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
        if polled.is_pending() && left.poll(&watch.state, cx).is_ready() {
            tracing::debug!("the client left in the middle of a request; dropping it");
            return Poll::Ready(());
        }
        polled
    })
    .await;
    drop(open);
}

/// Notices a client that left while its request is in flight: the end of
/// its input (or an error) on the socket. Dropping the connection then
/// cancels the request's handler, as hyper does when it reads the end of
/// input in the middle of a request.
///
/// It peeks, and only while a request is in flight: hyper reads nothing
/// then. Bytes that are there (a pipelined request, the rest of a body)
/// are hyper's to read; once some are seen, the socket is not looked at
/// again until no request is in flight (looking again would find them
/// again, at once).
struct Left {
    peer: Arc<TcpStream>,
    /// Bytes were seen during the current request.
    spoke: bool,
}

impl Left {
    fn new(peer: Arc<TcpStream>) -> Self {
        Left { peer, spoke: false }
    }

    /// Ready when the client has left; registers the task's waker with the
    /// socket's read readiness otherwise.
    fn poll(&mut self, state: &ConnState, cx: &mut Context<'_>) -> Poll<()> {
        if !state.in_flight() {
            self.spoke = false;
            return Poll::Pending;
        }
        if self.spoke {
            return Poll::Pending;
        }
        let mut byte = [0u8; 1];
        match self.peer.poll_peek(cx, &mut ReadBuf::new(&mut byte)) {
            Poll::Ready(Ok(0) | Err(_)) => Poll::Ready(()),
            Poll::Ready(Ok(_)) => {
                self.spoke = true;
                Poll::Pending
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
