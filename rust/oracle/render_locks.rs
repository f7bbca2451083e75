//! Reports about locks, sleeping and waiting: sleeping in atomic context, lockdep (recursive,
//! circular, bad unlock, assert-held, lock held on return), wait-for-cycle deadlocks, hung
//! tasks and stranded interruptible waiters. The shared report helpers live in `render`.

use super::report::{frame_line, frames_of, task, title_function, DASHES, UNAME};
use crate::exec::thread::Status;
use crate::exec::Execution;
use crate::oracle::deadlock::WaitLink;
use crate::oracle::lockdep::Edge;
use crate::oracle::Kind;
use crate::world::ObjRef;

impl Execution<'_> {
    pub(crate) fn fail_sleep_in_atomic(&mut self, tid: usize) {
        let t = &self.threads[tid];
        let (comm, pid) = task(self.prog, t, tid);
        let mut text = format!(
            "BUG: sleeping function called from invalid context at {}\nin_atomic(): {}, irqs_disabled(): {}, non_block: 0, pid: {pid}, name: {comm}\npreempt_count: {:x}, expected: 0\nRCU nest depth: {}, expected: 0\n",
            self.location_of(tid),
            (t.preempt_count() != 0) as u32,
            (t.irqs_off != 0) as u32,
            t.preempt_count(),
            t.rcu_depth
        );
        text.push_str(&self.held_locks_text(tid));
        if let Some(h) = self.threads[tid].held.iter().rev().find(|h| {
            matches!(
                self.world.objs[h.obj as usize].kind,
                crate::ir::ObjKind::Spinlock
            )
        }) {
            text.push_str(&format!(
                "Preemption disabled at:\n{}\n",
                frame_line(self.prog, h.func, h.pc)
            ));
        }
        text.push_str(&self.header(tid));
        text.push_str(&self.trace_of(tid));
        self.raise(
            tid,
            Kind::SleepInAtomic,
            "BUG: sleeping function called from invalid context",
            None,
            text,
        );
    }

    /// The current frame of a thread as (function, pc).
    fn current_frame(&self, tid: usize) -> (u32, u32) {
        self.threads[tid]
            .frames
            .last()
            .map(|f| (f.func, f.pc))
            .unwrap_or((0, 0))
    }

    /// The held locks, the task header and the call trace that end every lockdep report.
    fn locks_and_trace(&self, tid: usize) -> String {
        let mut s = self.held_locks_text(tid);
        s.push_str(&self.header(tid));
        s.push_str(&self.trace_of(tid));
        s
    }

    /// lockdep's "X is trying to acquire lock ... but task is already holding lock ..." block.
    fn acquiring_text(&self, tid: usize, r: ObjRef, held_ix: usize) -> String {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let h = self.threads[tid].held[held_ix];
        let fr = self.current_frame(tid);
        format!(
            "{comm}/{pid} is trying to acquire lock:\n{:016x} ({}), at:{}\n\nbut task is already holding lock:\n{:016x} ({}), at:{}\n\n",
            self.world.address(r.idx, 0),
            self.class_name(r.idx),
            frame_line(self.prog, fr.0, fr.1),
            self.world.address(h.obj, 0),
            self.class_name(h.obj),
            frame_line(self.prog, h.func, h.pc),
        )
    }

    pub(crate) fn report_recursive_locking(&mut self, tid: usize, r: ObjRef, held_ix: usize) {
        let name = self.class_name(r.idx);
        let mut text = format!(
            "============================================\nWARNING: possible recursive locking detected\n{UNAME}\n--------------------------------------------\n{}other info that might help us debug this:\n Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock({name});\n  lock({name});\n\n *** DEADLOCK ***\n\n May be due to missing lock nesting notation\n\n",
            self.acquiring_text(tid, r, held_ix)
        );
        text.push_str(&self.locks_and_trace(tid));
        self.raise(
            tid,
            Kind::LockdepRecursive,
            "possible recursive locking",
            None,
            text,
        );
    }

    pub(crate) fn report_circular(
        &mut self,
        tid: usize,
        r: ObjRef,
        held_ix: usize,
        chain: &[Edge],
    ) {
        let h = self.threads[tid].held[held_ix];
        let new_name = self.class_name(r.idx);
        let held_name = self.class_name(h.obj);
        let fr = self.current_frame(tid);
        let mut text = format!(
            "======================================================\nWARNING: possible circular locking dependency detected\n{UNAME}\n{DASHES}\n{}which lock already depends on the new lock.\n\n\nthe existing dependency chain (in reverse order) is:\n",
            self.acquiring_text(tid, r, held_ix)
        );
        let n = chain.len();
        for (i, e) in chain.iter().enumerate().rev() {
            let (ecomm, epid) = task(self.prog, &self.threads[e.tid as usize], e.tid as usize);
            text.push_str(&format!(
                "\n-> #{} ({}):\n       taken by {ecomm}/{epid} at\n      {}\n",
                n - i,
                self.prog.lock_classes[e.to as usize].name,
                frame_line(self.prog, e.func, e.pc)
            ));
        }
        text.push_str(&format!(
            "\n-> #0 ({new_name}):\n      {}\n\nother info that might help us debug this:\n\n Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n       ----                    ----\n  lock({held_name});\n                               lock({new_name});\n                               lock({held_name});\n  lock({new_name});\n\n *** DEADLOCK ***\n\n",
            frame_line(self.prog, fr.0, fr.1)
        ));
        text.push_str(&self.locks_and_trace(tid));
        self.raise(tid, Kind::LockdepCircular, "possible deadlock", None, text);
    }

    pub(crate) fn report_bad_unlock(&mut self, tid: usize, r: ObjRef) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let fr = self.current_frame(tid);
        let mut text = format!(
            "=====================================\nWARNING: bad unlock balance detected!\n{UNAME}\n-------------------------------------\n{comm}/{pid} is trying to release lock ({}) at:\n{}\nbut there are no more locks to release!\n\nother info that might help us debug this:\n",
            self.class_name(r.idx),
            frame_line(self.prog, fr.0, fr.1)
        );
        text.push_str(&self.locks_and_trace(tid));
        self.raise(
            tid,
            Kind::BadUnlock,
            "WARNING: bad unlock balance",
            None,
            text,
        );
    }

    pub(crate) fn report_assert_held(&mut self, tid: usize, r: ObjRef) {
        let (_, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = format!(
            "WARNING: CPU: {tid} PID: {pid} at {} {}\nlockdep_assert_held({}) failed: the lock is not held by this task\n",
            self.location_of(tid),
            self.model_symbol(tid),
            self.class_name(r.idx)
        );
        text.push_str(&self.locks_and_trace(tid));
        self.raise(tid, Kind::LockdepAssert, "WARNING", None, text);
    }

    pub(crate) fn report_lock_held_on_return(&mut self, tid: usize) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let t = &self.threads[tid];
        let top = t.held.last().copied();
        let ctx_line = match t.ctx {
            crate::ir::Context::Work => format!(
                "BUG: workqueue leaked lock or atomic: {comm}/0x{:08x}/{pid}",
                t.preempt_count()
            ),
            crate::ir::Context::HardIrq | crate::ir::Context::SoftIrq => {
                "WARNING: lock held at interrupt exit!".to_string()
            }
            _ => "WARNING: lock held when returning to user space!".to_string(),
        };
        let mut text = format!("================================================\n{ctx_line}\n{UNAME}\n------------------------------------------------\n{comm}/{pid} is leaving the kernel with locks still held!\n");
        text.push_str(&self.held_locks_text(tid));
        let func = top.map(|h| self.prog.functions[h.func as usize].name.clone());
        let what = if ctx_line.starts_with("BUG: workqueue") {
            "BUG: workqueue leaked lock or atomic"
        } else {
            "WARNING: lock held when returning to user space"
        };
        self.raise(tid, Kind::LockHeldReturn, what, func, text);
    }

    pub(crate) fn report_deadlock(&mut self, tid: usize, cycle: &[WaitLink]) {
        let prog = self.prog;
        let lockdep_sees = prog.config.lockdep
            && cycle
                .iter()
                .all(|l| !self.world.objs[l.lock as usize].novalidate);
        let mut text = String::from("pyfuzz: deadlock: a wait-for cycle formed between");
        let names: Vec<String> = cycle
            .iter()
            .map(|l| {
                let (c, p) = task(prog, &self.threads[l.tid as usize], l.tid as usize);
                format!(" {c}:{p}")
            })
            .collect();
        text.push_str(&names.join(" and"));
        text.push('\n');
        for (k, l) in cycle.iter().enumerate() {
            let (c, p) = task(prog, &self.threads[l.tid as usize], l.tid as usize);
            // A reader queued behind a waiting writer (rwsem writer preference): the next
            // link is that writer, on the same semaphore's wait list.
            if let Some(next) = cycle.get(k + 1).filter(|n| {
                let w = &self.threads[n.tid as usize];
                n.lock == l.lock && w.rw_queue == l.lock && w.rw_write
            }) {
                let (wc, wp) = task(prog, &self.threads[next.tid as usize], next.tid as usize);
                text.push_str(&format!(
                    "  task {c}:{p} waits for {} ({}), queued behind the waiting writer {wc}:{wp}\n",
                    self.class_name(l.lock),
                    self.world.describe(prog, l.lock)
                ));
                continue;
            }
            let holder = (0..self.nthreads)
                .find(|&i| {
                    self.threads[i].status != Status::Done
                        && self.threads[i].held.iter().any(|h| h.obj == l.lock)
                })
                .map(|i| {
                    let (hc, hp) = task(prog, &self.threads[i], i);
                    format!("{hc}:{hp}")
                })
                .unwrap_or_else(|| "?".into());
            text.push_str(&format!(
                "  task {c}:{p} waits for {} ({}), held by {holder}\n",
                self.class_name(l.lock),
                self.world.describe(prog, l.lock)
            ));
        }
        if lockdep_sees {
            text.push_str(
                "lockdep would report this ordering as a possible circular locking dependency.\n",
            );
        } else if !prog.config.lockdep {
            text.push_str(
                "lockdep would not report this: CONFIG_PROVE_LOCKING is off in this scenario.\n",
            );
        } else {
            text.push_str("lockdep would not report this: a lock in the cycle is in a novalidate class (lockdep_set_novalidate_class, as for device_lock).\n");
        }
        text.push_str("The kernel would show, after 120 seconds:\n");
        for l in cycle {
            let (c, p) = task(prog, &self.threads[l.tid as usize], l.tid as usize);
            text.push_str(&format!(
                "  INFO: task {c}:{p} blocked for more than 120 seconds.\n"
            ));
        }
        for l in cycle {
            let i = l.tid as usize;
            let (c, p) = task(prog, &self.threads[i], i);
            text.push_str(&format!("\ntask:{c} state:D pid:{p}\n"));
            text.push_str(&self.held_locks_text(i));
            text.push_str(&self.trace_of(i));
        }
        // Title from the lowest-numbered task in the cycle, so the same cycle gets the same
        // title whichever thread closed it.
        let first = cycle.iter().map(|l| l.tid as usize).min().unwrap_or(tid);
        let mut members: Vec<usize> = cycle.iter().map(|l| l.tid as usize).collect();
        members.sort_unstable();
        self.note_order_choice(&members, true);
        let func = title_function(prog, &frames_of(&self.threads[first]));
        self.raise(tid, Kind::Deadlock, "deadlock", Some(func), text);
    }

    pub(crate) fn report_hung_task(&mut self, tid: usize) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = format!(
            "INFO: task {comm}:{pid} blocked for more than 120 seconds.\n      {UNAME}\n\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\ntask:{comm} state:D stack:0 pid:{pid}\n"
        );
        text.push_str(&self.trace_of(tid));
        text.push_str(&self.held_locks_text(tid));
        self.raise(tid, Kind::HungTask, "INFO: task hung", None, text);
    }

    /// kernel/watchdog.c, watchdog_timer_fn(): the CPU has not scheduled for 2 *
    /// watchdog_thresh seconds (20 s by default; reports usually say 22 or 23 s).
    pub(crate) fn report_soft_lockup(&mut self, tid: usize) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = format!(
            "watchdog: BUG: soft lockup - CPU#{tid} stuck for 22s! [{comm}:{pid}]\nModules linked in:\n"
        );
        text.push_str(&self.header(tid));
        text.push_str(&format!("RIP: 0010:{}\n", self.first_symbol(tid)));
        text.push_str(&self.trace_of(tid));
        text.push_str(&format!(
            "pyfuzz: {comm} ran {} steps in a row with no other thread able to run and no \
             timeout pending: nothing can stop it (config soft_lockup_steps)\n",
            self.prog.config.soft_lockup_steps
        ));
        self.raise(tid, Kind::SoftLockup, "BUG: soft lockup", None, text);
    }

    /// A task that sleeps with a timeout, wakes, finds nothing changed and sleeps again,
    /// forever: the kernel prints nothing (check_hung_task skips a task that was scheduled
    /// since its last look), the caller simply never returns.
    pub(crate) fn report_polling_forever(&mut self, tid: usize) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let state = if self.threads[tid].wait.interruptible() {
            'S'
        } else {
            'D'
        };
        let mut text = format!(
            "pyfuzz: task {comm}:{pid} is stranded in a timed wait: it wakes up to the same state every time, and nothing left can change it\n(the hung-task detector does not see a task that keeps waking up; the task polls forever)\ntask:{comm} state:{state} pid:{pid}\n"
        );
        text.push_str(&self.trace_of(tid));
        self.raise(tid, Kind::StrandedWaiter, "stranded waiter", None, text);
    }

    pub(crate) fn report_stranded(&mut self, tid: usize) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = format!(
            "pyfuzz: task {comm}:{pid} is stranded in an interruptible wait: nothing left can wake it\n(the hung-task detector does not see TASK_INTERRUPTIBLE waiters; the task hangs until a signal)\ntask:{comm} state:S pid:{pid}\n"
        );
        text.push_str(&self.trace_of(tid));
        self.raise(tid, Kind::StrandedWaiter, "stranded waiter", None, text);
    }
}
