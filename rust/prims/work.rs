//! Family `work`: `struct work_struct`. `schedule_work` spawns a worker thread in work
//! context that calls the work function with the item (and publishes the item: the worker
//! reaches it); `cancel_work_sync` dequeues a pending item or waits for a running one;
//! `flush_work` waits until the item is idle. The item's value holds the work function.

use super::Operands;
use crate::exec::thread::{Status, Wait};
use crate::exec::{Execution, MAX_THREADS};
use crate::ir::{Context, ObjKind};
use crate::world::{Obj, ObjState, Value, NONE};

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    InitWork,
    ScheduleWork,
    CancelWorkSync,
    FlushWork,
}

/// Where a work item is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    /// Queued: its worker has not started.
    Pending,
    Running,
}

/// A work item's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkState {
    pub phase: Phase,
    /// The worker thread of the last `schedule_work`.
    pub worker: u32,
}

impl Obj {
    fn work(&mut self) -> &mut WorkState {
        match &mut self.state {
            ObjState::Work(w) => w,
            _ => unreachable!("a work object has a work state"),
        }
    }
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [w, func, _]: Operands) {
    let Some(r) = ex.prim_obj(tid, w, ObjKind::Work) else {
        return;
    };
    let i = r.idx as usize;
    let slot = ex.world.objs[i].vals_start as usize;
    let st = *ex.world.objs[i].work();
    match op {
        Op::InitWork => {
            match func {
                Value::Func(f) if ex.prog.functions[f as usize].params == 1 => {}
                _ => {
                    ex.model_error(tid, "init_work needs a function taking the work".into());
                    return;
                }
            }
            ex.world.vals[slot] = func;
            ex.finish_op(tid, d, Value::Null);
        }
        Op::ScheduleWork => {
            if st.phase == Phase::Pending {
                ex.finish_op(tid, d, Value::Int(0));
                return;
            }
            let Value::Func(f) = ex.world.vals[slot] else {
                ex.fail_null_deref(tid, 0);
                return;
            };
            let Some(w) = (ex.prog.actors.len()..MAX_THREADS)
                .find(|&t| t >= ex.nthreads || ex.threads[t].status == Status::Done)
            else {
                ex.model_error(tid, format!("more than {MAX_THREADS} threads"));
                return;
            };
            // The worker reaches the work item: it is shared from now on.
            ex.publish_allocation(r.idx);
            ex.threads[w].reset(NONE, Context::Work);
            ex.threads[w].work = r.idx;
            ex.threads[w].name_actor = NONE;
            ex.nthreads = ex.nthreads.max(w + 1);
            ex.set_status(w, Status::Runnable);
            ex.push_frame(w, f, &[Value::Ref(r)], 0, None);
            *ex.world.objs[i].work() = WorkState {
                phase: Phase::Pending,
                worker: w as u32,
            };
            ex.finish_op(tid, d, Value::Int(1));
        }
        Op::CancelWorkSync | Op::FlushWork => {
            if !ex.threads[tid].retrying && !ex.might_sleep(tid) {
                return;
            }
            let worker = st.worker as usize;
            if op == Op::CancelWorkSync && st.phase == Phase::Pending && !ex.threads[tid].retrying {
                // Not started yet: dequeue it.
                ex.set_status(worker, Status::Done);
                ex.threads[worker].frames.clear();
                ex.threads[worker].regs.clear();
                ex.world.objs[i].work().phase = Phase::Idle;
                ex.finish_op(tid, d, Value::Int(1));
            } else if st.phase == Phase::Idle || worker == tid {
                ex.finish_op(tid, d, Value::Int(0));
            } else {
                ex.block(tid, Wait::Work { obj: r.idx });
            }
        }
    }
}

impl Execution<'_> {
    /// Marks a work item running when its worker first runs.
    pub(crate) fn work_started(&mut self, tid: usize) {
        let w = self.threads[tid].work;
        if w != NONE && !self.threads[tid].work_started {
            self.threads[tid].work_started = true;
            let st = self.world.objs[w as usize].work();
            if st.worker == tid as u32 {
                st.phase = Phase::Running;
            }
        }
    }

    /// The worker's function returned: the item is idle again unless it was re-queued.
    pub(crate) fn work_finished(&mut self, tid: usize) {
        let w = self.threads[tid].work;
        let st = self.world.objs[w as usize].work();
        if st.worker == tid as u32 && st.phase == Phase::Running {
            st.phase = Phase::Idle;
        }
        self.threads[tid].work = NONE;
        self.wake_where(|wt| wt == Wait::Work { obj: w });
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn needs_a_function_and_idle_items_do_not_wait() {
        let idle = [
            r#"["load", 1, 8, 9]"#,
            r#"["prim", 2, "flush_work", [1]]"#,
            r#"["prim", 2, "cancel_work_sync", [1]]"#,
            r#"["un", "not", 2, 2]"#,
            r#"["assert", 2]"#,
        ];
        run("flush and cancel an idle item", &idle, Expect::Clean);
        let unset = [idle[0], r#"["prim", 2, "schedule_work", [1]]"#];
        run(
            "schedule without init_work",
            &unset,
            Expect::Kind("null-deref"),
        );
        let bad = [
            idle[0],
            r#"["func", 3, 0]"#,
            r#"["prim", 2, "init_work", [1, 3]]"#,
        ];
        run(
            "a work function taking no work",
            &bad,
            Expect::Kind("model-error"),
        );
    }
}
