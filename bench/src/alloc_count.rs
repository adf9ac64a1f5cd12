//! Heap allocations per request (bench/allocations.sh), behind the
//! `count-allocs` feature so the other benchmarks never pay for counting.
//!
//! A counting global allocator adds one to a counter for every `alloc` and
//! `realloc` made outside the control thread. The control thread reads
//! commands on stdin: `reset` zeroes the counters, `count` prints
//! `allocs <n> reallocs <n> bytes <n>` on stdout. The load comes from
//! another process (bench/load.py), so only the server's allocations are
//! counted: the accept loop, the connection, the framework and the handler.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The allocator: the system's, counted.
pub struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static IGNORED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    !IGNORED.try_with(Cell::get).unwrap_or(true)
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// atomics and the thread-local is a const-initialised Cell (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
        }
        // SAFETY: the caller's contract is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if counted() {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            REALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(new_size.saturating_sub(layout.size()) as u64, Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts the control thread (see the module docs).
pub fn start_control() {
    std::thread::spawn(|| {
        IGNORED.with(|i| i.set(true));
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            match line.trim() {
                "reset" => {
                    ALLOCS.store(0, Relaxed);
                    REALLOCS.store(0, Relaxed);
                    BYTES.store(0, Relaxed);
                    println!("ok");
                }
                "count" => println!(
                    "allocs {} reallocs {} bytes {}",
                    ALLOCS.load(Relaxed),
                    REALLOCS.load(Relaxed),
                    BYTES.load(Relaxed)
                ),
                _ => {}
            }
        }
    });
}
