//! Family `waitqueue`: `wait_queue_head_t` with the prepare/wait/finish protocol that
//! `wait_event` expands to, so no wake-up is lost between the condition test and the sleep:
//! `wq_prepare` registers the task (`Thread::wq`), a wake-up marks every registered task
//! woken, and `wq_wait` sleeps only if it was not woken since it registered. As in
//! `__wake_up(wq, TASK_INTERRUPTIBLE, ...)`, `wake_up_interruptible` wakes only tasks that
//! sleep interruptibly (`wait_event_interruptible`); `wake_up` and `wake_up_all` wake both.

use super::Operands;
use crate::exec::thread::{Status, Wait};
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::world::{Value, NONE};

/// -ERESTARTSYS: what an interrupted interruptible sleep returns.
pub(crate) const ERESTARTSYS: i64 = -512;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    WqPrepare,
    WqWait,
    WqFinish,
    WakeUp,
    WakeUpInterruptible,
    WakeUpAll,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [wq, mode, _]: Operands) {
    let Some(r) = ex.prim_obj(tid, wq, ObjKind::WaitQueue) else {
        return;
    };
    match op {
        Op::WqPrepare => {
            let t = &mut ex.threads[tid];
            t.wq = r.idx;
            t.wq_woken = false;
            t.wq_woken_intr = false;
            t.timed_out = false;
            ex.finish_op(tid, d, Value::Null);
        }
        Op::WqWait => {
            let mode = match mode {
                Value::Int(m @ 0..=2) => m as u8,
                _ => {
                    ex.model_error(tid, "wq_wait mode must be 0, 1 or 2".into());
                    return;
                }
            };
            if !ex.threads[tid].retrying && !ex.might_sleep(tid) {
                return;
            }
            let t = &mut ex.threads[tid];
            if t.wq != r.idx {
                ex.model_error(tid, "wq_wait without wq_prepare on this queue".into());
                return;
            }
            // ___wait_event: the condition was false, and an interruptible sleep with a
            // signal pending (a stopped kthread's TIF_NOTIFY_SIGNAL) ends with
            // -ERESTARTSYS instead of sleeping (prepare_to_wait_event).
            if mode == 1 && ex.signal_pending(tid) {
                ex.finish_op(tid, d, Value::Int(ERESTARTSYS));
                return;
            }
            let t = &mut ex.threads[tid];
            if t.wq_woken || (t.wq_woken_intr && mode == 1) {
                t.wq_woken = false;
                t.wq_woken_intr = false;
                ex.finish_op(tid, d, Value::Int(0));
            } else if t.timed_out {
                t.timed_out = false;
                ex.finish_op(tid, d, Value::Int(1));
            } else {
                ex.block(tid, Wait::WaitQueue { obj: r.idx, mode });
            }
        }
        Op::WqFinish => {
            let t = &mut ex.threads[tid];
            t.wq = NONE;
            t.wq_woken = false;
            t.wq_woken_intr = false;
            ex.finish_op(tid, d, Value::Null);
        }
        Op::WakeUp | Op::WakeUpInterruptible | Op::WakeUpAll => {
            let only_interruptible = op == Op::WakeUpInterruptible;
            for t in 0..ex.nthreads {
                if ex.threads[t].status == Status::Done || ex.threads[t].wq != r.idx {
                    continue;
                }
                match ex.threads[t].wait {
                    // Asleep: its mode says whether this wake-up reaches it.
                    Wait::WaitQueue { obj, mode } if obj == r.idx => {
                        if !only_interruptible || mode == 1 {
                            ex.threads[t].wq_woken = true;
                            ex.unblock(t);
                        }
                    }
                    // Registered, not asleep yet: `wq_wait` decides with its mode.
                    _ if only_interruptible => ex.threads[t].wq_woken_intr = true,
                    _ => ex.threads[t].wq_woken = true,
                }
            }
            ex.finish_op(tid, d, Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn a_wake_up_after_prepare_is_not_lost() {
        let ok = [
            r#"["load", 1, 8, 6]"#,
            r#"["prim", 2, "wq_prepare", [1]]"#,
            r#"["prim", 2, "wake_up", [1]]"#,
            r#"["int", 3, 0]"#,
            r#"["prim", 2, "wq_wait", [1, 3]]"#,
            r#"["prim", 2, "wq_finish", [1]]"#,
        ];
        run("woken between prepare and wait", &ok, Expect::Clean);
        let lost = [ok[0], ok[2], ok[1], ok[3], ok[4]];
        run("woken before prepare", &lost, Expect::Kind("hung-task"));
        // wake_up_interruptible reaches an interruptible sleeper (mode 1) only.
        let intr = |mode: &'static str| {
            [
                ok[0],
                ok[1],
                r#"["prim", 2, "wake_up_interruptible", [1]]"#,
                mode,
                ok[4],
                ok[5],
            ]
        };
        run(
            "wake_up_interruptible, then an interruptible wait",
            &intr(r#"["int", 3, 1]"#),
            Expect::Clean,
        );
        run(
            "wake_up_interruptible, then an uninterruptible wait",
            &intr(r#"["int", 3, 0]"#),
            Expect::Kind("hung-task"),
        );
        let unprepared = [ok[0], ok[3], ok[4]];
        run(
            "wait without prepare",
            &unprepared,
            Expect::Kind("model-error"),
        );
    }
}
