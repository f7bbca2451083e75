//! Sleeping and waking: completions, wait queues (prepare/wait/finish, so no wake-up is
//! lost between the condition check and the sleep), RCU grace periods, and work items run
//! by worker threads in work context.

use super::interp::Access;
use super::thread::{Status, Wait};
use super::{Execution, MAX_THREADS};
use crate::ir::{Context, ObjKind};
use crate::world::{ObjRef, Value, COMPLETION_ALL, NONE};

/// Work item states (in `Obj::a`).
const WORK_IDLE: i64 = 0;
const WORK_PENDING: i64 = 1;
const WORK_RUNNING: i64 = 2;

impl Execution<'_> {
    fn obj_of(&mut self, tid: usize, v: Value, kind: ObjKind) -> Option<ObjRef> {
        match self.check_ref(tid, v, Some(kind), true, 0) {
            Access::Ok(r) => Some(r),
            Access::Failed => None,
        }
    }

    fn wake_where(&mut self, pred: impl Fn(Wait) -> bool) {
        for t in 0..self.nthreads {
            if self.threads[t].status == Status::Blocked && pred(self.threads[t].wait) {
                self.unblock(t);
            }
        }
    }

    /// Completion primitives; `op`: 0 init, 1 complete, 2 complete_all, 3 done?, 4 wait.
    pub(crate) fn prim_completion(&mut self, tid: usize, d: u8, v: Value, op: u8, mode: u8) {
        let Some(r) = self.obj_of(tid, v, ObjKind::Completion) else {
            return;
        };
        let i = r.idx as usize;
        match op {
            0 => {
                self.world.objs[i].a = 0;
                self.finish_op(tid, d, Value::Null);
            }
            1 | 2 => {
                let o = &mut self.world.objs[i];
                o.a = if op == 2 {
                    COMPLETION_ALL
                } else {
                    (o.a + 1).min(COMPLETION_ALL)
                };
                let obj = r.idx;
                self.wake_where(|w| matches!(w, Wait::Completion { obj: o, .. } if o == obj));
                self.finish_op(tid, d, Value::Null);
            }
            3 => {
                let done = self.world.objs[i].a > 0;
                self.finish_op(tid, d, Value::Int(done as i64));
            }
            _ => {
                if !self.threads[tid].retrying && !self.might_sleep(tid) {
                    return;
                }
                let done = self.world.objs[i].a;
                if done > 0 {
                    if done != COMPLETION_ALL {
                        self.world.objs[i].a = done - 1;
                    }
                    let res = if mode == 2 { 1 } else { 0 };
                    self.finish_op(tid, d, Value::Int(res));
                } else if mode == 2 && self.threads[tid].timed_out {
                    self.threads[tid].timed_out = false;
                    self.finish_op(tid, d, Value::Int(0));
                } else {
                    self.block(tid, Wait::Completion { obj: r.idx, mode });
                }
            }
        }
    }

    /// Wait-queue primitives; `op`: 0 prepare, 1 wait (with `mode`), 2 finish, 3 wake.
    pub(crate) fn prim_waitqueue(&mut self, tid: usize, d: u8, v: Value, op: u8, mode: Value) {
        let Some(r) = self.obj_of(tid, v, ObjKind::WaitQueue) else {
            return;
        };
        match op {
            0 => {
                let t = &mut self.threads[tid];
                t.wq = r.idx;
                t.wq_woken = false;
                t.timed_out = false;
                self.finish_op(tid, d, Value::Null);
            }
            1 => {
                let mode = match mode {
                    Value::Int(m @ 0..=2) => m as u8,
                    _ => {
                        self.model_error(tid, "wq_wait mode must be 0, 1 or 2".into());
                        return;
                    }
                };
                if !self.threads[tid].retrying && !self.might_sleep(tid) {
                    return;
                }
                let t = &mut self.threads[tid];
                if t.wq != r.idx {
                    self.model_error(tid, "wq_wait without wq_prepare on this queue".into());
                    return;
                }
                if t.wq_woken {
                    t.wq_woken = false;
                    self.finish_op(tid, d, Value::Int(0));
                } else if t.timed_out {
                    t.timed_out = false;
                    self.finish_op(tid, d, Value::Int(1));
                } else {
                    self.block(tid, Wait::WaitQueue { obj: r.idx, mode });
                }
            }
            2 => {
                let t = &mut self.threads[tid];
                t.wq = NONE;
                t.wq_woken = false;
                self.finish_op(tid, d, Value::Null);
            }
            _ => {
                for t in 0..self.nthreads {
                    if self.threads[t].status != Status::Done && self.threads[t].wq == r.idx {
                        self.threads[t].wq_woken = true;
                        if matches!(self.threads[t].wait, Wait::WaitQueue { obj, .. } if obj == r.idx)
                        {
                            self.unblock(t);
                        }
                    }
                }
                self.finish_op(tid, d, Value::Null);
            }
        }
    }

    pub(crate) fn prim_rcu_read_lock(&mut self, tid: usize, d: u8) {
        self.threads[tid].rcu_depth += 1;
        self.finish_op(tid, d, Value::Null);
    }

    pub(crate) fn prim_rcu_read_unlock(&mut self, tid: usize, d: u8) {
        let t = &mut self.threads[tid];
        if t.rcu_depth == 0 {
            self.fail_warn(
                tid,
                "rcu_read_unlock() without a matching rcu_read_lock()".into(),
                crate::oracle::Kind::Warning,
            );
            return;
        }
        t.rcu_depth -= 1;
        if t.rcu_depth == 0 {
            t.rcu_epoch += 1;
            self.wake_where(|w| w == Wait::Rcu);
        }
        self.finish_op(tid, d, Value::Null);
    }

    pub(crate) fn prim_synchronize_rcu(&mut self, tid: usize, d: u8) {
        if !self.threads[tid].retrying {
            if !self.might_sleep(tid) {
                return;
            }
            let mut snap = std::mem::take(&mut self.threads[tid].rcu_wait);
            snap.clear();
            for t in 0..self.nthreads {
                let th = &self.threads[t];
                if t != tid && th.status != Status::Done && th.rcu_depth > 0 {
                    snap.push((t as u32, th.rcu_epoch));
                }
            }
            self.threads[tid].rcu_wait = snap;
        }
        let threads = &self.threads;
        let still_reading = self.threads[tid].rcu_wait.iter().any(|&(t, epoch)| {
            let th = &threads[t as usize];
            th.status != Status::Done && th.rcu_depth > 0 && th.rcu_epoch == epoch
        });
        if still_reading {
            self.block(tid, Wait::Rcu);
        } else {
            self.threads[tid].rcu_wait.clear();
            self.finish_op(tid, d, Value::Null);
        }
    }

    /// Work primitives; `op`: 0 init_work(fn), 1 schedule_work, 2 cancel_work_sync, 3 flush.
    pub(crate) fn prim_work(&mut self, tid: usize, d: u8, v: Value, op: u8, func: Value) {
        let Some(r) = self.obj_of(tid, v, ObjKind::Work) else {
            return;
        };
        let i = r.idx as usize;
        let slot = self.world.objs[i].vals_start as usize;
        match op {
            0 => {
                match func {
                    Value::Func(f) if self.prog.functions[f as usize].params == 1 => {}
                    _ => {
                        self.model_error(tid, "init_work needs a function taking the work".into());
                        return;
                    }
                }
                self.world.vals[slot] = func;
                self.finish_op(tid, d, Value::Null);
            }
            1 => {
                if self.world.objs[i].a == WORK_PENDING {
                    self.finish_op(tid, d, Value::Int(0));
                    return;
                }
                let Value::Func(f) = self.world.vals[slot] else {
                    self.fail_null_deref(tid, 0);
                    return;
                };
                let Some(w) = (self.prog.actors.len()..MAX_THREADS)
                    .find(|&t| t >= self.nthreads || self.threads[t].status == Status::Done)
                else {
                    self.model_error(tid, format!("more than {MAX_THREADS} threads"));
                    return;
                };
                // The worker reaches the work item: it is shared from now on.
                self.publish_allocation(r.idx);
                self.threads[w].reset(NONE, Context::Work);
                self.threads[w].work = r.idx;
                self.threads[w].name_actor = NONE;
                self.nthreads = self.nthreads.max(w + 1);
                self.set_status(w, Status::Runnable);
                self.push_frame(w, f, &[Value::Ref(r)], 0, None);
                self.world.objs[i].a = WORK_PENDING;
                self.world.objs[i].b = w as i64;
                self.finish_op(tid, d, Value::Int(1));
            }
            _ => {
                if !self.threads[tid].retrying && !self.might_sleep(tid) {
                    return;
                }
                let state = self.world.objs[i].a;
                let worker = self.world.objs[i].b as usize;
                if op == 2 && state == WORK_PENDING && !self.threads[tid].retrying {
                    // Not started yet: dequeue it.
                    self.set_status(worker, Status::Done);
                    self.threads[worker].frames.clear();
                    self.threads[worker].regs.clear();
                    self.world.objs[i].a = WORK_IDLE;
                    self.finish_op(tid, d, Value::Int(1));
                } else if state == WORK_IDLE || worker == tid {
                    self.finish_op(tid, d, Value::Int(0));
                } else {
                    self.block(tid, Wait::Work { obj: r.idx });
                }
            }
        }
    }

    /// Marks a work item running when its worker first runs.
    pub(crate) fn work_started(&mut self, tid: usize) {
        let w = self.threads[tid].work;
        if w != NONE && !self.threads[tid].work_started {
            self.threads[tid].work_started = true;
            let o = &mut self.world.objs[w as usize];
            if o.b == tid as i64 {
                o.a = WORK_RUNNING;
            }
        }
    }

    /// The worker's function returned: the item is idle again unless it was re-queued.
    pub(crate) fn work_finished(&mut self, tid: usize) {
        let w = self.threads[tid].work;
        let o = &mut self.world.objs[w as usize];
        if o.b == tid as i64 && o.a == WORK_RUNNING {
            o.a = WORK_IDLE;
        }
        self.threads[tid].work = NONE;
        self.wake_where(|wt| wt == Wait::Work { obj: w });
    }
}
