//! Helpers shared by the bench servers in `src/bin/`.

#[cfg(feature = "count-allocs")]
pub mod alloc_count;

/// With `count-allocs`, every bench server counts its heap allocations.
#[cfg(feature = "count-allocs")]
#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

/// The body of every server's `/1m` route: one MiB, the same static bytes
/// for each (run.sh's `ENDPOINTS="... 1m"`, proxy.sh's upstream).
pub static MIB: [u8; 1 << 20] = [b'x'; 1 << 20];

/// The port to listen on: the first argument, else `PORT`, else 8080.
///
/// # Panics
///
/// If the value is not a valid port number.
pub fn port() -> u16 {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
        .map(|p| {
            p.parse()
                .expect("port must be a number between 0 and 65535")
        })
        .unwrap_or(8080)
}

/// The directory a file server serves: the second argument, else
/// `FILES_DIR`, else the current directory.
pub fn files_dir() -> std::path::PathBuf {
    std::env::args()
        .nth(2)
        .or_else(|| std::env::var("FILES_DIR").ok())
        .unwrap_or_else(|| ".".to_owned())
        .into()
}

/// The runtime every bench server runs on: the servers are pinned to one
/// core, and what one core runs is one event loop — tokio's current-thread
/// runtime, as nginx's one worker process (and Pingora's no-steal
/// runtimes). `BENCH_RUNTIME=multi` gives a multi-thread runtime with one
/// worker instead (the figures before 2026-12-03): about 650 instructions
/// more per request for every server, the cost of its cross-thread
/// scheduling.
///
/// # Errors
///
/// If the runtime cannot be built (the OS refused a thread or the I/O driver).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    #[cfg(feature = "count-allocs")]
    alloc_count::start_control();
    if std::env::var("BENCH_RUNTIME").is_ok_and(|r| r == "multi") {
        return tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build();
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
