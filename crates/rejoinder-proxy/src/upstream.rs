//! Upstream targets, how one is chosen (round robin or least connections)
//! and passive health: a target that fails `failures` times in a row is
//! skipped for `cooldown`.
//!
//! ```
//! use rejoinder_proxy::{Balance, Upstreams};
//!
//! let ups = Upstreams::parse("http://127.0.0.1:9001, h2c://127.0.0.1:9002").unwrap();
//! assert_eq!(ups.len(), 2);
//! let ups = ups.balance(Balance::LeastConnections);
//! assert_eq!(ups.targets()[1].protocol(), rejoinder_proxy::Protocol::H2c);
//! assert!(Upstreams::parse("ftp://x").is_err());
//! ```

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::uri::{Authority, Scheme};
use tokio::time::Instant;

/// How an upstream is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP/1.1 (`http://`).
    Http1,
    /// HTTP/2 with prior knowledge over plain TCP (`h2c://`).
    H2c,
}

/// How the next target is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Balance {
    /// Each target in turn.
    #[default]
    RoundRobin,
    /// The target with the fewest requests in flight (ties in turn).
    LeastConnections,
}

/// One upstream server.
#[derive(Debug)]
pub struct Target {
    authority: Authority,
    host: http::HeaderValue,
    base_path: String,
    protocol: Protocol,
    active: AtomicUsize,
    failures: AtomicU32,
    down_until: Mutex<Option<Instant>>,
    pub(crate) pool: crate::pool::TargetPool,
}

/// A target URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTarget(pub String);

impl std::fmt::Display for BadTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bad upstream {:?}: expected http://host:port[/base] or h2c://host:port[/base]",
            self.0
        )
    }
}

impl std::error::Error for BadTarget {}

impl crate::h1::Idle for Target {
    fn keep(&self, conn: Box<crate::h1::Conn>, max: usize) {
        self.pool.push(conn, max);
    }
}

