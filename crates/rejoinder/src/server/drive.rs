//! One connection's task: it polls hyper's connection and follows the
//! orders of the server and its sweeper.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::Acquire;
use std::sync::Arc;
use std::task::Poll;

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
pub(super) async fn drive<C, E>(
    conn: C,
    graceful: impl Fn(Pin<&mut C>),
    watch: Arc<Watch>,
    open: tokio::sync::watch::Receiver<()>,
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
        conn.as_mut().poll(cx).map(|ended| {
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        })
    })
    .await;
    drop(open);
}
