//! Family `completion`: `struct completion`, a count of completions with D-state,
//! interruptible and timed waits. `complete_all` makes the count infinite (`ALL`), so every
//! later wait returns at once until `reinit_completion`.

use super::Operands;
use crate::exec::thread::Wait;
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::world::{Obj, ObjState, Value};

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    InitCompletion,
    ReinitCompletion,
    Complete,
    CompleteAll,
    WaitForCompletion,
    WaitForCompletionInterruptible,
    WaitForCompletionTimeout,
    CompletionDone,
}

/// A completion's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompletionState {
    /// Completions not yet consumed by a wait, or `ALL`.
    pub done: i64,
}

/// `done` after `complete_all`: completed for every waiter.
pub const ALL: i64 = i64::MAX / 2;

impl Obj {
    fn completion(&mut self) -> &mut CompletionState {
        match &mut self.state {
            ObjState::Completion(c) => c,
            _ => unreachable!("a completion object has a completion state"),
        }
    }
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [c, ..]: Operands) {
    let Some(r) = ex.prim_obj(tid, c, ObjKind::Completion) else {
        return;
    };
    let i = r.idx as usize;
    let done = ex.world.objs[i].completion().done;
    // Wait modes, as in `Wait::Completion`: 0 D state, 1 interruptible, 2 D state, timed.
    let mode = match op {
        Op::InitCompletion | Op::ReinitCompletion => {
            ex.world.objs[i].completion().done = 0;
            return ex.finish_op(tid, d, Value::Null);
        }
        Op::Complete | Op::CompleteAll => {
            ex.world.objs[i].completion().done = if op == Op::CompleteAll {
                ALL
            } else {
                (done + 1).min(ALL)
            };
            let obj = r.idx;
            ex.wake_where(|w| matches!(w, Wait::Completion { obj: o, .. } if o == obj));
            return ex.finish_op(tid, d, Value::Null);
        }
        Op::CompletionDone => return ex.finish_op(tid, d, Value::Int((done > 0) as i64)),
        Op::WaitForCompletion => 0,
        Op::WaitForCompletionInterruptible => 1,
        Op::WaitForCompletionTimeout => 2,
    };
    if !ex.threads[tid].retrying && !ex.might_sleep(tid) {
        return;
    }
    if done > 0 {
        if done != ALL {
            ex.world.objs[i].completion().done = done - 1;
        }
        let res = if mode == 2 { 1 } else { 0 };
        ex.finish_op(tid, d, Value::Int(res));
    } else if mode == 1 && ex.signal_pending(tid) {
        // do_wait_for_common: signal_pending_state(TASK_INTERRUPTIBLE) ends the wait.
        ex.finish_op(tid, d, Value::Int(super::waitqueue::ERESTARTSYS));
    } else if mode == 2 && ex.threads[tid].timed_out {
        ex.threads[tid].timed_out = false;
        ex.finish_op(tid, d, Value::Int(0));
    } else {
        ex.block(tid, Wait::Completion { obj: r.idx, mode });
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn counts_all_and_timeouts() {
        let ok = [
            r#"["load", 1, 8, 5]"#,
            r#"["prim", 2, "complete_all", [1]]"#,
            r#"["prim", 2, "wait_for_completion", [1]]"#,
            r#"["prim", 2, "wait_for_completion", [1]]"#,
            r#"["prim", 2, "completion_done", [1]]"#,
            r#"["assert", 2]"#,
            r#"["prim", 2, "reinit_completion", [1]]"#,
            r#"["int", 3, 10]"#,
            r#"["prim", 2, "wait_for_completion_timeout", [1, 3]]"#,
            r#"["un", "not", 2, 2]"#,
            r#"["assert", 2]"#,
        ];
        run("complete_all, then a timeout", &ok, Expect::Clean);
        let hung = [ok[0], r#"["prim", 2, "wait_for_completion", [1]]"#];
        run("nobody completes", &hung, Expect::Kind("hung-task"));
        let stranded = [
            ok[0],
            r#"["prim", 2, "wait_for_completion_interruptible", [1]]"#,
        ];
        run("interruptible", &stranded, Expect::Kind("stranded-waiter"));
    }
}
