//! The wait-for graph: when a thread blocks on a lock, follow "lock -> holder -> the lock
//! that holder waits for" until the chain returns to the thread (a deadlock, reported at the
//! moment it forms) or ends. Unlike lockdep this sees device_lock (novalidate) cycles.

use crate::exec::thread::{Status, Thread};

/// A link of a wait-for cycle: thread `tid` waits for lock object `lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitLink {
    pub tid: u32,
    pub lock: u32,
}

/// What a walk of the wait-for graph found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// The cycle through the starting thread, if the walk closed one.
    pub cycle: Option<Vec<WaitLink>>,
    /// Whether some lock had several waiting holders to follow (rwsem readers): the walk
    /// followed the highest-numbered, so thread numbers decided what it saw.
    pub forked: bool,
}

/// Whether thread `t` holds lock object `lock`.
fn holds(t: &Thread, lock: u32) -> bool {
    t.status != Status::Done && t.held.iter().any(|h| h.obj == lock)
}

/// Links kept on the stack: chains are short (a cycle of two or three tasks), and blocking
/// on a contended lock is a hot path that must not allocate.
const INLINE_LINKS: usize = 16;

/// The chain walked so far: inline, then spilled once it outgrows `INLINE_LINKS`.
struct Chain {
    inline: [WaitLink; INLINE_LINKS],
    len: usize,
    spill: Vec<WaitLink>,
}

impl Chain {
    fn push(&mut self, l: WaitLink) {
        if self.len < INLINE_LINKS {
            self.inline[self.len] = l;
            self.len += 1;
        } else {
            self.spill.push(l);
        }
    }

    fn links(&self) -> impl Iterator<Item = &WaitLink> {
        self.inline[..self.len].iter().chain(&self.spill)
    }

    fn has(&self, tid: u32) -> bool {
        self.links().any(|l| l.tid == tid)
    }
}

/// Looks for a wait-for cycle through `start`, which has just blocked on `lock`.
/// `sole_holder(l)` names the one thread that can hold lock `l` when the lock says so (an
/// owner and no readers), which spares a scan of every thread. Allocates only when a cycle
/// is found or the chain is long.
pub fn find_cycle(
    threads: &[Thread],
    start: u32,
    lock: u32,
    sole_holder: impl Fn(u32) -> Option<u32>,
) -> Walk {
    let first = WaitLink { tid: start, lock };
    let mut chain = Chain {
        inline: [first; INLINE_LINKS],
        len: 1,
        spill: Vec::new(),
    };
    let mut forked = false;
    let mut cur_lock = lock;
    // Each step follows the last holder that is itself waiting for a lock; holders are
    // few (one for mutexes and spinlocks, readers for rwsems), so a linear walk suffices.
    loop {
        let mut next = None;
        let (from, to) = match sole_holder(cur_lock) {
            Some(h) if (h as usize) < threads.len() => (h as usize, h as usize + 1),
            _ => (0, threads.len()),
        };
        for (i, t) in threads.iter().enumerate().take(to).skip(from) {
            if !holds(t, cur_lock) {
                continue;
            }
            if i as u32 == start {
                return Walk {
                    cycle: Some(chain.links().copied().collect()),
                    forked,
                };
            }
            if t.status == Status::Blocked {
                if let Some(l) = t.wait.lock() {
                    if !chain.has(i as u32) {
                        forked |= next.is_some();
                        next = Some((i as u32, l));
                    }
                }
            }
        }
        let Some((tid, l)) = next else {
            return Walk {
                cycle: None,
                forked,
            };
        };
        chain.push(WaitLink { tid, lock: l });
        cur_lock = l;
    }
}
