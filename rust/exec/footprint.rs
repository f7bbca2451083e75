//! Footprints: what each step of an execution touched, for dynamic partial-order reduction
//! (`sched::dpor`). Off unless a search turns `Execution::footprints.on`; when on, every
//! step (one `step_thread`: one shared visible operation plus the private and local work
//! around it) becomes an `Event` holding the thread and its accesses, each a key read or
//! written. Keys name a field slot (loads and stores), a primitive object (locks,
//! completions, wait queues, kref, work items, kthread tasks: every primitive is a write),
//! an allocation (every access reads it, a free writes it, so a free conflicts with every
//! access to the memory it frees; a list operation that changes links also writes the
//! neighbours of its nodes, whose links it rewrites), and a few shared resources: RCU (readers read it,
//! `synchronize_rcu` writes it), the thread pool (spawning a worker or a kthread, and such a
//! thread ending, choose thread slots) and fault injection's fail-nth counter. The kthread
//! primitives name their task object: `kthread_should_stop` and `signal_pending` read the
//! running kthread's, as does an interruptible sleep in a kthread (the stop's signal ends
//! it), and `kthread_stop` writes its argument's and what its thread sleeps on. Two steps
//! of different threads are dependent when they touch one key and one of them writes it; a
//! `global` step is dependent with every step. Private operations (`exec::private`) are not
//! recorded: no other thread can reach what they touch.

use super::Execution;
use crate::ir::{Instr, ObjKind, Reach};
use crate::prims::Prim;
use crate::sched::events::{
    Access, Event, Key, Mode, KEY_RCU, KEY_RCU_TASKS, KEY_WORKERS, SPACE_ALLOC, SPACE_OBJ,
    SPACE_SLOT,
};
use crate::world::{ObjState, Value};

