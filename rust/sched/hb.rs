//! Happens-before bookkeeping for `sched::dpor`'s analysis of a run: a vector clock per
//! event, each thread's current clock and last event, and per key the last write and the
//! reads since it. The state is kept from one run to the next: a depth-first search re-runs
//! the previous run's prefix up to the decision it changes, so the analysis of that prefix
//! (its clocks, and the races among its events, whose reversals were scheduled then) still
//! holds. Every change to the per-thread and per-key state is logged, and `resume` undoes
//! the log back to the first event that differs instead of starting from scratch.

use super::events::{Access, Key, Mode};
use crate::world::NONE;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Accesses of one key so far in the analysed run.
#[derive(Clone, Debug, Default)]
struct KeyHistory {
    last_write: u32,
    /// The other accesses since that write (reads, increments, decrements), at most one
    /// per thread and mode (its latest).
    since: Vec<(u32, Mode)>,
}

/// One logged change, undone in reverse order.
enum Undo {
    /// A write of `key` replaced its last write and the accesses since.
    Write {
        key: Key,
        last_write: u32,
        since: Vec<(u32, Mode)>,
    },
    /// Another access of `key` was appended, after removing the same thread's earlier
    /// access in that mode at `at` (NONE: there was none).
    Other {
        key: Key,
        at: u32,
        removed: (u32, Mode),
    },
    /// Thread `t`'s clock row was overwritten; the old row is at `rows[at..at + width]`.
    Row { t: u32, at: u32 },
    /// Thread `t`'s last event was `old`.
    Last { t: u32, old: u32 },
}

/// A multiply-fold hash for keys (they are structured, not uniform); lookups only.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let m = (self.0 as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (m as u64) ^ ((m >> 64) as u64)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 ^= x;
    }
}

/// The analysis state of the current run.
#[derive(Default)]
pub(super) struct Analysis {
    /// Vector clocks, `width` entries per event (one extra row for a virtual end step).
    pub clocks: Vec<u32>,
    pub width: usize,
    /// Per event: its thread, its own clock entry, its decision node (NONE: none).
    pub tid: Vec<u32>,
    pub local: Vec<u32>,
    pub node: Vec<u32>,
    /// Per event, as it was just before the event: the picks so far, the last global
    /// event, and the length of the undo log.
    picks_before: Vec<u32>,
    global_before: Vec<u32>,
    undo_at: Vec<u32>,
    /// Per thread: its current clock and its last event.
    pub thread_clock: Vec<u32>,
    pub last_event: Vec<u32>,
    keys: HashMap<Key, KeyHistory, BuildHasherDefault<KeyHasher>>,
    undo: Vec<Undo>,
    rows: Vec<u32>,
    /// Events of the last analysed run whose analysis still holds for a run sharing them.
    valid: usize,
    /// Per decision node: the event its pick chose in the last analysed run.
    pub event_of_node: Vec<u32>,
    /// Scratch: the steps one event directly depends on, the thread's clock before it, and
    /// per thread its first event in a reversal being examined.
    pub candidates: Vec<u32>,
    pub prev: Vec<u32>,
    pub first: Vec<u32>,
}

impl Analysis {
    pub fn clock(&self, e: u32) -> &[u32] {
        let s = e as usize * self.width;
        &self.clocks[s..s + self.width]
    }

    /// Whether event `a` happens before the point whose clock is `vc`.
    pub fn before(&self, a: u32, vc: &[u32]) -> bool {
        vc[self.tid[a as usize] as usize] >= self.local[a as usize]
    }

    pub fn happens_before(&self, a: u32, b: u32) -> bool {
        self.before(a, self.clock(b))
    }

    /// Forgets everything: the next run is analysed from its first event.
    pub fn invalidate(&mut self) {
        self.valid = 0;
        self.width = 0;
    }

