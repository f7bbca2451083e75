//! Family `rcu`: read-side sections (atomic: sleeping inside one is a bug) and
//! `synchronize_rcu`, which waits until every task that was inside a read-side critical
//! section when it started has left that section (`Thread::rcu_epoch` counts a task's
//! exits). Since the RCU flavours were consolidated (v4.20) a critical section is any region
//! with preemption, interrupts or softirqs disabled, or a running interrupt handler, besides
//! `rcu_read_lock` (`Thread::rcu_reader`). All three are of global reach: always scheduling
//! points.

use super::Operands;
use crate::exec::thread::{Status, Wait};
use crate::exec::Execution;
use crate::oracle::Kind;
use crate::world::Value;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    RcuReadLock,
    RcuReadUnlock,
    SynchronizeRcu,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, _: Operands) {
    match op {
        Op::RcuReadLock => {
            ex.threads[tid].rcu_depth += 1;
            ex.finish_op(tid, d, Value::Null);
        }
        Op::RcuReadUnlock => {
            let t = &mut ex.threads[tid];
            if t.rcu_depth == 0 {
                let msg = "rcu_read_unlock() without a matching rcu_read_lock()".into();
                ex.fail_warn(tid, msg, Kind::Warning);
                return;
            }
            // Leaving the outermost section is a quiescent state only if nothing else
            // (a spinlock, preempt_disable, irqs off) keeps the task a reader: the step
            // loop notices (`Execution::rcu_quiescent`).
            t.rcu_depth -= 1;
            ex.finish_op(tid, d, Value::Null);
        }
        Op::SynchronizeRcu => synchronize(ex, tid, d),
    }
}

fn synchronize(ex: &mut Execution, tid: usize, d: u8) {
    if !ex.threads[tid].retrying {
        if !ex.might_sleep(tid) {
            return;
        }
        let mut snap = std::mem::take(&mut ex.threads[tid].rcu_wait);
        snap.clear();
        for t in 0..ex.nthreads {
            let th = &ex.threads[t];
            if t != tid && th.status != Status::Done && th.rcu_reader() {
                snap.push((t as u32, th.rcu_epoch));
            }
        }
        ex.threads[tid].rcu_wait = snap;
    }
    let threads = &ex.threads;
    let still_reading = ex.threads[tid].rcu_wait.iter().any(|&(t, epoch)| {
        let th = &threads[t as usize];
        th.status != Status::Done && th.rcu_reader() && th.rcu_epoch == epoch
    });
    if still_reading {
        ex.block(tid, Wait::Rcu);
    } else {
        ex.threads[tid].rcu_wait.clear();
        ex.finish_op(tid, d, Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn sections_nest_and_are_atomic() {
        let lock = r#"["prim", 2, "rcu_read_lock", []]"#;
        let unlock = r#"["prim", 2, "rcu_read_unlock", []]"#;
        let sync = r#"["prim", 2, "synchronize_rcu", []]"#;
        run(
            "nested, then sync",
            &[lock, lock, unlock, unlock, sync],
            Expect::Clean,
        );
        run(
            "sync inside",
            &[lock, sync, unlock],
            Expect::Kind("sleep-in-atomic"),
        );
        run("unbalanced", &[unlock], Expect::Kind("warning"));
    }
}
