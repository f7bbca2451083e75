//! Family `lock`: mutexes, spinlocks (plain, _irq, _irqsave, _bh) and rw_semaphores, and the
//! generic `lock`/`unlock` of `with l:`. Sleeping locks make the might-sleep check; every
//! acquire goes through lockdep (`prims::lockdep`) first, and a contended acquire blocks the
//! thread and looks for a wait-for cycle (a deadlock, reported the moment it forms).

use super::lockdep_irq::AcquireMode;
use super::Operands;
use crate::exec::interp::Access;
use crate::exec::thread::{Held, Status, Wait};
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::oracle::deadlock::find_cycle;
use crate::world::{Obj, ObjState, Value};

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lock,
    Unlock,
    MutexLock,
    MutexLockInterruptible,
    MutexTrylock,
    MutexUnlock,
    MutexIsLocked,
    SpinLock,
    SpinUnlock,
    SpinLockIrq,
    SpinUnlockIrq,
    SpinLockBh,
    SpinUnlockBh,
    SpinLockIrqsave,
    SpinUnlockIrqrestore,
    DownRead,
    UpRead,
    DownWrite,
    UpWrite,
    DownReadTrylock,
    DownWriteTrylock,
}

/// A lock's state: who holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockState {
    /// The holder's thread id + 1 (mutex, spinlock, rwsem writer), or 0.
    pub owner: u32,
    /// rw_semaphore readers.
    pub readers: i32,
}

impl Obj {
    fn lock(&mut self) -> &mut LockState {
        match &mut self.state {
            ObjState::Lock(l) => l,
            _ => unreachable!("a lock object has a lock state"),
        }
    }

    fn lock_state(&self) -> LockState {
        match self.state {
            ObjState::Lock(l) => l,
            _ => unreachable!("a lock object has a lock state"),
        }
    }
}

/// `enum rwsem_wake_type`: who `rwsem_mark_wake` may wake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wake {
    /// A release: whoever is at the head of the queue.
    Any,
    /// Readers hold the lock: readers at the head only.
    Readers,
    /// The waker just took the read lock (it is counted): readers at the head only.
    ReadOwned,
}

/// How a lock is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LockMode {
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

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [l, flags, _]: Operands) {
    use LockMode::*;
    use ObjKind as K;
    const MUTEX: LockMode = Mutex {
        interruptible: false,
    };
    match op {
        Op::Lock => ex.prim_generic_lock(tid, d, l, true),
        Op::Unlock => ex.prim_generic_lock(tid, d, l, false),
        Op::MutexLock => ex.acquire(tid, d, l, K::Mutex, MUTEX, false),
        Op::MutexLockInterruptible => {
            let mode = Mutex {
                interruptible: true,
            };
            ex.acquire(tid, d, l, K::Mutex, mode, false)
        }
        Op::MutexTrylock => ex.acquire(tid, d, l, K::Mutex, MUTEX, true),
        Op::MutexUnlock => ex.release(tid, d, l, K::Mutex, MUTEX, flags),
        Op::MutexIsLocked => ex.prim_is_locked(tid, d, l),
        Op::SpinLock => ex.acquire(tid, d, l, K::Spinlock, Spin { irq: 0 }, false),
        Op::SpinUnlock => ex.release(tid, d, l, K::Spinlock, Spin { irq: 0 }, flags),
        Op::SpinLockIrq => ex.acquire(tid, d, l, K::Spinlock, Spin { irq: 1 }, false),
        Op::SpinUnlockIrq => ex.release(tid, d, l, K::Spinlock, Spin { irq: 1 }, flags),
        Op::SpinLockIrqsave => ex.acquire(tid, d, l, K::Spinlock, Spin { irq: 2 }, false),
        Op::SpinUnlockIrqrestore => ex.release(tid, d, l, K::Spinlock, Spin { irq: 2 }, flags),
        Op::SpinLockBh => ex.acquire(tid, d, l, K::Spinlock, Spin { irq: 3 }, false),
        Op::SpinUnlockBh => ex.release(tid, d, l, K::Spinlock, Spin { irq: 3 }, flags),
        Op::DownRead => ex.acquire(tid, d, l, K::RwSem, Read, false),
        Op::UpRead => ex.release(tid, d, l, K::RwSem, Read, flags),
        Op::DownWrite => ex.acquire(tid, d, l, K::RwSem, Write, false),
        Op::UpWrite => ex.release(tid, d, l, K::RwSem, Write, flags),
        Op::DownReadTrylock => ex.acquire(tid, d, l, K::RwSem, Read, true),
        Op::DownWriteTrylock => ex.acquire(tid, d, l, K::RwSem, Write, true),
    }
}

