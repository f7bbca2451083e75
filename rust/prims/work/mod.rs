//! Family `work`: `struct work_struct` and `struct delayed_work` on the one system workqueue,
//! with kernel/workqueue.c's semantics (checked against `queue_work_on`, `__queue_work`,
//! `__queue_delayed_work`, `delayed_work_timer_fn`, `mod_delayed_work_on`,
//! `process_one_work`, `try_to_grab_pending`, `__cancel_work`, `__cancel_work_timer` (since
//! 6.10 `__cancel_work_sync` with a disable count), `start_flush_work`, `__flush_work` and
//! `flush_delayed_work`). A queued instance is run by a worker thread in work context; the
//! item's state machine is `state::WorkState`. Non-reentrancy: an item queued while it runs
//! is pending on the worker running it and runs again there after the function returns.
//! A delayed item's timer is a scheduling choice: the worker's first step fires it (any
//! delay > 0 means "some later time"; the scheduler always gets to it, so nothing is
//! stranded). `cancel_*_sync` dequeues the pending instance, refuses queueing while it runs
//! (WORK_OFFQ_CANCELING) and waits for the running instance; `flush_*` waits for the last
//! queued instance. Flushing or cancel-syncing an item from its own function waits for
//! itself: a deadlock, reported as a hung task, as the kernel hangs (the barrier is queued
//! behind the running instance). The item's value holds the work function; an item whose
//! function is NULL (never initialised, or `INIT_WORK` with NULL) is queued as any other,
//! and its worker's process_one_work calls NULL: the oops is the kworker's.

pub mod state;

use super::Operands;
use crate::exec::thread::{Status, Wait};
use crate::exec::Execution;
use crate::ir::{Context, ObjKind};
use crate::world::{Obj, ObjRef, ObjState, Value, NONE};
use state::Step;
pub use state::WorkState;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    InitWork,
    InitDelayedWork,
    ScheduleWork,
    ScheduleDelayedWork,
    ModDelayedWork,
    CancelWork,
    CancelDelayedWork,
    CancelWorkSync,
    CancelDelayedWorkSync,
    FlushWork,
    FlushDelayedWork,
    NameIrqThread,
}

impl Obj {
    fn work(&mut self) -> &mut WorkState {
        match &mut self.state {
            ObjState::Work(w) => w,
            _ => unreachable!("a work object has a work state"),
        }
    }
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [w, arg, arg2]: Operands) {
    let Some(r) = ex.prim_obj(tid, w, ObjKind::Work) else {
        return;
    };
    let delayed_only = matches!(
        op,
        Op::ScheduleDelayedWork
            | Op::ModDelayedWork
            | Op::CancelDelayedWork
            | Op::CancelDelayedWorkSync
            | Op::FlushDelayedWork
    );
    if delayed_only && !ex.check_delayed(tid, r.idx, op) {
        return;
    }
    match op {
        Op::InitWork | Op::InitDelayedWork => ex.init_work(tid, d, r.idx, arg, op),
        Op::ScheduleWork => {
            let queued = ex.queue_work(r, false);
            ex.finish_op(tid, d, Value::Int(queued as i64));
        }
        Op::ScheduleDelayedWork => {
            let Some(armed) = ex.delay(tid, arg) else {
                return;
            };
            let queued = ex.queue_work(r, armed);
            ex.finish_op(tid, d, Value::Int(queued as i64));
        }
        Op::ModDelayedWork => {
            let Some(armed) = ex.delay(tid, arg) else {
                return;
            };
            let st = ex.world.objs[r.idx as usize].work();
            if st.canceling > 0 {
                // 6.10+: work_grab_pending finds it idle, clear_pending_if_disabled refuses
                // to queue, false (before 6.10 -ENOENT made it true; it never queued).
                ex.finish_op(tid, d, Value::Int(0));
            } else if st.pending() {
                // Grabbed and queued again with the new delay: still pending, re-armed.
                st.armed = armed;
                ex.finish_op(tid, d, Value::Int(1));
            } else {
                ex.queue_work(r, armed);
                ex.finish_op(tid, d, Value::Int(0));
            }
        }
        Op::CancelWork | Op::CancelDelayedWork => {
            // __cancel_work: dequeue only; the function may still be running on return.
            let was = ex.dequeue_work(r.idx);
            ex.finish_op(tid, d, Value::Int(was as i64));
        }
        Op::CancelWorkSync | Op::CancelDelayedWorkSync => ex.cancel_work_sync(tid, d, r.idx),
        Op::NameIrqThread => {
            // setup_irq_thread: kthread_create(irq_thread, new, "irq/%d-%s", irq, new->name).
            let (Value::Int(irq), Value::Str(name)) = (arg, arg2) else {
                let msg = "name_irq_thread takes a work item, an IRQ number and a name string";
                ex.model_error(tid, msg.into());
                return;
            };
            let st = ex.world.objs[r.idx as usize].work();
            st.comm = name;
            st.comm_irq = irq.max(0);
            ex.finish_op(tid, d, Value::Null);
        }
        Op::FlushWork | Op::FlushDelayedWork => {
            if op == Op::FlushDelayedWork && !ex.threads[tid].retrying {
                // del_timer_sync + __queue_work: an armed timer fires now.
                ex.world.objs[r.idx as usize].work().armed = false;
            }
            ex.flush_work(tid, d, r.idx);
        }
    }
}

