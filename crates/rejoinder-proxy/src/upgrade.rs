//! `Upgrade` passthrough (WebSocket and the like): once the upstream
//! answers `101 Switching Protocols`, the client's and the upstream's
//! connections are both taken from hyper ([`hyper::upgrade::on`]) and the
//! bytes copied both ways until either side closes.

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

/// Joins the client's connection to the upstream's once both upgrades
/// complete (the client's when the server has sent the 101).
pub(crate) fn tunnel(client: Option<OnUpgrade>, upstream: OnUpgrade) {
    let Some(client) = client else {
        tracing::warn!(
            "the upstream switched protocols but the client's connection cannot be upgraded"
        );
        return;
    };
    tokio::spawn(async move {
        let (client, upstream) = match tokio::join!(client, upstream) {
            (Ok(c), Ok(u)) => (c, u),
            (c, u) => {
                tracing::warn!(client = ?c.err(), upstream = ?u.err(), "an upgrade failed");
                return;
            }
        };
        let mut client = TokioIo::new(client);
        let mut upstream = TokioIo::new(upstream);
        match tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            Ok((up, down)) => tracing::debug!(up, down, "upgraded connection closed"),
            Err(e) => tracing::debug!(error = %e, "upgraded connection failed"),
        }
    });
}
