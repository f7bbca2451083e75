//! The wait-for graph: when a thread blocks on a lock, follow "lock -> holder -> the lock
//! that holder waits for" until the chain returns to the thread (a deadlock, reported at the
//! moment it forms) or ends. Unlike lockdep this sees device_lock (novalidate) cycles.

use crate::exec::thread::{Status, Thread};
use crate::limits::MAX_THREADS;
use crate::sched::{bit, ThreadMask};

/// A link of a wait-for cycle: thread `tid` waits for lock object `lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitLink {
    pub tid: u32,
    pub lock: u32,
}

/// Whether thread `t` holds lock object `lock`.
fn holds(t: &Thread, lock: u32) -> bool {
    t.status != Status::Done && t.held.iter().any(|h| h.obj == lock)
}

/// Looks for a wait-for cycle through `start`, which has just blocked on `lock`.
/// Allocates only when a cycle is found (blocking on a contended lock is a hot path).
pub fn find_cycle(threads: &[Thread], start: u32, lock: u32) -> Option<Vec<WaitLink>> {
    let mut chain = [WaitLink { tid: start, lock }; MAX_THREADS];
    let mut len = 1;
    let mut visited: ThreadMask = bit(start);
    let mut cur_lock = lock;
    // Each step follows the first holder that is itself waiting for a lock; holders are
    // few (one for mutexes and spinlocks, readers for rwsems), so a linear walk suffices.
    loop {
        let mut next = None;
        for (i, t) in threads.iter().enumerate() {
            if !holds(t, cur_lock) {
                continue;
            }
            if i as u32 == start {
                return Some(chain[..len].to_vec());
            }
            if t.status == Status::Blocked {
                if let Some(l) = t.wait.lock() {
                    if visited & bit(i as u32) == 0 {
                        next = Some((i as u32, l));
                    }
                }
            }
        }
        let (tid, l) = next?;
        if len == chain.len() {
            return None;
        }
        visited |= bit(tid);
        chain[len] = WaitLink { tid, lock: l };
        len += 1;
        cur_lock = l;
    }
}
