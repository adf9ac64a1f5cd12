//! `Upgrade` passthrough (WebSocket and the like): once the upstream
//! answers `101 Switching Protocols`, the client's connection is taken
//! from hyper ([`hyper::upgrade::on`]), the upstream's is the client's own
//! socket, and the bytes are copied both ways until either side closes
//! (starting with what the upstream sent right after its 101).

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;

use crate::h1::Upgraded;

/// Joins the client's connection to the upstream's once the client's
/// upgrade completes (when the server has sent the 101).
pub(crate) fn tunnel(client: Option<OnUpgrade>, upstream: Upgraded) {
    let Some(client) = client else {
        tracing::warn!(
            "the upstream switched protocols but the client's connection cannot be upgraded"
        );
        return;
    };
    tokio::spawn(async move {
        let client = match client.await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "an upgrade failed");
                return;
            }
        };
        let mut client = TokioIo::new(client);
        let Upgraded {
            io: mut upstream,
            read,
        } = upstream;
        if !read.is_empty() {
            if let Err(e) = client.write_all(&read).await {
                tracing::debug!(error = %e, "upgraded connection failed");
                return;
            }
        }
        match tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            Ok((up, down)) => tracing::debug!(up, down, "upgraded connection closed"),
            Err(e) => tracing::debug!(error = %e, "upgraded connection failed"),
        }
    });
}