    /// Prepares to analyse a run over `width` threads whose first `keep` events are those
    /// of the last analysed run; returns the picks and the last global event before them.
    pub fn resume(&mut self, width: usize, keep: usize) -> (usize, u32) {
        let keep = if width == self.width && keep < self.valid.min(self.picks_before.len()) {
            keep
        } else {
            0
        };
        if keep == 0 {
            self.width = width;
            self.tid.clear();
            self.local.clear();
            self.node.clear();
            self.picks_before.clear();
            self.global_before.clear();
            self.undo_at.clear();
            self.undo.clear();
            self.rows.clear();
            self.keys.clear();
            self.thread_clock.clear();
            self.thread_clock.resize(width * width, 0);
            self.last_event.clear();
            self.last_event.resize(width, NONE);
            return (0, NONE);
        }
        let state = (self.picks_before[keep] as usize, self.global_before[keep]);
        let target = self.undo_at[keep] as usize;
        while self.undo.len() > target {
            match self.undo.pop() {
                Some(Undo::Write {
                    key,
                    last_write,
                    since,
                }) => {
                    let h = self.keys.get_mut(&key).expect("a logged key");
                    h.last_write = last_write;
                    h.since = since;
                }
                Some(Undo::Other { key, at, removed }) => {
                    let h = self.keys.get_mut(&key).expect("a logged key");
                    h.since.pop();
                    if at != NONE {
                        h.since.insert(at as usize, removed);
                    }
                }
                Some(Undo::Row { t, at }) => {
                    let (s, w) = (t as usize * width, width);
                    let at = at as usize;
                    self.thread_clock[s..s + w].copy_from_slice(&self.rows[at..at + w]);
                    self.rows.truncate(at);
                }
                Some(Undo::Last { t, old }) => self.last_event[t as usize] = old,
                None => break,
            }
        }
        for v in [
            &mut self.tid,
            &mut self.local,
            &mut self.node,
            &mut self.picks_before,
            &mut self.global_before,
            &mut self.undo_at,
        ] {
            v.truncate(keep);
        }
        state
    }

    /// Opens real event `tid.len()`: what held just before it.
    pub fn begin_event(&mut self, picks: usize, last_global: u32) {
        self.picks_before.push(picks as u32);
        self.global_before.push(last_global);
        self.undo_at.push(self.undo.len() as u32);
    }

    /// The last write of `key` (NONE: none) and the other accesses since, if any.
    pub fn history(&self, key: Key) -> Option<(u32, &[(u32, Mode)])> {
        self.keys.get(&key).map(|h| (h.last_write, &h.since[..]))
    }

    /// Records the accesses of real event `ev` of thread `tid`.
    pub fn record(&mut self, ev: u32, tid: u32, accesses: &[Access]) {
        for a in accesses {
            let h = self.keys.entry(a.key).or_insert_with(|| KeyHistory {
                last_write: NONE,
                since: Vec::new(),
            });
            if a.mode == Mode::Write {
                self.undo.push(Undo::Write {
                    key: a.key,
                    last_write: h.last_write,
                    since: std::mem::take(&mut h.since),
                });
                h.last_write = ev;
            } else {
                let tids = &self.tid;
                let at = h
                    .since
                    .iter()
                    .position(|&(r, m)| m == a.mode && tids[r as usize] == tid);
                let (at, removed) = match at {
                    Some(i) => (i as u32, h.since.remove(i)),
                    None => (NONE, (NONE, Mode::Read)),
                };
                h.since.push((ev, a.mode));
                self.undo.push(Undo::Other {
                    key: a.key,
                    at,
                    removed,
                });
            }
        }
    }

    /// Sets thread `t`'s clock to the join of it and `vc` (with `join`) or to `vc`.
    pub fn set_thread_clock(&mut self, t: usize, join: bool, vc_of_event: usize) {
        let w = self.width;
        let (s, e) = (t * w, vc_of_event * w);
        self.undo.push(Undo::Row {
            t: t as u32,
            at: self.rows.len() as u32,
        });
        self.rows.extend_from_slice(&self.thread_clock[s..s + w]);
        for i in 0..w {
            let x = self.clocks[e + i];
            let c = &mut self.thread_clock[s + i];
            *c = if join { (*c).max(x) } else { x };
        }
    }

    /// Sets thread `t`'s last event.
    pub fn set_last_event(&mut self, t: usize, ev: u32) {
        self.undo.push(Undo::Last {
            t: t as u32,
            old: self.last_event[t],
        });
        self.last_event[t] = ev;
    }

    /// After the run's real events (and its virtual end steps): the first `real` events
    /// are the analysis kept for the next run.
    pub fn finish(&mut self, real: usize) {
        for v in [&mut self.tid, &mut self.local, &mut self.node] {
            v.truncate(real);
        }
        self.valid = real;
    }
}