impl Execution<'_> {
    /// Opens the event of the step thread `tid` is about to run.
    pub(crate) fn begin_event(&mut self, tid: usize, picked: bool) {
        let start = self.footprints.accesses.len() as u32;
        // A wait that timed out ended because nothing else could run: the step that
        // resumes it depends on every step before it.
        let global = self.threads[tid].timed_out;
        let kills = self.footprints.kills.len() as u32;
        self.footprints.events.push(Event {
            tid: tid as u32,
            picked,
            global,
            start,
            end: start,
            spawned: crate::world::NONE,
            kills_start: kills,
            kills_end: kills,
        });
        let t = &self.threads[tid];
        self.rcu_at_event = (t.rcu_reader(), t.rcu_epoch);
    }

    /// Closes the current event. A step that made its thread an RCU reader (an RCU read
    /// section, a spinlock, interrupts or preemption off, a handler starting: whatever
    /// `Thread::rcu_reader` counts) reads KEY_RCU, which the start of a grace period
    /// writes: the order decides whether the grace period waits for it. A step in which
    /// the thread passed a quiescent state writes the thread's own RCU key, which the grace
    /// period's later checks read for the threads they wait for. Leaving a section is not
    /// ordered against a grace period's start: one started inside the section waits for
    /// the exit, the same as one started just after it (the waiting task does nothing in
    /// between).
    pub(crate) fn end_event(&mut self) {
        if let Some(tid) = self.footprints.current().map(|e| e.tid as usize) {
            let t = &self.threads[tid];
            let (was_reader, epoch) = self.rcu_at_event;
            let (is_reader, passed) = (t.rcu_reader(), t.rcu_epoch != epoch);
            if is_reader && !was_reader {
                self.touch(KEY_RCU, false);
            }
            if passed {
                self.touch(rcu_task_key(tid as u32), true);
            }
        }
        let end = self.footprints.accesses.len() as u32;
        if let Some(e) = self.footprints.current() {
            e.end = end;
        }
    }

    /// Records one access of the current step.
    #[inline]
    pub(crate) fn touch(&mut self, key: Key, write: bool) {
        let mode = if write { Mode::Write } else { Mode::Read };
        self.touch_as(key, mode);
    }

    /// Records one access of the current step in `mode`.
    #[inline]
    fn touch_as(&mut self, key: Key, mode: Mode) {
        if self.footprints.on && !self.footprints.events.is_empty() {
            self.footprints.accesses.push(Access { key, mode });
        }
    }

    /// Records that the current step ended thread `tid` (not the stepping one) before its
    /// next step.
    pub(crate) fn record_kill(&mut self, tid: usize) {
        if let Some(e) = self.footprints.events.last_mut() {
            self.footprints.kills.push(tid as u32);
            e.kills_end += 1;
        }
    }

    /// Records that the current step spawned worker `tid` (its first step happens after).
    pub(crate) fn record_spawn(&mut self, tid: usize) {
        if self.footprints.on {
            self.touch(KEY_WORKERS, true);
            if let Some(e) = self.footprints.current() {
                e.spawned = tid as u32;
            }
        }
    }

    /// Records a write of primitive object `idx` (a work item's worker taking or finishing
    /// an instance).
    pub(crate) fn touch_primitive(&mut self, idx: u32) {
        if self.footprints.on {
            self.touch_object(idx, None, true);
        }
    }

    /// Records an access to object `idx`: its allocation is read, and the object itself (a
    /// primitive) or one of its value slots is read or written.
    fn touch_object(&mut self, idx: u32, slot: Option<usize>, write: bool) {
        let o = &self.world.objs[idx as usize];
        let alloc = SPACE_ALLOC | o.base as u64;
        let key = match slot {
            Some(s) => SPACE_SLOT | s as u64,
            None => SPACE_OBJ | idx as u64,
        };
        self.touch(alloc, false);
        self.touch(key, write);
    }

    /// A list operation that changes links writes its nodes' current neighbours too (their
    /// next or prev link changes): `list_add` rewrites the head's next node, `list_del` both
    /// neighbours of the node.
    fn touch_list_neighbours(&mut self, idx: u32) {
        let o = &self.world.objs[idx as usize];
        if o.kind != ObjKind::List || o.vals_len < 2 {
            return;
        }
        let s = o.vals_start as usize;
        let links = [self.world.vals[s], self.world.vals[s + 1]];
        for v in links {
            if let Value::Ref(r) = v {
                if (r.idx as usize) < self.world.objs.len() {
                    self.touch_object(r.idx, None, true);
                }
            }
        }
    }

    /// Records the accesses of the shared visible instruction `ins`, before it runs.
    pub(crate) fn record_accesses(&mut self, tid: usize, ins: Instr) {
        let object = |ex: &Self, v: Value| match v {
            Value::Ref(r) if (r.idx as usize) < ex.world.objs.len() => Some(r.idx),
            _ => None,
        };
        match ins {
            Instr::Load { a, name, .. } | Instr::Store { a, name, .. } => {
                let write = matches!(ins, Instr::Store { .. });
                if let Some(idx) = object(self, self.reg(tid, a)) {
                    let o = &self.world.objs[idx as usize];
                    let slot = (o.kind == ObjKind::Struct)
                        .then(|| self.prog.field(o.sid, name))
                        .flatten()
                        .map(|fi| o.vals_start as usize + fi);
                    self.touch_object(idx, slot, write);
                }
            }
            Instr::ILoad { a, i, .. } | Instr::IStore { a, i, .. } => {
                let write = matches!(ins, Instr::IStore { .. });
                if let Some(idx) = object(self, self.reg(tid, a)) {
                    let o = &self.world.objs[idx as usize];
                    let slot = match self.reg(tid, i) {
                        Value::Int(x) if x >= 0 && (x as u64) < o.vals_len as u64 => {
                            Some(o.vals_start as usize + x as usize)
                        }
                        _ => None,
                    };
                    self.touch_object(idx, slot, write);
                }
            }
            Instr::Prim { p, args, .. } => {
                match p {
                    Prim::Kfree => {
                        if let Some(idx) = object(self, self.reg(tid, self.prog.arg_regs(args)[0]))
                        {
                            let base = self.world.objs[idx as usize].base;
                            self.touch(SPACE_ALLOC | base as u64, true);
                        }
                        return;
                    }
                    // Entering and leaving read sections are recorded by `end_event`
                    // for every way of becoming a reader. A grace period starts with a
                    // snapshot of the readers (it writes KEY_RCU) and ends when each has
                    // passed a quiescent state: a retry of the wait reads their keys.
                    Prim::RcuReadLock | Prim::RcuReadUnlock => return,
                    Prim::SynchronizeRcu => {
                        if self.threads[tid].retrying {
                            for i in 0..self.threads[tid].rcu_wait.len() {
                                let t = self.threads[tid].rcu_wait[i].0;
                                self.touch(rcu_task_key(t), false);
                            }
                        } else {
                            self.touch(KEY_RCU, true);
                        }
                        return;
                    }
                    // A get on a live kref and a put that is not the last only add to the
                    // count: gets commute with gets, puts with puts (`events::Mode`).
                    Prim::KrefGet | Prim::KrefPut => {
                        if let Some(idx) = object(self, self.reg(tid, self.prog.arg_regs(args)[0]))
                        {
                            let count = match self.world.objs[idx as usize].state {
                                ObjState::Kref(k) => k.count,
                                _ => 0,
                            };
                            let mode = match p {
                                Prim::KrefGet if count >= 1 => Mode::Increment,
                                Prim::KrefPut if count >= 2 => Mode::Decrement,
                                _ => Mode::Write,
                            };
                            let base = self.world.objs[idx as usize].base;
                            self.touch(SPACE_ALLOC | base as u64, false);
                            self.touch_as(SPACE_OBJ | idx as u64, mode);
                        }
                        return;
                    }
                    // Voluntary yields and timed sleeps change no state another thread
                    // can see (a sleep's timer may fire at any pick: picking the sleeper
                    // again is an ordinary step).
                    Prim::Msleep | Prim::Schedule | Prim::CondResched | Prim::YieldCpu => {
                        return;
                    }
                    // The running kthread's should-stop bit: its task, which kthread_stop
                    // writes.
                    Prim::KthreadShouldStop | Prim::SignalPending => {
                        let task = self.threads[tid].kthread;
                        if task != crate::world::NONE {
                            self.touch_object(task, None, false);
                        }
                        return;
                    }
                    // The task (should-stop, the stoppers' reference, the exit it waits
                    // for) and the wait queue its thread sleeps on (the wake-up).
                    Prim::KthreadStop => {
                        let v = self.reg(tid, self.prog.arg_regs(args)[0]);
                        if let (Some(idx), Value::Ref(r)) = (object(self, v), v) {
                            self.touch_object(idx, None, true);
                            for o in self.kthread_targets(r) {
                                if o != crate::world::NONE {
                                    self.touch_object(o, None, true);
                                }
                            }
                        }
                        return;
                    }
                    // A new task, private until returned, and a spawn (recorded by the
                    // primitive); the data argument is written as an Args primitive's.
                    Prim::KthreadRun => {
                        let v = self.reg(tid, self.prog.arg_regs(args)[1]);
                        if let Some(idx) = object(self, v) {
                            self.touch_object(idx, None, true);
                        }
                        return;
                    }
                    _ => {}
                }
                // An interruptible sleep in a kthread fails once kthread_stop has set its
                // signal: it reads the task too.
                if matches!(
                    p,
                    Prim::WqWait
                        | Prim::WaitForCompletionInterruptible
                        | Prim::MutexLockInterruptible
                ) && self.threads[tid].kthread != crate::world::NONE
                {
                    let task = self.threads[tid].kthread;
                    self.touch_object(task, None, false);
                }
                if p.reach() == Reach::Global && !matches!(p.family(), "work" | "kthread") {
                    // A global effect not described above: dependent with every step.
                    if let Some(e) = self.footprints.current() {
                        e.global = true;
                    }
                    return;
                }
                let write = !reads_only(p);
                let list = p.family() == "list";
                let regs = self.prog.arg_regs(args);
                for &r in regs.iter().take(3) {
                    if let Some(idx) = object(self, self.reg(tid, r)) {
                        self.touch_object(idx, None, write);
                        if list && write {
                            self.touch_list_neighbours(idx);
                        }
                    }
                }
            }
            // A new object is private to the thread that allocates it.
            _ => {}
        }
    }
}

/// Task `t`'s exits from RCU read sections (`rcu_read_unlock` of its outermost section).
fn rcu_task_key(t: u32) -> Key {
    KEY_RCU_TASKS + t as u64
}

/// The primitives that only read the objects they are given (two of them on one object
/// commute; each conflicts with a primitive that writes it): tests of a lock, a kref, a
/// completion or a list, list walks, MMIO register reads, and a task's wait-queue
/// registration, wait and deregistration (they change only the task's own state, which
/// only a `wake_up` on that queue, a write, reads). Every other primitive writes its
/// argument objects.
fn reads_only(p: Prim) -> bool {
    matches!(
        p,
        Prim::MutexIsLocked
            | Prim::KrefRead
            | Prim::CompletionDone
            | Prim::ListEmpty
            | Prim::ListFirst
            | Prim::ListNext
            | Prim::MmioRead
            | Prim::LockdepAssertHeld
            | Prim::WqPrepare
            | Prim::WqWait
            | Prim::WqFinish
    )
}