impl Execution<'_> {
    /// `lock(l)` / `unlock(l)` from `with l:`: dispatch on the lock's kind.
    fn prim_generic_lock(&mut self, tid: usize, d: u8, v: Value, acquire: bool) {
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
    fn acquire(
        &mut self,
        tid: usize,
        d: u8,
        v: Value,
        kind: ObjKind,
        mode: LockMode,
        try_only: bool,
    ) {
        let Some(r) = self.prim_obj(tid, v, kind) else {
            return;
        };
        let first_attempt = !self.threads[tid].retrying;
        let sleeping = !matches!(mode, LockMode::Spin { .. });
        if first_attempt && !try_only {
            if sleeping && !self.might_sleep(tid) {
                return;
            }
            let ld = AcquireMode {
                read: mode == LockMode::Read,
                trylock: false,
                hardirqs_off: matches!(mode, LockMode::Spin { irq: 1 | 2 }),
                softirqs_off: matches!(mode, LockMode::Spin { irq: 3 }),
            };
            if !self.lockdep_acquire(tid, r, ld) {
                return;
            }
        }
        let idx = r.idx as usize;
        let me = tid as u32 + 1;
        let o = self.world.objs[idx];
        let st = *self.world.objs[idx].lock();
        // A reader that a waker granted the lock is counted among the holders already.
        let granted = mode == LockMode::Read && self.threads[tid].rw_granted;
        let queued = kind == ObjKind::RwSem && self.threads[tid].rw_queue == r.idx;
        let free = match mode {
            // kernel/locking/rwsem.c: a reader's fast path fails while anyone waits
            // (RWSEM_FLAG_WAITERS in RWSEM_READ_FAILED_MASK), and rwsem_down_read_slowpath
            // then queues it behind the waiters when other readers own the lock ("to prevent
            // a constant stream of readers from starving a sleeping writer"); with no owner
            // at all it steals the lock (reader optimistic lock stealing), even while a woken
            // writer has not taken it yet. A trylock fails outright while anyone waits. A
            // queued reader never takes the lock itself: it waits until a waker grants it.
            // So a reader that already holds the lock and reads it again behind a waiting
            // writer sleeps forever.
            LockMode::Read => {
                granted
                    || (!queued
                        && st.owner == 0
                        && !((try_only || st.readers > 0) && self.rwsem_has_waiters(r.idx)))
            }
            // A writer takes a free lock whether or not others wait: a woken first waiter
            // (rwsem_try_write_lock), and a newcomer too (optimistic spinning's
            // rwsem_try_write_lock_unqueued, or rwsem_try_write_lock as a queued non-first
            // waiter): only RWSEM_FLAG_HANDOFF, which a waiter sets after waiting 4 ms
            // (RWSEM_WAIT_TIMEOUT), stops them, and the model has no such clock. A trylock
            // (rwsem_write_trylock: a cmpxchg from the unlocked value) fails while anyone
            // waits.
            LockMode::Write => {
                st.owner == 0 && st.readers == 0 && !(try_only && self.rwsem_has_waiters(r.idx))
            }
            _ => st.owner == 0,
        };
        if free {
            if try_only {
                let ld = AcquireMode {
                    read: mode == LockMode::Read,
                    trylock: true,
                    ..AcquireMode::default()
                };
                if !self.lockdep_acquire(tid, r, ld) {
                    return;
                }
            }
            let st = self.world.objs[idx].lock();
            match mode {
                LockMode::Read if granted => {}
                LockMode::Read => st.readers += 1,
                _ => st.owner = me,
            }
            let readers = st.readers;
            if kind == ObjKind::RwSem {
                let t = &mut self.threads[tid];
                t.rw_granted = false;
                if queued {
                    t.rw_queue = crate::world::NONE;
                }
                // The first reader of a stolen lock wakes the readers at the head of the
                // queue (rwsem_down_read_slowpath: rcnt == 1 with RWSEM_FLAG_WAITERS set,
                // rwsem_mark_wake(RWSEM_WAKE_READ_OWNED)).
                if mode == LockMode::Read && !granted && readers == 1 {
                    self.rwsem_mark_wake(r.idx, Wake::ReadOwned);
                }
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
        // __mutex_lock_common: a contended interruptible wait with a signal pending (a
        // stopped kthread's TIF_NOTIFY_SIGNAL) fails with -EINTR.
        if mode
            == (LockMode::Mutex {
                interruptible: true,
            })
            && self.signal_pending(tid)
        {
            self.finish_op(tid, d, Value::Int(-4));
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
        // rwsem: join the wait list's tail (a woken writer that lost the race keeps its
        // place).
        if kind == ObjKind::RwSem && !queued {
            let ticket = self.threads[..self.nthreads]
                .iter()
                .filter(|t| t.rw_queue == r.idx)
                .map(|t| t.rw_ticket + 1)
                .max()
                .unwrap_or(0);
            let t = &mut self.threads[tid];
            t.rw_queue = r.idx;
            t.rw_ticket = ticket;
            t.rw_write = mode == LockMode::Write;
        }
        // A reader refused only because a writer waits is queued behind that writer, which
        // waits for the holders: the wait-for edge goes through the writer.
        let queued_behind = (mode == LockMode::Read && st.owner == 0)
            .then(|| self.rwsem_waiting_writer(r.idx))
            .flatten();
        self.block(tid, wait);
        if kind == ObjKind::RwSem {
            self.rwsem_cond_wake(r.idx);
        }
        let world = &self.world;
        let sole_holder = |l: u32| match &world.objs.get(l as usize)?.state {
            ObjState::Lock(st) if st.readers == 0 && st.owner != 0 => Some(st.owner - 1),
            _ => None,
        };
        let walk = find_cycle(
            &self.threads[..self.nthreads],
            tid as u32,
            r.idx,
            sole_holder,
        );
        if walk.forked {
            self.note_order_walk();
        }
        if let Some(mut cycle) = walk.cycle {
            if let Some(w) = queued_behind {
                let link = crate::oracle::deadlock::WaitLink {
                    tid: w as u32,
                    lock: r.idx,
                };
                cycle.insert(1, link);
            }
            self.report_deadlock(tid, &cycle);
        }
    }

    /// Releases a lock and wakes its waiters.
    fn release(
        &mut self,
        tid: usize,
        d: u8,
        v: Value,
        kind: ObjKind,
        mode: LockMode,
        flags: Value,
    ) {
        let Some(r) = self.prim_obj(tid, v, kind) else {
            return;
        };
        let pos = self.threads[tid].held.iter().rposition(|h| h.obj == r.idx);
        let Some(pos) = pos else {
            self.report_bad_unlock(tid, r);
            return;
        };
        self.threads[tid].held.remove(pos);
        let idx = r.idx as usize;
        let st = self.world.objs[idx].lock();
        match mode {
            LockMode::Read => st.readers -= 1,
            _ => st.owner = 0,
        }
        // Interrupts (or softirqs) back on with locks still held: lockdep marks them.
        let mut irqs_on = None;
        if let LockMode::Spin { irq } = mode {
            let t = &mut self.threads[tid];
            t.preempt = t.preempt.saturating_sub(1);
            let (was_off, was_bh) = (t.irqs_off != 0, t.softirq != 0);
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
            if was_off && t.irqs_off == 0 {
                irqs_on = Some(true);
            } else if was_bh && t.softirq == 0 {
                irqs_on = Some(false);
            }
        }
        if kind == ObjKind::RwSem {
            // up_read wakes only when the last reader leaves (__up_read), up_write always
            // (rwsem_wake: rwsem_mark_wake(RWSEM_WAKE_ANY) if anyone waits).
            let st = *self.world.objs[idx].lock();
            if st.owner == 0 && st.readers == 0 {
                self.rwsem_mark_wake(r.idx, Wake::Any);
            }
        } else {
            self.wake_lock_waiters(r.idx);
        }
        if let Some(hard) = irqs_on {
            if !self.lockdep_irqs_on(tid, hard) {
                return;
            }
        }
        self.finish_op(tid, d, Value::Null);
    }

    /// Whether rw_semaphore `obj`'s wait list is not empty (RWSEM_FLAG_WAITERS): tasks asleep
    /// on it, and a woken writer that has not taken it yet.
    fn rwsem_has_waiters(&self, obj: u32) -> bool {
        self.threads[..self.nthreads]
            .iter()
            .any(|t| t.rw_queue == obj)
    }

    /// The first waiter on rw_semaphore `obj` (`rwsem_first_waiter`), if any.
    fn rwsem_first_waiter(&self, obj: u32) -> Option<usize> {
        (0..self.nthreads)
            .filter(|&i| self.threads[i].rw_queue == obj)
            .min_by_key(|&i| self.threads[i].rw_ticket)
    }

    /// The first writer on rw_semaphore `obj`'s wait list, if any.
    fn rwsem_waiting_writer(&self, obj: u32) -> Option<usize> {
        (0..self.nthreads)
            .filter(|&i| self.threads[i].rw_queue == obj && self.threads[i].rw_write)
            .min_by_key(|&i| self.threads[i].rw_ticket)
    }

    /// kernel/locking/rwsem.c `rwsem_mark_wake` (6.x): a writer at the head of the queue is
    /// woken alone, and only by a release (RWSEM_WAKE_ANY); it stays queued and retries. A
    /// reader at the head means every queued reader, writers in between skipped, is granted
    /// the lock at once (the reader count includes them before they run; at most
    /// MAX_READERS_WAKEUP = 256 per call, more than the model's threads), unless a writer
    /// stole the lock meanwhile.
    fn rwsem_mark_wake(&mut self, obj: u32, wake: Wake) {
        let Some(first) = self.rwsem_first_waiter(obj) else {
            return;
        };
        if self.threads[first].rw_write {
            if wake == Wake::Any {
                self.unblock(first);
            }
            return;
        }
        if wake != Wake::ReadOwned && self.world.objs[obj as usize].lock_state().owner != 0 {
            return;
        }
        for t in 0..self.nthreads {
            let th = &mut self.threads[t];
            if th.rw_queue == obj && !th.rw_write {
                th.rw_queue = crate::world::NONE;
                th.rw_granted = true;
                self.world.objs[obj as usize].lock().readers += 1;
                self.unblock(t);
            }
        }
    }

    /// `rwsem_cond_wake_waiter`, after a task queued: unless a writer holds the lock, wake
    /// the readers at the head (readers hold it) or whoever is first (nobody does).
    fn rwsem_cond_wake(&mut self, obj: u32) {
        let st = self.world.objs[obj as usize].lock_state();
        if st.owner != 0 {
            return;
        }
        let wake = if st.readers > 0 {
            Wake::Readers
        } else {
            Wake::Any
        };
        self.rwsem_mark_wake(obj, wake);
    }

    fn wake_lock_waiters(&mut self, obj: u32) {
        for t in 0..self.nthreads {
            if self.threads[t].status == Status::Blocked && self.threads[t].wait.lock() == Some(obj)
            {
                self.unblock(t);
            }
        }
    }

    /// `mutex_is_locked` (on any lock): 1 if anyone holds it.
    fn prim_is_locked(&mut self, tid: usize, d: u8, v: Value) {
        let Access::Ok(r) = self.check_ref(tid, v, None, false, 0) else {
            return;
        };
        let o = &mut self.world.objs[r.idx as usize];
        if !o.kind.is_lock() {
            self.model_error(tid, "lock query on an object that is not a lock".into());
            return;
        }
        let st = *o.lock();
        self.finish_op(
            tid,
            d,
            Value::Int((st.owner != 0 || st.readers != 0) as i64),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn trylock_sees_the_holder_and_unlock_needs_one() {
        let ok = [
            r#"["load", 1, 8, 2]"#,
            r#"["prim", 2, "mutex_lock", [1]]"#,
            r#"["prim", 2, "mutex_trylock", [1]]"#,
            r#"["un", "not", 2, 2]"#,
            r#"["assert", 2]"#,
            r#"["prim", 2, "mutex_is_locked", [1]]"#,
            r#"["assert", 2]"#,
            r#"["prim", 2, "mutex_unlock", [1]]"#,
            r#"["load", 1, 8, 4]"#,
            r#"["prim", 2, "down_read", [1]]"#,
            r#"["prim", 2, "down_write_trylock", [1]]"#,
            r#"["un", "not", 2, 2]"#,
            r#"["assert", 2]"#,
            r#"["prim", 2, "up_read", [1]]"#,
        ];
        run("mutex and rwsem", &ok, Expect::Clean);
        let mut again = ok.to_vec();
        again.push(r#"["prim", 2, "up_read", [1]]"#);
        run("one up_read too many", &again, Expect::Kind("bad-unlock"));
        run(
            "mutex_lock under a spinlock",
            &[
                r#"["load", 1, 8, 3]"#,
                r#"["prim", 2, "spin_lock", [1]]"#,
                r#"["load", 3, 8, 2]"#,
                r#"["prim", 2, "mutex_lock", [3]]"#,
            ],
            Expect::Kind("sleep-in-atomic"),
        );
    }
}