impl Target {
    /// Parses `http://host:port[/base]` (HTTP/1.1) or `h2c://host:port[/base]`
    /// (HTTP/2 prior knowledge).
    ///
    /// # Errors
    ///
    /// Another scheme, no authority, or a query.
    pub fn parse(url: &str) -> Result<Target, BadTarget> {
        let bad = || BadTarget(url.to_owned());
        let url = url.trim();
        let (protocol, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (Protocol::Http1, rest)
        } else if let Some(rest) = url.strip_prefix("h2c://") {
            (Protocol::H2c, rest)
        } else {
            return Err(bad());
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() || path.contains(['?', '#']) {
            return Err(bad());
        }
        let authority: Authority = authority.parse().map_err(|_| bad())?;
        let host = http::HeaderValue::from_str(authority.as_str()).map_err(|_| bad())?;
        Ok(Target {
            authority,
            host,
            base_path: path.trim_end_matches('/').to_owned(),
            protocol,
            active: AtomicUsize::new(0),
            failures: AtomicU32::new(0),
            down_until: Mutex::new(None),
            pool: crate::pool::TargetPool::default(),
        })
    }

    /// `host:port`.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// `host:port` as a Host header value.
    pub(crate) fn host(&self) -> &http::HeaderValue {
        &self.host
    }

    /// The path prefix put before every forwarded path (empty for none).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The protocol spoken to it.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Requests in flight (until their response body has ended).
    pub fn active(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// Whether passive health currently skips it.
    pub fn is_down(&self) -> bool {
        self.down_until
            .lock()
            .map(|d| d.is_some_and(|until| Instant::now() < until))
            .unwrap_or(false)
    }

    pub(crate) fn scheme(&self) -> Scheme {
        Scheme::HTTP
    }
}

/// Passive health settings.
#[derive(Debug, Clone, Copy)]
pub struct Health {
    /// Consecutive failures that take a target out (0: never).
    pub failures: u32,
    /// How long it stays out.
    pub cooldown: Duration,
}

impl Default for Health {
    /// 3 failures in a row take a target out for 10 seconds.
    fn default() -> Self {
        Health {
            failures: 3,
            cooldown: Duration::from_secs(10),
        }
    }
}

/// The set of targets a proxy spreads its requests over.
#[derive(Debug, Clone)]
pub struct Upstreams {
    targets: Arc<[Arc<Target>]>,
    balance: Balance,
    health: Health,
    next: Arc<AtomicUsize>,
}

impl Upstreams {
    /// The given targets, round robin, default health.
    pub fn new(targets: impl IntoIterator<Item = Target>) -> Self {
        Upstreams {
            targets: targets.into_iter().map(Arc::new).collect(),
            balance: Balance::default(),
            health: Health::default(),
            next: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Comma-separated target URLs (see [`Target::parse`]).
    ///
    /// # Errors
    ///
    /// A bad URL, or none at all.
    pub fn parse(list: &str) -> Result<Self, BadTarget> {
        let targets = list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Target::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if targets.is_empty() {
            return Err(BadTarget(list.to_owned()));
        }
        Ok(Upstreams::new(targets))
    }

    /// Chooses the balancing rule.
    pub fn balance(mut self, balance: Balance) -> Self {
        self.balance = balance;
        self
    }

    /// Sets passive health.
    pub fn health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// The targets.
    pub fn targets(&self) -> &[Arc<Target>] {
        &self.targets
    }

    /// How many targets.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The next target to try, skipping `exclude` (the one that just
    /// failed) and those passive health took out; `None` when nothing is
    /// left.
    pub(crate) fn pick(&self, exclude: Option<&Arc<Target>>) -> Option<Arc<Target>> {
        let n = self.targets.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let usable = |t: &Arc<Target>| !exclude.is_some_and(|e| Arc::ptr_eq(e, t)) && !t.is_down();
        match self.balance {
            Balance::RoundRobin => (0..n)
                .map(|i| &self.targets[(start + i) % n])
                .find(|t| usable(t))
                .cloned(),
            Balance::LeastConnections => (0..n)
                .map(|i| &self.targets[(start + i) % n])
                .filter(|t| usable(t))
                .min_by_key(|t| t.active())
                .cloned(),
        }
    }

    /// Records a failure before the response head.
    pub(crate) fn failed(&self, target: &Target) {
        let count = target.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if self.health.failures > 0 && count >= self.health.failures {
            if let Ok(mut d) = target.down_until.lock() {
                *d = Some(Instant::now() + self.health.cooldown);
            }
            target.failures.store(0, Ordering::Relaxed);
            tracing::warn!(target = %target.authority, cooldown = ?self.health.cooldown,
                "upstream target failed {count} times in a row; skipped for a while");
        }
    }

    /// Records a response head received.
    pub(crate) fn succeeded(&self, target: &Target) {
        if target.failures.load(Ordering::Relaxed) != 0 {
            target.failures.store(0, Ordering::Relaxed);
        }
    }
}

/// Counts a request in flight on a target until dropped.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Target>);

impl InFlight {
    pub(crate) fn new(target: Arc<Target>) -> Self {
        target.active.fetch_add(1, Ordering::Relaxed);
        InFlight(target)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> Upstreams {
        Upstreams::parse("http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3").unwrap()
    }

    fn port(t: &Target) -> u16 {
        t.authority().port_u16().unwrap()
    }

    #[test]
    fn round_robin_takes_each_in_turn() {
        let ups = three();
        let picked: Vec<u16> = (0..6).map(|_| port(&ups.pick(None).unwrap())).collect();
        assert_eq!(picked, [1, 2, 3, 1, 2, 3]);
    }

    #[test]
    fn least_connections_prefers_the_idle_target() {
        let ups = three().balance(Balance::LeastConnections);
        let _a = InFlight::new(ups.targets()[0].clone());
        let _b = InFlight::new(ups.targets()[2].clone());
        for _ in 0..3 {
            assert_eq!(port(&ups.pick(None).unwrap()), 2);
        }
    }

    #[tokio::test]
    async fn failures_in_a_row_take_a_target_out() {
        let ups = three().health(Health {
            failures: 2,
            cooldown: Duration::from_secs(60),
        });
        let first = ups.targets()[0].clone();
        ups.failed(&first);
        ups.succeeded(&first);
        ups.failed(&first);
        assert!(!first.is_down(), "a success in between resets the count");
        ups.failed(&first);
        assert!(first.is_down());
        let picked: Vec<u16> = (0..4).map(|_| port(&ups.pick(None).unwrap())).collect();
        assert!(!picked.contains(&1));
        assert!(ups.pick(Some(&ups.targets()[1])).is_some());
    }

    #[test]
    fn bad_targets_are_refused() {
        for bad in [
            "",
            "https://x:1",
            "http://",
            "http://x:1/?q",
            "http://x y:1",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
        let t = Target::parse("http://127.0.0.1:8080/base/").unwrap();
        assert_eq!(t.base_path(), "/base");
    }
}
