//! One connection's task: it polls hyper's connection, sleeps until the
//! connection's deadline, and follows the server's stop orders.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{
    AtomicU8,
    Ordering::{Acquire, Release},
};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::sync::watch;
use tokio::time::Instant;

use super::conn::{ConnState, Wait};

/// How long an idle connection told to close may take to do so.
const CLOSING_GRACE: Duration = Duration::from_secs(1);

/// What the server tells its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Serving,
    /// Finish the requests in flight, then close.
    Graceful,
    /// Close now.
    Now,
}

/// Runs one connection until it ends, is told to stop, or outlives its
/// deadline (see [`ConnState::deadline`]).
///
/// The deadlines and the server's stop orders are watched by a task of
/// their own ([`watchdog`]), which tells this one through [`Orders`]: a
/// wake-up of the connection (a request's bytes, a response written) then
/// costs one atomic load besides hyper's own work, where a `select!` over
/// the connection, the timer and the stop channel polled all three on every
/// wake-up (about 250 instructions per request, measured with
/// bench/instructions.sh).
pub(super) async fn drive<C, E>(
    conn: C,
    graceful: impl Fn(Pin<&mut C>),
    state: Arc<ConnState>,
    stop: watch::Receiver<Stop>,
) where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let orders = Arc::new(Orders::default());
    let _watchdog = AbortOnDrop(tokio::spawn(watchdog(state, stop, orders.clone())));
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
}

const SERVING: u8 = 0;
const GRACEFUL: u8 = 1;
const NOW: u8 = 2;

/// What the watchdog tells the connection's task: go on, finish the
/// requests in flight and close, or close now.
struct Orders {
    order: AtomicU8,
    waker: AtomicWaker,
}

impl Default for Orders {
    fn default() -> Self {
        Orders {
            order: AtomicU8::new(SERVING),
            waker: AtomicWaker::new(),
        }
    }
}

impl Orders {
    fn tell(&self, order: u8) {
        self.order.fetch_max(order, Release);
        self.waker.wake();
    }
}

/// Stops the watchdog when the connection's task ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sleeps until the connection's deadline and follows the server's stop
/// orders, telling the connection's task through `orders`.
async fn watchdog(state: Arc<ConnState>, mut stop: watch::Receiver<Stop>, orders: Arc<Orders>) {
    let sleep = tokio::time::sleep_until(state.instant(state.recheck_ms()));
    let mut sleep = pin!(sleep);
    state.arm(state.recheck_ms());
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            () = &mut sleep => {
                if closing {
                    return orders.tell(NOW);
                }
                let now = state.elapsed_ms();
                match state.deadline() {
                    Some((at, Wait::Head)) if at <= now => {
                        tracing::debug!("closing a connection: no complete request head in time");
                        return orders.tell(NOW);
                    }
                    Some((at, Wait::Idle)) if at <= now => {
                        orders.tell(GRACEFUL);
                        closing = true;
                        sleep.as_mut().reset(Instant::now() + CLOSING_GRACE);
                    }
                    Some((at, _)) => {
                        // Not yet on the watchdog's (coarse) clock: sleep
                        // the rest from now, so a clock a little behind the
                        // timer's never makes this a busy loop.
                        state.arm(at);
                        let rest = std::time::Duration::from_millis(at.saturating_sub(now).max(1));
                        sleep.as_mut().reset(Instant::now() + rest);
                    }
                    None => {
                        let at = now.saturating_add(state.recheck_ms());
                        state.arm(at);
                        sleep.as_mut().reset(state.instant(at));
                    }
                }
            }
            () = std::future::poll_fn(|cx| state.poll_rearm(cx)), if !closing => {
                if let Some((at, _)) = state.deadline() {
                    state.arm(at);
                    sleep.as_mut().reset(state.instant(at));
                }
            }
            changed = stop.changed() => {
                let order = if changed.is_ok() { *stop.borrow() } else { Stop::Now };
                match order {
                    Stop::Serving => {}
                    Stop::Graceful => orders.tell(GRACEFUL),
                    Stop::Now => return orders.tell(NOW),
                }
            }
        }
    }
}
