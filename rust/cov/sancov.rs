//! The libFuzzer counter region: 8-bit counters and a PC table of the same length, owned by
//! the core and registered with libFuzzer once through `__sanitizer_cov_8bit_counters_init`
//! and `__sanitizer_cov_pcs_init` (their addresses are resolved on the Python side, from the
//! global namespace or from atheris' own libFuzzer module). libFuzzer clears the counters
//! before every run and reads them after it; the core only increments them.
//!
//! This is the one module allowed `unsafe` code: calling the two registration functions
//! through their raw addresses. Everything else here is plain atomics.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// Number of 8-bit counters (one per model feature slot).
pub const COUNTERS: usize = 1 << 16;

/// The synthetic PC of counter `i` (so `-print_pcs=1` prints feature slots).
pub const PC_BASE: usize = 0x5000_0000;

static COUNTS: [AtomicU8; COUNTERS] = [const { AtomicU8::new(0) }; COUNTERS];
/// libFuzzer's `PCTableEntry { pc, flags }`, filled at registration.
static PCS: [AtomicUsize; 2 * COUNTERS] = [const { AtomicUsize::new(0) }; 2 * COUNTERS];
/// Slots ever hit in this process (for the progress line's "model features").
static SEEN: [AtomicU64; COUNTERS / 64] = [const { AtomicU64::new(0) }; COUNTERS / 64];
static REGISTERED: AtomicBool = AtomicBool::new(false);
static REGISTERING: Mutex<()> = Mutex::new(());

/// Saturating increment of counter `i` (a wrapped counter would read as "not hit").
#[inline]
pub fn bump(i: usize) {
    let c = &COUNTS[i];
    let v = c.load(Relaxed);
    if v == 0 {
        SEEN[i >> 6].fetch_or(1u64 << (i & 63), Relaxed);
    }
    if v != u8::MAX {
        c.store(v + 1, Relaxed);
    }
}

/// How many counter slots have been hit since the process started.
pub fn seen() -> u64 {
    SEEN.iter()
        .map(|w| w.load(Relaxed).count_ones() as u64)
        .sum()
}

/// How many counters are non-zero right now (libFuzzer clears them before each run).
pub fn live() -> u64 {
    COUNTS.iter().filter(|c| c.load(Relaxed) != 0).count() as u64
}

/// Whether the region has been handed to libFuzzer.
pub fn registered() -> bool {
    REGISTERED.load(Relaxed)
}

/// Hands the counters and the PC table to libFuzzer; `counters_init` and `pcs_init` are the
/// addresses of `__sanitizer_cov_8bit_counters_init` and `__sanitizer_cov_pcs_init`. Only the
/// first call registers (libFuzzer must not see the same module twice).
pub fn register(counters_init: usize, pcs_init: usize) -> Result<bool, String> {
    if counters_init == 0 || pcs_init == 0 {
        return Err("null address for a libFuzzer registration function".into());
    }
    let _guard = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
    if REGISTERED.load(Relaxed) {
        return Ok(false);
    }
    for (i, pc) in PCS.chunks_exact(2).enumerate() {
        pc[0].store(PC_BASE + i, Relaxed);
        pc[1].store(0, Relaxed);
    }
    type Init = unsafe extern "C" fn(*const u8, *const u8);
    let counters = COUNTS.as_ptr() as *const u8;
    let pcs = PCS.as_ptr() as *const u8;
    // SAFETY: the caller passes the addresses of libFuzzer's two registration functions, whose
    // C signature is `void f(const uint8_t *start, const uint8_t *stop)`. AtomicU8 and
    // AtomicUsize have the layout of u8 and usize, so the two statics are the byte array and
    // the `{uintptr_t pc, flags}` table libFuzzer expects, of equal entry counts; they live
    // for the whole process, as libFuzzer requires.
    unsafe {
        let init_counters: Init = std::mem::transmute::<usize, Init>(counters_init);
        let init_pcs: Init = std::mem::transmute::<usize, Init>(pcs_init);
        init_counters(counters, counters.add(COUNTERS));
        init_pcs(pcs, pcs.add(2 * COUNTERS * std::mem::size_of::<usize>()));
    }
    REGISTERED.store(true, Relaxed);
    Ok(true)
}
