//! A 1 GiB file served with flat memory: peak RSS is measured around the
//! download, so this test has its test binary to itself.
#![cfg(feature = "fs")]

use rejoinder::fs::ServeDir;
use rejoinder::testing::{raw, TestServer};
use rejoinder::App;

// ---------------------------------------------------------------------------
// A 1 GiB file with flat memory
// ---------------------------------------------------------------------------

#[cfg(target_os = "linux")]
fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_file_streams_with_flat_memory() {
    use std::os::unix::fs::FileExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const SIZE: u64 = 1 << 30;
    const TAIL: &[u8; 8] = b"THE-END!";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    {
        let file = std::fs::File::create(root.join("huge.bin")).unwrap();
        file.set_len(SIZE).unwrap(); // sparse: costs no disk
        file.write_all_at(TAIL, SIZE - TAIL.len() as u64).unwrap();
        file.sync_all().unwrap();
    }
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;

    let hwm_before = proc_status_kib("VmHWM:");
    let rss_before = proc_status_kib("VmRSS:");

    let mut stream = tokio::net::TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET /huge.bin HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    let mut head: Vec<u8> = Vec::new(); // only the first bytes, until the head ends
    let mut head_len: Option<usize> = None;
    let mut tail = [0u8; 8];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
        if head_len.is_none() {
            head.extend_from_slice(&buf[..n]);
            if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                head_len = Some(end + 4);
                head.truncate(end + 4);
            }
            assert!(head.len() < 64 * 1024, "no end of head");
        }
        // Keep the last 8 bytes seen.
        if n >= 8 {
            tail.copy_from_slice(&buf[n - 8..n]);
        } else {
            tail.rotate_left(n);
            tail[8 - n..].copy_from_slice(&buf[..n]);
        }
    }

    let hwm_after = proc_status_kib("VmHWM:");
    let rss_after = proc_status_kib("VmRSS:");

    let head_len = head_len.expect("a complete head") as u64;
    let head_text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head_text.starts_with("http/1.1 200 ok\r\n"), "{head_text}");
    assert!(
        head_text.contains(&format!("\r\ncontent-length: {SIZE}\r\n")),
        "{head_text}"
    );
    assert!(!head_text.contains("transfer-encoding"), "{head_text}");
    assert_eq!(total, head_len + SIZE, "body bytes == Content-Length");
    assert_eq!(&tail, TAIL, "the file's last bytes arrive last");

    let growth_kib = hwm_after.saturating_sub(hwm_before);
    eprintln!(
        "1 GiB served: VmHWM {hwm_before} -> {hwm_after} kB, VmRSS {rss_before} -> {rss_after} kB"
    );
    assert!(
        growth_kib < 64 * 1024,
        "peak RSS grew by {growth_kib} kB while streaming 1 GiB"
    );

    // A range at the very end of the big file.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/huge.bin",
        &[("Range", &format!("bytes={}-", SIZE - 8))],
    )
    .await;
    assert_eq!(wire.status, 206);
    assert_eq!(
        wire.header("content-range"),
        Some(format!("bytes {}-{}/{SIZE}", SIZE - 8, SIZE - 1).as_str())
    );
    assert_eq!(wire.body, TAIL);
}
