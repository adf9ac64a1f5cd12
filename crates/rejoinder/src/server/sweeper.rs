//! The deadlines of a server's connections, watched from one thread.
//!
//! Every accepted connection is registered with its server's [`Sweeper`];
//! a thread of the sweeper's own looks at every connection's deadline (see
//! [`ConnState::deadline`]) a few times per shortest timeout and tells a
//! connection that outlived it to close, through the connection's
//! [`Orders`] (which its task reads on every wake-up, see `drive`). The
//! server's stop orders go the same way, to every connection at once.
//!
//! # Design
//!
//! A tokio timer per connection (a watchdog task sleeping until the
//! deadline) was the first design. Any timer in the runtime's wheel makes
//! every park of a worker look at the wheel and read the clock: about 80
//! instructions per request on a busy keep-alive connection and about 200
//! on one that waits for each request (bench/instructions.sh), plus a task
//! per connection. The sweeper has none of that on the request path, and
//! the request path reads no clock either: a connection marks that a head
//! began or a response ended, and the sweeper stamps the time on its next
//! tick. The price is precision: a timeout ends between one and three
//! ticks after its time (a tick is an eighth of the shortest timeout,
//! between 5 and 250 ms), so at most about a third late.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed, Ordering::Release};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::task::AtomicWaker;

use super::conn::{ConnState, Wait};

/// Serving: no order.
pub(crate) const SERVING: u8 = 0;
/// Finish the requests in flight, then close.
pub(crate) const GRACEFUL: u8 = 1;
/// Close now.
pub(crate) const NOW: u8 = 2;

/// How long an idle connection told to close may take to do so.
const CLOSING_GRACE_MS: u64 = 1_000;

/// Not yet.
const NEVER: u64 = u64::MAX;

/// What a connection's task is told: go on, finish the requests in flight
/// and close, or close now.
pub(crate) struct Orders {
    pub(crate) order: AtomicU8,
    pub(crate) waker: AtomicWaker,
}

impl Orders {
    /// Raises the order (never lowers it) and wakes the task.
    fn tell(&self, order: u8) {
        self.order.fetch_max(order, Release);
        self.waker.wake();
    }
}

/// One connection as its task and the sweeper share it.
pub(crate) struct Watch {
    pub(crate) state: Arc<ConnState>,
    pub(crate) orders: Orders,
    /// When (on the connection's clock) an idle connection was told to
    /// close.
    closing_since: AtomicU64,
    /// Keeps the sweeper going while the connection lives, even after its
    /// server has stopped.
    _registry: Arc<Registry>,
}

impl Watch {
    /// Tells the connection to close if it outlived its deadline.
    fn check(&self) {
        let now = self.state.elapsed_ms();
        let closing = self.closing_since.load(Relaxed);
        if closing != NEVER {
            if now >= closing.saturating_add(CLOSING_GRACE_MS) {
                self.orders.tell(NOW);
            }
            return;
        }
        match self.state.deadline(now) {
            Some((at, Wait::Head)) if at <= now => {
                tracing::debug!("closing a connection: no complete request head in time");
                self.orders.tell(NOW);
            }
            Some((at, Wait::Idle)) if at <= now => {
                self.orders.tell(GRACEFUL);
                self.closing_since.store(now, Relaxed);
            }
            _ => {}
        }
    }
}

/// The connections of one server.
struct Registry {
    conns: Mutex<Vec<Weak<Watch>>>,
}

impl Registry {
    /// Calls `f` on every live connection, forgetting the closed ones.
    fn each(&self, f: impl Fn(&Watch)) {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        conns.retain(|w| match w.upgrade() {
            Some(watch) => {
                f(&watch);
                true
            }
            None => false,
        });
    }
}

/// Watches the deadlines of a server's connections; see the
/// [module docs](self).
pub(crate) struct Sweeper {
    registry: Arc<Registry>,
}

impl Sweeper {
    /// Starts the sweeping thread for connections with these timeouts. The
    /// thread ends within a tick of the server and its last connection.
    pub(crate) fn start(header_read: Duration, keep_alive: Duration) -> std::io::Result<Sweeper> {
        let registry = Arc::new(Registry {
            conns: Mutex::new(Vec::new()),
        });
        let tick = header_read
            .min(keep_alive)
            .checked_div(8)
            .unwrap_or_default()
            .clamp(Duration::from_millis(5), Duration::from_millis(250));
        let weak = Arc::downgrade(&registry);
        std::thread::Builder::new()
            .name("rejoinder-sweeper".into())
            .spawn(move || loop {
                std::thread::sleep(tick);
                let Some(registry) = weak.upgrade() else {
                    return;
                };
                registry.each(Watch::check);
            })?;
        Ok(Sweeper { registry })
    }

    /// Registers a connection accepted now.
    pub(crate) fn watch(&self, state: Arc<ConnState>) -> Arc<Watch> {
        let watch = Arc::new(Watch {
            state,
            orders: Orders {
                order: AtomicU8::new(SERVING),
                waker: AtomicWaker::new(),
            },
            closing_since: AtomicU64::new(NEVER),
            _registry: self.registry.clone(),
        });
        let mut conns = self
            .registry
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        conns.push(Arc::downgrade(&watch));
        drop(conns);
        watch
    }

    /// Tells every connection `order` ([`GRACEFUL`] or [`NOW`]).
    pub(crate) fn tell_all(&self, order: u8) {
        self.registry.each(|watch| watch.orders.tell(order));
    }
}

impl Drop for Sweeper {
    /// A server that stops (or whose future is dropped) closes what is
    /// left of its connections.
    fn drop(&mut self) {
        self.tell_all(NOW);
    }
}
