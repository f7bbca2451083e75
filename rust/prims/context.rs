//! Family `context`: the running thread's own context. irq, preempt and softirq state
//! (`Thread::irqs_off`, `preempt`, `softirq`), the might-sleep check every sleeping primitive
//! makes, timed sleeps (`msleep`: off the CPU until the thread is next picked, see
//! `Thread::sleeping`) and voluntary yields (global reach: always scheduling points, and
//! switching away from them is not a preemption), and the context queries.

use super::Operands;
use crate::exec::thread::Thread;
use crate::exec::Execution;
use crate::ir::Context;
use crate::world::Value;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    LocalIrqDisable,
    LocalIrqEnable,
    LocalIrqSave,
    LocalIrqRestore,
    PreemptDisable,
    PreemptEnable,
    LocalBhDisable,
    LocalBhEnable,
    MightSleep,
    Msleep,
    Schedule,
    CondResched,
    YieldCpu,
    InAtomic,
    InInterrupt,
    IrqsDisabled,
    CurrentContext,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [flags, ..]: Operands) {
    let set = |ex: &mut Execution, f: fn(&mut Thread)| {
        f(&mut ex.threads[tid]);
        ex.finish_op(tid, d, Value::Null);
    };
    let t = &ex.threads[tid];
    let query = |b: bool| Value::Int(b as i64);
    match op {
        Op::LocalIrqDisable => set(ex, |t| t.irqs_off = 1),
        Op::LocalIrqEnable => {
            let was_off = t.irqs_off != 0;
            ex.threads[tid].irqs_off = 0;
            if !was_off || ex.lockdep_irqs_on(tid, true) {
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::LocalIrqSave => {
            let saved = t.irqs_off as i64;
            ex.threads[tid].irqs_off = 1;
            ex.finish_op(tid, d, Value::Int(saved));
        }
        Op::LocalIrqRestore => {
            let was_off = t.irqs_off != 0;
            let off = matches!(flags, Value::Int(v) if v != 0) as u32;
            ex.threads[tid].irqs_off = off;
            if !was_off || off != 0 || ex.lockdep_irqs_on(tid, true) {
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::PreemptDisable => set(ex, |t| t.preempt += 1),
        Op::PreemptEnable => set(ex, |t| t.preempt = t.preempt.saturating_sub(1)),
        Op::LocalBhDisable => set(ex, |t| t.softirq += 2),
        Op::LocalBhEnable => {
            let was_off = t.softirq != 0;
            let now = t.softirq.saturating_sub(2);
            ex.threads[tid].softirq = now;
            if !was_off || now != 0 || ex.lockdep_irqs_on(tid, false) {
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::MightSleep => {
            if ex.might_sleep(tid) {
                ex.finish_op(tid, d, Value::Null);
            }
        }
        // msleep (kernel/time/sleep_timeout.c): schedule_timeout_uninterruptible until the
        // time has passed. The model has no durations, so its timer may fire at any
        // scheduling point: the thread stays runnable, asleep until it is next picked.
        Op::Msleep => {
            if ex.might_sleep(tid) {
                ex.start_sleep(tid);
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::Schedule | Op::CondResched | Op::YieldCpu => {
            if ex.might_sleep(tid) {
                ex.threads[tid].yielded = true;
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::InAtomic => ex.finish_op(tid, d, query(t.preempt_count() != 0)),
        Op::InInterrupt => ex.finish_op(tid, d, query(t.hardirq != 0 || t.softirq & 1 != 0)),
        Op::IrqsDisabled => ex.finish_op(tid, d, query(t.irqs_off != 0)),
        Op::CurrentContext => {
            let v = match t.ctx {
                Context::Process => 0,
                Context::HardIrq => 1,
                Context::SoftIrq => 2,
                Context::Work => 3,
            };
            ex.finish_op(tid, d, Value::Int(v))
        }
    }
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
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn saved_irq_state_nests_and_atomic_context_cannot_sleep() {
        let ok = [
            r#"["prim", 1, "local_irq_save", []]"#,
            r#"["prim", 2, "local_irq_save", []]"#,
            r#"["prim", 3, "local_irq_restore", [2]]"#,
            r#"["prim", 3, "irqs_disabled", []]"#,
            r#"["assert", 3]"#,
            r#"["prim", 3, "local_irq_restore", [1]]"#,
            r#"["prim", 3, "irqs_disabled", []]"#,
            r#"["un", "not", 3, 3]"#,
            r#"["assert", 3]"#,
            r#"["prim", 3, "msleep", [1]]"#,
        ];
        run("irq save/restore, then sleep", &ok, Expect::Clean);
        let bh = [
            r#"["prim", 3, "local_bh_disable", []]"#,
            r#"["prim", 3, "in_atomic", []]"#,
            r#"["assert", 3]"#,
            r#"["prim", 3, "might_sleep", []]"#,
        ];
        run(
            "might_sleep with softirqs off",
            &bh,
            Expect::Kind("sleep-in-atomic"),
        );
    }

    #[test]
    fn a_sleeping_poll_loop_is_not_a_soft_lockup() {
        // while g.val < 4000: g.val += 1; msleep(1) -- 12,000 steps alone, but asleep
        // between them: the watchdog's count starts again whenever the CPU is idle.
        let counted = [
            r#"["load", 1, 8, 1]"#,
            r#"["int", 2, 4000]"#,
            r#"["bin", "ge", 3, 1, 2]"#,
            r#"["jnz", 3, 11]"#,
            r#"["int", 4, 1]"#,
            r#"["bin", "add", 1, 1, 4]"#,
            r#"["store", 8, 1, 1]"#,
            r#"["prim", 5, "msleep", [4]]"#,
            r#"["jmp", 2]"#,
        ];
        run("a counted msleep loop", &counted, Expect::Clean);
        // while not g.val: msleep(10) -- nothing sets it: the idle state repeats, and the
        // task that never returns is reported as stranded, not as a lockup or a hung task.
        let forever = [
            r#"["load", 1, 8, 1]"#,
            r#"["jnz", 1, 7]"#,
            r#"["int", 2, 10]"#,
            r#"["prim", 3, "msleep", [2]]"#,
            r#"["jmp", 2]"#,
        ];
        run(
            "a poll nothing ends",
            &forever,
            Expect::Kind("stranded-waiter"),
        );
        // The same loop without the sleep spins: a soft lockup.
        let spin = [r#"["load", 1, 8, 1]"#, r#"["jnz", 1, 5]"#, r#"["jmp", 2]"#];
        run("a spin nothing ends", &spin, Expect::Kind("soft-lockup"));
    }
}
