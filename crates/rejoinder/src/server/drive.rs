//! One connection's task: it polls hyper's connection, sleeps until the
//! connection's deadline, and follows the server's stop orders.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

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
pub(super) async fn drive<C, E>(
    conn: C,
    graceful: impl Fn(Pin<&mut C>),
    state: Arc<ConnState>,
    mut stop: watch::Receiver<Stop>,
) where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut conn = pin!(conn);
    let sleep = tokio::time::sleep_until(state.instant(state.recheck_ms()));
    let mut sleep = pin!(sleep);
    state.arm(state.recheck_ms());
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = &mut sleep => {
                if closing {
                    return;
                }
                let now = state.elapsed_ms();
                match state.deadline() {
                    Some((at, Wait::Head)) if at <= now => {
                        tracing::debug!("closing a connection: no complete request head in time");
                        return;
                    }
                    Some((at, Wait::Idle)) if at <= now => {
                        graceful(conn.as_mut());
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
                    Stop::Graceful => graceful(conn.as_mut()),
                    Stop::Now => return,
                }
            }
        }
    }
}
