//! The accept loop's helpers: which accept errors concern one connection,
//! and the answer for a connection over the cap.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// How many refused connections may be waiting for their 503 to be written.
pub(super) const REFUSALS_AT_ONCE: usize = 64;

/// How long accept waits after a failure that is not one connection's.
pub(super) const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long a refused connection may take to read its answer.
const REFUSAL_GRACE: Duration = Duration::from_secs(1);

/// Accept errors that concern one connection (it was reset before it was
/// accepted); the next accept is tried at once.
pub(super) fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// Answers a connection over the cap with a 503 and closes it. Refusals are
/// bounded too: past [`REFUSALS_AT_ONCE`] the socket is closed unanswered.
pub(super) fn refuse(stream: TcpStream, refusals: &Arc<Semaphore>) {
    const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
        content-type: text/plain; charset=utf-8\r\n\
        content-length: 47\r\n\
        retry-after: 1\r\n\
        connection: close\r\n\r\n\
        the server is at its limit of open connections\n";
    tracing::warn!("connection refused: the server is at its connection limit");
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let mut stream = stream;
        let answered = async {
            stream.write_all(REFUSAL).await?;
            stream.shutdown().await?;
            // Read what the client sent so closing does not reset the
            // connection before it has read the answer.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            io::Result::Ok(())
        };
        let _ = tokio::time::timeout(REFUSAL_GRACE, answered).await;
    });
}