impl Execution<'_> {
    /// The delayed-work primitives take a `struct delayed_work`: an item set up with
    /// `init_work` is a plain `work_struct` (C would not compile the call).
    fn check_delayed(&mut self, tid: usize, idx: u32, op: Op) -> bool {
        let o = &self.world.objs[idx as usize];
        let plain = matches!(self.world.vals[o.vals_start as usize], Value::Func(_))
            && !matches!(o.state, ObjState::Work(s) if s.delayed);
        if plain {
            let name = match op {
                Op::ScheduleDelayedWork => "schedule_delayed_work",
                Op::ModDelayedWork => "mod_delayed_work",
                Op::CancelDelayedWork => "cancel_delayed_work",
                Op::CancelDelayedWorkSync => "cancel_delayed_work_sync",
                _ => "flush_delayed_work",
            };
            let msg = format!("{name} on a work item set up with init_work, not init_delayed_work");
            self.model_error(tid, msg);
        }
        !plain
    }

    /// A delay argument: whether it arms the timer (0 queues at once, as
    /// `__queue_delayed_work` does).
    fn delay(&mut self, tid: usize, v: Value) -> Option<bool> {
        match v {
            Value::Int(n) if n >= 0 => Some(n > 0),
            _ => {
                self.model_error(tid, "a delay is a number of jiffies >= 0".into());
                None
            }
        }
    }

    fn init_work(&mut self, tid: usize, d: u8, idx: u32, func: Value, op: Op) {
        match func {
            Value::Func(f) if self.prog.functions[f as usize].params == 1 => {}
            // INIT_WORK(w, NULL) compiles: the NULL is called when the item runs.
            Value::Null => {}
            _ => {
                self.model_error(tid, "init_work needs a function taking the work".into());
                return;
            }
        }
        let o = &mut self.world.objs[idx as usize];
        self.world.vals[o.vals_start as usize] = func;
        let st = o.work();
        st.delayed = op == Op::InitDelayedWork;
        st.comm = NONE;
        self.finish_op(tid, d, Value::Null);
    }

    /// queue_work_on / queue_delayed_work_on: true if it queued the item, false if it was
    /// already pending or being canceled.
    fn queue_work(&mut self, r: ObjRef, armed: bool) -> bool {
        let i = r.idx as usize;
        let st = *self.world.objs[i].work();
        if !st.can_queue() {
            return false;
        }
        // __queue_work does not look at the function: a NULL one is queued too, and called
        // by the worker (`work_step`).
        let f = match self.world.vals[self.world.objs[i].vals_start as usize] {
            Value::Func(f) => Some(f),
            _ => None,
        };
        let worker = if st.running != NONE {
            // Queued behind the running instance, on its worker.
            st.running as usize
        } else {
            let w = self.spawn_thread(Context::Work, f, &[Value::Ref(r)]);
            let t = &mut self.threads[w];
            t.work = r.idx;
            // An IRQ thread is named as the kernel names its kthread (`name_irq_thread`).
            if st.comm != NONE {
                t.comm = st.comm;
                t.comm_irq = st.comm_irq;
            }
            w
        };
        // The worker reaches the work item: it is shared from now on.
        self.publish_allocation(r.idx);
        self.world.objs[i].work().queue(worker as u32, armed);
        true
    }

    /// try_to_grab_pending for `__cancel_work`: dequeues the pending instance (discarding
    /// its worker if it has one of its own) and wakes its flushers; returns whether one was
    /// pending.
    fn dequeue_work(&mut self, idx: u32) -> bool {
        let (was, worker) = self.world.objs[idx as usize].work().dequeue();
        if worker != NONE {
            let t = &mut self.threads[worker as usize];
            t.frames.clear();
            t.regs.clear();
            t.work = NONE;
            self.set_status(worker as usize, Status::Done);
        }
        if was {
            self.wake_where(|wt| wt == Wait::Work { obj: idx });
        }
        was
    }

    /// `__cancel_work_timer`: grab and dequeue the pending instance, mark the item canceling
    /// (queueing fails), wait for the running instance (`__flush_work`), unmark; returns
    /// whether an instance was pending. Re-entered after every wake-up (`retrying`).
    fn cancel_work_sync(&mut self, tid: usize, d: u8, idx: u32) {
        if !self.threads[tid].retrying {
            if !self.might_sleep(tid) {
                return;
            }
            let was = self.dequeue_work(idx);
            let st = self.world.objs[idx as usize].work();
            st.canceling += 1;
            let target = st.running_instance().unwrap_or(NONE);
            let t = &mut self.threads[tid];
            t.work_ret = was;
            t.work_wait = target;
        }
        let target = self.threads[tid].work_wait;
        let st = self.world.objs[idx as usize].work();
        if target != NONE && st.alive(target) {
            self.block(tid, Wait::Work { obj: idx });
            return;
        }
        st.canceling -= 1;
        let was = self.threads[tid].work_ret;
        self.finish_op(tid, d, Value::Int(was as i64));
    }

    /// `__flush_work`: wait until the last queued instance (start_flush_work's barrier) has
    /// finished or was dequeued; returns whether there was one.
    fn flush_work(&mut self, tid: usize, d: u8, idx: u32) {
        if !self.threads[tid].retrying {
            if !self.might_sleep(tid) {
                return;
            }
            let Some(target) = self.world.objs[idx as usize].work().flush_target() else {
                self.finish_op(tid, d, Value::Int(0));
                return;
            };
            self.threads[tid].work_wait = target;
        }
        let target = self.threads[tid].work_wait;
        if self.world.objs[idx as usize].work().alive(target) {
            self.block(tid, Wait::Work { obj: idx });
            return;
        }
        self.finish_op(tid, d, Value::Int(1));
    }

    /// A worker whose instance has not started is scheduled: its timer fires (the step ends
    /// there) or it takes the instance (returns true: it runs the function in this step).
    pub(crate) fn work_step(&mut self, tid: usize) -> bool {
        let w = self.threads[tid].work;
        self.touch_primitive(w);
        match self.world.objs[w as usize].work().step(tid as u32) {
            Step::TimerFired => false,
            Step::Started => {
                self.threads[tid].work_started = true;
                let o = &self.world.objs[w as usize];
                if !matches!(self.world.vals[o.vals_start as usize], Value::Func(_)) {
                    self.record_null_work_call(tid, w);
                    self.fail_null_work_func(tid);
                    return false;
                }
                true
            }
        }
    }

    /// The worker's function returned: the instance is done and its flushers wake. Returns
    /// true when the item was queued again while it ran: the same worker runs it next (its
    /// frame is pushed; the step ends so that the new instance starts at a scheduling point).
    pub(crate) fn work_finished(&mut self, tid: usize) -> bool {
        let w = self.threads[tid].work;
        self.touch_primitive(w);
        let o = &mut self.world.objs[w as usize];
        let again = o.work().finish(tid as u32);
        let func = self.world.vals[o.vals_start as usize];
        self.wake_where(|wt| wt == Wait::Work { obj: w });
        match func {
            Value::Func(f) if again => {
                // The worker holds the item as it was queued: if the function freed it, the
                // next instance runs on freed memory (a free bumps the generation once).
                let o = &self.world.objs[w as usize];
                let gen = if o.freed {
                    o.gen.wrapping_sub(1)
                } else {
                    o.gen
                };
                let r = ObjRef { idx: w, gen };
                self.threads[tid].work_started = false;
                self.push_frame(tid, f, &[Value::Ref(r)], 0, None);
                true
            }
            // Queued again after an INIT_WORK with NULL: the next instance calls NULL.
            _ if again => {
                self.threads[tid].work_started = true;
                self.record_null_work_call(tid, w);
                self.fail_null_work_func(tid);
                true
            }
            _ => {
                self.threads[tid].work = NONE;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests;
