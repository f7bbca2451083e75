//! Locks: mutex, spinlock (plain, _irq, _irqsave, _bh), rw_semaphore, with the checks the
//! kernel makes on them: might_sleep for sleeping locks, lockdep (recursive, circular, bad
//! unlock, assert-held; novalidate classes skipped) and the wait-for cycle at block time.

use super::interp::Access;
use super::thread::{Held, Status, Wait};
use super::Execution;
use crate::ir::ObjKind;
use crate::oracle::deadlock::find_cycle;
use crate::oracle::lockdep::Edge;
use crate::world::{ObjRef, Value};

/// How a lock is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockMode {
    Mutex {
        interruptible: bool,
    },
    /// Spinlock; irq: 0 plain, 1 _irq, 2 _irqsave, 3 _bh.
    Spin {
        irq: u8,
    },
    Read,
    Write,
}

impl Execution<'_> {
    /// The might-sleep check; returns false (after reporting) when the context is atomic.
    pub(crate) fn might_sleep(&mut self, tid: usize) -> bool {
        if self.threads[tid].atomic() {
            self.fail_sleep_in_atomic(tid);
            return false;
        }
        true
    }

    fn lock_kind_for(&mut self, tid: usize, v: Value, want: ObjKind) -> Option<ObjRef> {
        match self.check_ref(tid, v, Some(want), true, 0) {
            Access::Ok(r) => Some(r),
            Access::Failed => None,
        }
    }

    /// `lock(l)` / `unlock(l)` from `with l:`: dispatch on the lock's kind.
    pub(crate) fn prim_generic_lock(&mut self, tid: usize, d: u8, v: Value, acquire: bool) {
        let Access::Ok(r) = self.check_ref(tid, v, None, true, 0) else {
            return;
        };
        let (kind, mode) = match self.world.objs[r.idx as usize].kind {
            ObjKind::Mutex => (
                ObjKind::Mutex,
                LockMode::Mutex {
                    interruptible: false,
                },
            ),
            ObjKind::Spinlock => (ObjKind::Spinlock, LockMode::Spin { irq: 0 }),
            ObjKind::RwSem => (ObjKind::RwSem, LockMode::Write),
            _ => {
                let msg = format!(
                    "'with' needs a lock, got {}",
                    self.world.describe(self.prog, r.idx)
                );
                self.model_error(tid, msg);
                return;
            }
        };
        if acquire {
            self.acquire(tid, d, v, kind, mode, false);
        } else {
            self.release(tid, d, v, kind, mode, Value::Null);
        }
    }

    /// Takes a lock (or tries to, for trylock); blocks the thread when it is contended.
    pub(crate) fn acquire(
        &mut self,
        tid: usize,
        d: u8,
        v: Value,
        kind: ObjKind,
        mode: LockMode,
        try_only: bool,
    ) {
        let Some(r) = self.lock_kind_for(tid, v, kind) else {
            return;
        };
        let first_attempt = !self.threads[tid].retrying;
        let sleeping = !matches!(mode, LockMode::Spin { .. });
        if first_attempt && !try_only {
            if sleeping && !self.might_sleep(tid) {
                return;
            }
            if !self.lockdep_acquire(tid, r) {
                return;
            }
        }
        let idx = r.idx as usize;
        let me = tid as i64 + 1;
        let o = self.world.objs[idx];
        let free = match mode {
            LockMode::Read => o.a == 0,
            LockMode::Write => o.a == 0 && o.b == 0,
            _ => o.a == 0,
        };
        if free {
            match mode {
                LockMode::Read => self.world.objs[idx].b += 1,
                _ => self.world.objs[idx].a = me,
            }
            if self.feedback {
                self.fb_lock(tid, o.lock_class);
            }
            let t = &mut self.threads[tid];
            let (func, pc) = t.frames.last().map(|f| (f.func, f.pc)).unwrap_or((0, 0));
            let mut flags = Value::Null;
            if let LockMode::Spin { irq } = mode {
                t.preempt += 1;
                match irq {
                    1 => t.irqs_off = 1,
                    2 => {
                        flags = Value::Int(t.irqs_off as i64);
                        t.irqs_off = 1;
                    }
                    3 => t.softirq += 2,
                    _ => {}
                }
            }
            t.held.push(Held {
                obj: r.idx,
                class: o.lock_class,
                validated: self.prog.config.lockdep && !o.novalidate,
                read: mode == LockMode::Read,
                func,
                pc,
            });
            let result = if try_only { Value::Int(1) } else { flags };
            let result = if matches!(
                mode,
                LockMode::Mutex {
                    interruptible: true
                }
            ) {
                Value::Int(0)
            } else {
                result
            };
            self.finish_op(tid, d, result);
            return;
        }
        if try_only {
            self.finish_op(tid, d, Value::Int(0));
            return;
        }
        // Contended. Taking a lock this thread already holds never succeeds.
        let wait = match mode {
            LockMode::Mutex { interruptible } => Wait::Mutex {
                obj: r.idx,
                interruptible,
            },
            LockMode::Spin { .. } => Wait::Spin { obj: r.idx },
            LockMode::Read => Wait::RwSem {
                obj: r.idx,
                write: false,
            },
            LockMode::Write => Wait::RwSem {
                obj: r.idx,
                write: true,
            },
        };
        self.block(tid, wait);
        if let Some(cycle) = find_cycle(&self.threads[..self.nthreads], tid as u32, r.idx) {
            self.report_deadlock(tid, &cycle);
        }
    }

    /// Lockdep's checks at acquire time; returns false after reporting.
    fn lockdep_acquire(&mut self, tid: usize, r: ObjRef) -> bool {
        if !self.prog.config.lockdep {
            return true;
        }
        let o = self.world.objs[r.idx as usize];
        if o.novalidate {
            return true;
        }
        let class = o.lock_class;
        let nheld = self.threads[tid].held.len();
        for i in 0..nheld {
            let h = self.threads[tid].held[i];
            if h.validated && h.class == class {
                self.report_recursive_locking(tid, r, i);
                return false;
            }
        }
        for i in 0..nheld {
            let h = self.threads[tid].held[i];
            if !h.validated {
                continue;
            }
            if self.lockgraph.has_edge(h.class, class) {
                continue;
            }
            if let Some(chain) = self.lockgraph.path(class, h.class) {
                self.report_circular(tid, r, i, &chain);
                return false;
            }
            let (func, pc) = self.threads[tid]
                .frames
                .last()
                .map(|f| (f.func, f.pc))
                .unwrap_or((0, 0));
            self.lockgraph.add(Edge {
                from: h.class,
                to: class,
                tid: tid as u32,
                func,
                pc,
            });
        }
        true
    }

    /// Releases a lock and wakes its waiters.
    pub(crate) fn release(
        &mut self,
        tid: usize,
        d: u8,
        v: Value,
        kind: ObjKind,
        mode: LockMode,
        flags: Value,
    ) {
        let Some(r) = self.lock_kind_for(tid, v, kind) else {
            return;
        };
        let pos = self.threads[tid].held.iter().rposition(|h| h.obj == r.idx);
        let Some(pos) = pos else {
            self.report_bad_unlock(tid, r);
            return;
        };
        self.threads[tid].held.remove(pos);
        let idx = r.idx as usize;
        match mode {
            LockMode::Read => self.world.objs[idx].b -= 1,
            _ => self.world.objs[idx].a = 0,
        }
        if let LockMode::Spin { irq } = mode {
            let t = &mut self.threads[tid];
            t.preempt = t.preempt.saturating_sub(1);
            match irq {
                1 => t.irqs_off = 0,
                2 => {
                    if let Value::Int(f) = flags {
                        t.irqs_off = f.clamp(0, 1) as u32;
                    }
                }
                3 => t.softirq = t.softirq.saturating_sub(2),
                _ => {}
            }
        }
        self.wake_lock_waiters(r.idx);
        self.finish_op(tid, d, Value::Null);
    }

    fn wake_lock_waiters(&mut self, obj: u32) {
        for t in 0..self.nthreads {
            if self.threads[t].status == Status::Blocked && self.threads[t].wait.lock() == Some(obj)
            {
                self.unblock(t);
            }
        }
    }

    pub(crate) fn prim_lock_query(&mut self, tid: usize, d: u8, v: Value, assert_held: bool) {
        let Access::Ok(r) = self.check_ref(tid, v, None, false, 0) else {
            return;
        };
        let o = self.world.objs[r.idx as usize];
        if !o.kind.is_lock() {
            self.model_error(tid, "lock query on an object that is not a lock".into());
            return;
        }
        if assert_held {
            let held = self.threads[tid].held.iter().any(|h| h.obj == r.idx);
            if !held && self.prog.config.lockdep {
                self.report_assert_held(tid, r);
                return;
            }
            self.finish_op(tid, d, Value::Null);
        } else {
            self.finish_op(tid, d, Value::Int((o.a != 0 || o.b != 0) as i64));
        }
    }

    pub(crate) fn prim_novalidate(&mut self, tid: usize, d: u8, v: Value) {
        let Access::Ok(r) = self.check_ref(tid, v, None, true, 0) else {
            return;
        };
        if !self.world.objs[r.idx as usize].kind.is_lock() {
            self.model_error(tid, "lockdep_set_novalidate_class needs a lock".into());
            return;
        }
        self.world.objs[r.idx as usize].novalidate = true;
        self.finish_op(tid, d, Value::Null);
    }
}
