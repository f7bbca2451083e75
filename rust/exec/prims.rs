//! Primitive dispatch: decodes the argument registers of a `prim` instruction and calls the
//! implementation (memory, locks, waits, work, context, checks). Context primitives and the
//! BUG_ON/WARN family are small enough to live here.

use super::mem::ListOp;
use super::sync::LockMode;
use super::Execution;
use crate::ir::{Args, Context, ObjKind, Prim};
use crate::oracle::Kind;
use crate::world::Value;

impl Execution<'_> {
    pub(crate) fn exec_prim(&mut self, tid: usize, d: u8, p: Prim, args: Args) {
        let regs = self.prog.arg_regs(args);
        let a = regs.first().map_or(Value::Null, |&r| self.reg(tid, r));
        let b = regs.get(1).map_or(Value::Null, |&r| self.reg(tid, r));
        let c = regs.get(2).map_or(Value::Null, |&r| self.reg(tid, r));
        use LockMode::*;
        use ObjKind as K;
        match p {
            Prim::Kfree => {
                if self.prim_kfree(tid, a) {
                    self.finish_op(tid, d, Value::Null);
                }
            }
            Prim::Lock => self.prim_generic_lock(tid, d, a, true),
            Prim::Unlock => self.prim_generic_lock(tid, d, a, false),
            Prim::MutexLock => self.acquire(
                tid,
                d,
                a,
                K::Mutex,
                Mutex {
                    interruptible: false,
                },
                false,
            ),
            Prim::MutexLockInterruptible => self.acquire(
                tid,
                d,
                a,
                K::Mutex,
                Mutex {
                    interruptible: true,
                },
                false,
            ),
            Prim::MutexTrylock => self.acquire(
                tid,
                d,
                a,
                K::Mutex,
                Mutex {
                    interruptible: false,
                },
                true,
            ),
            Prim::MutexUnlock => self.release(
                tid,
                d,
                a,
                K::Mutex,
                Mutex {
                    interruptible: false,
                },
                b,
            ),
            Prim::MutexIsLocked => self.prim_lock_query(tid, d, a, false),
            Prim::SpinLock => self.acquire(tid, d, a, K::Spinlock, Spin { irq: 0 }, false),
            Prim::SpinUnlock => self.release(tid, d, a, K::Spinlock, Spin { irq: 0 }, b),
            Prim::SpinLockIrq => self.acquire(tid, d, a, K::Spinlock, Spin { irq: 1 }, false),
            Prim::SpinUnlockIrq => self.release(tid, d, a, K::Spinlock, Spin { irq: 1 }, b),
            Prim::SpinLockIrqsave => self.acquire(tid, d, a, K::Spinlock, Spin { irq: 2 }, false),
            Prim::SpinUnlockIrqrestore => self.release(tid, d, a, K::Spinlock, Spin { irq: 2 }, b),
            Prim::SpinLockBh => self.acquire(tid, d, a, K::Spinlock, Spin { irq: 3 }, false),
            Prim::SpinUnlockBh => self.release(tid, d, a, K::Spinlock, Spin { irq: 3 }, b),
            Prim::DownRead => self.acquire(tid, d, a, K::RwSem, Read, false),
            Prim::UpRead => self.release(tid, d, a, K::RwSem, Read, b),
            Prim::DownWrite => self.acquire(tid, d, a, K::RwSem, Write, false),
            Prim::UpWrite => self.release(tid, d, a, K::RwSem, Write, b),
            Prim::DownReadTrylock => self.acquire(tid, d, a, K::RwSem, Read, true),
            Prim::DownWriteTrylock => self.acquire(tid, d, a, K::RwSem, Write, true),
            Prim::LockdepSetNovalidateClass => self.prim_novalidate(tid, d, a),
            Prim::LockdepAssertHeld => self.prim_lock_query(tid, d, a, true),
            Prim::InitCompletion | Prim::ReinitCompletion => self.prim_completion(tid, d, a, 0, 0),
            Prim::Complete => self.prim_completion(tid, d, a, 1, 0),
            Prim::CompleteAll => self.prim_completion(tid, d, a, 2, 0),
            Prim::CompletionDone => self.prim_completion(tid, d, a, 3, 0),
            Prim::WaitForCompletion => self.prim_completion(tid, d, a, 4, 0),
            Prim::WaitForCompletionInterruptible => self.prim_completion(tid, d, a, 4, 1),
            Prim::WaitForCompletionTimeout => self.prim_completion(tid, d, a, 4, 2),
            Prim::WqPrepare => self.prim_waitqueue(tid, d, a, 0, Value::Null),
            Prim::WqWait => self.prim_waitqueue(tid, d, a, 1, b),
            Prim::WqFinish => self.prim_waitqueue(tid, d, a, 2, Value::Null),
            Prim::WakeUp | Prim::WakeUpInterruptible | Prim::WakeUpAll => {
                self.prim_waitqueue(tid, d, a, 3, Value::Null)
            }
            Prim::RcuReadLock => self.prim_rcu_read_lock(tid, d),
            Prim::RcuReadUnlock => self.prim_rcu_read_unlock(tid, d),
            Prim::SynchronizeRcu => self.prim_synchronize_rcu(tid, d),
            Prim::KrefInit => self.prim_kref(tid, d, 0, a, b),
            Prim::KrefGet => self.prim_kref(tid, d, 1, a, b),
            Prim::KrefPut => self.prim_kref(tid, d, 2, a, b),
            Prim::KrefRead => self.prim_kref(tid, d, 3, a, b),
            Prim::ListInit => self.prim_list(tid, d, ListOp::Init, a, b),
            Prim::ListAdd => self.prim_list(tid, d, ListOp::Add, a, b),
            Prim::ListAddTail => self.prim_list(tid, d, ListOp::AddTail, a, b),
            Prim::ListDel => self.prim_list(tid, d, ListOp::Del, a, b),
            Prim::ListDelInit => self.prim_list(tid, d, ListOp::DelInit, a, b),
            Prim::ListEmpty => self.prim_list(tid, d, ListOp::Empty, a, b),
            Prim::ListFirst => self.prim_list(tid, d, ListOp::First, a, b),
            Prim::ListNext => self.prim_list(tid, d, ListOp::Next, a, b),
            Prim::ContainerOf => self.prim_container_of(tid, d, a),
            Prim::InitWork => self.prim_work(tid, d, a, 0, b),
            Prim::ScheduleWork => self.prim_work(tid, d, a, 1, b),
            Prim::CancelWorkSync => self.prim_work(tid, d, a, 2, b),
            Prim::FlushWork => self.prim_work(tid, d, a, 3, b),
            Prim::LocalIrqDisable => self.set_ctx(tid, d, |t| t.irqs_off = 1),
            Prim::LocalIrqEnable => self.set_ctx(tid, d, |t| t.irqs_off = 0),
            Prim::LocalIrqSave => {
                let flags = self.threads[tid].irqs_off as i64;
                self.threads[tid].irqs_off = 1;
                self.finish_op(tid, d, Value::Int(flags));
            }
            Prim::LocalIrqRestore => {
                let f = matches!(a, Value::Int(v) if v != 0) as u32;
                self.set_ctx(tid, d, |t| t.irqs_off = f)
            }
            Prim::PreemptDisable => self.set_ctx(tid, d, |t| t.preempt += 1),
            Prim::PreemptEnable => {
                self.set_ctx(tid, d, |t| t.preempt = t.preempt.saturating_sub(1))
            }
            Prim::LocalBhDisable => self.set_ctx(tid, d, |t| t.softirq += 2),
            Prim::LocalBhEnable => {
                self.set_ctx(tid, d, |t| t.softirq = t.softirq.saturating_sub(2))
            }
            Prim::MightSleep => {
                if self.might_sleep(tid) {
                    self.finish_op(tid, d, Value::Null);
                }
            }
            Prim::Msleep | Prim::Schedule | Prim::CondResched | Prim::YieldCpu => {
                if self.might_sleep(tid) {
                    self.threads[tid].yielded = true;
                    self.finish_op(tid, d, Value::Null);
                }
            }
            Prim::InAtomic => {
                let v = (self.threads[tid].preempt_count() != 0) as i64;
                self.finish_op(tid, d, Value::Int(v))
            }
            Prim::InInterrupt => {
                let t = &self.threads[tid];
                let v = (t.hardirq != 0 || t.softirq & 1 != 0) as i64;
                self.finish_op(tid, d, Value::Int(v))
            }
            Prim::IrqsDisabled => {
                let v = (self.threads[tid].irqs_off != 0) as i64;
                self.finish_op(tid, d, Value::Int(v))
            }
            Prim::CurrentContext => {
                let v = match self.threads[tid].ctx {
                    Context::Process => 0,
                    Context::HardIrq => 1,
                    Context::SoftIrq => 2,
                    Context::Work => 3,
                };
                self.finish_op(tid, d, Value::Int(v))
            }
            Prim::BugOn => {
                if a.truthy() {
                    self.fail_bug_on(tid);
                } else {
                    self.finish_op(tid, d, Value::Null);
                }
            }
            Prim::WarnOn | Prim::Warn => {
                if a.truthy() {
                    let msg = match (p, b) {
                        (Prim::Warn, Value::Str(s)) => self.prog.strings[s as usize].clone(),
                        _ => String::new(),
                    };
                    self.fail_warn(tid, msg, Kind::Warning);
                } else {
                    self.finish_op(tid, d, Value::Int(0));
                }
            }
            Prim::Report => {
                let msg = match a {
                    Value::Str(s) => self.prog.strings[s as usize].clone(),
                    other => format!("{other:?}"),
                };
                self.fail_report(tid, msg);
            }
            Prim::Ioremap => self.prim_ioremap(tid, d, a),
            Prim::Iounmap => self.prim_iounmap(tid, d, a),
            Prim::MmioRead => self.prim_mmio(tid, d, a, b, None),
            Prim::MmioWrite => self.prim_mmio(tid, d, a, b, Some(c)),
        }
    }

    fn set_ctx(&mut self, tid: usize, d: u8, f: impl FnOnce(&mut super::thread::Thread)) {
        f(&mut self.threads[tid]);
        self.finish_op(tid, d, Value::Null);
    }
}
