//! The primitive table: the one list of kernel primitives a model may call. Each entry gives
//! the IR name, the argument names (their count is the arity), the *reach* the partial-order
//! reduction reads (`Local`, `Args` or `Global`, see `prims::Reach`), and a one-line doc that
//! docs/ir.md repeats word for word; entries are grouped by family, and the family is the
//! module (`prims::<family>`) whose `Op` enum has a variant of the same name. The table is an
//! X-macro: `prims/mod.rs` expands it into the `Prim` enum, its metadata and the dispatch, so
//! an entry missing a field, or a family missing the variant, does not compile.

/// Calls `$then! { family { Variant = "name" [args] Reach "doc"; ... } ... }` with the table.
macro_rules! primitive_table {
    ($then:ident) => {
        $then! {
            alloc {
                Kfree = "kfree" [p] Args
                    "free p's allocation (None: no-op); p must be the allocation base";
                ContainerOf = "container_of" [p] Local
                    "the object that embeds p (None if p is not embedded); pointer arithmetic: reads nothing, not a scheduling point";
            }
            kref {
                KrefInit = "kref_init" [k] Args "count = 1";
                KrefGet = "kref_get" [k] Args
                    "+1 (from 0: `refcount_t: addition on 0; use-after-free.`)";
                KrefPut = "kref_put" [k, release] Args
                    "-1; at 0 calls `release(k)`; returns 1 if released (below 0: underflow)";
                KrefRead = "kref_read" [k] Args "the count";
            }
            list {
                ListInit = "list_init" [h] Args "empty";
                ListAdd = "list_add" [new, head] Args
                    "add `new` after head; `new` must not be on a list (else list_add corruption)";
                ListAddTail = "list_add_tail" [new, head] Args
                    "add `new` before head (at the tail), with the same checks as `list_add`";
                ListDel = "list_del" [e] Args
                    "unlink and poison (a second `list_del` is list_del corruption)";
                ListDelInit = "list_del_init" [e] Args "unlink and re-init";
                ListEmpty = "list_empty" [h] Args "1/0";
                ListFirst = "list_first" [h] Args "the first entry's list node, or None";
                ListNext = "list_next" [e, h] Args "the next node after e, or None at the end";
            }
            lock {
                Lock = "lock" [l] Args
                    "generic acquire used by `with l:`: mutex_lock, spin_lock or down_write by the lock's kind";
                Unlock = "unlock" [l] Args
                    "generic release used by `with l:`: mutex_unlock, spin_unlock or up_write";
                MutexLock = "mutex_lock" [m] Args
                    "might sleep; blocks (D state) while owned; lockdep checks";
                MutexLockInterruptible = "mutex_lock_interruptible" [m] Args
                    "as `mutex_lock`, but the wait is interruptible; returns 0";
                MutexTrylock = "mutex_trylock" [m] Args "1 if taken, else 0; never blocks";
                MutexUnlock = "mutex_unlock" [m] Args "must be held by the current task";
                MutexIsLocked = "mutex_is_locked" [m] Args "1 if anyone holds it";
                SpinLock = "spin_lock" [s] Args "spins while owned; preempt count +1";
                SpinUnlock = "spin_unlock" [s] Args "preempt count -1";
                SpinLockIrq = "spin_lock_irq" [s] Args "`spin_lock`, and disables irqs";
                SpinUnlockIrq = "spin_unlock_irq" [s] Args "`spin_unlock`, and enables irqs";
                SpinLockBh = "spin_lock_bh" [s] Args "`spin_lock`, and disables softirqs";
                SpinUnlockBh = "spin_unlock_bh" [s] Args "`spin_unlock`, and enables softirqs";
                SpinLockIrqsave = "spin_lock_irqsave" [s] Args
                    "`spin_lock_irq`; returns flags (the previous irq-disable state)";
                SpinUnlockIrqrestore = "spin_unlock_irqrestore" [s, flags] Args
                    "`spin_unlock`, and restores the irq state from flags";
                DownRead = "down_read" [r] Args
                    "rw_semaphore read acquire (D-state wait while a writer holds it, or waits while readers hold it)";
                UpRead = "up_read" [r] Args "read release";
                DownWrite = "down_write" [r] Args
                    "write acquire (D-state wait while anyone holds it)";
                UpWrite = "up_write" [r] Args "write release";
                DownReadTrylock = "down_read_trylock" [r] Args
                    "1 if read-acquired (no writer holds it, nobody waits), else 0";
                DownWriteTrylock = "down_write_trylock" [r] Args "1 if write-acquired (nobody holds it, nobody waits), else 0";
            }
            lockdep {
                LockdepSetNovalidateClass = "lockdep_set_novalidate_class" [l] Args
                    "this lock is invisible to lockdep (device_lock)";
                LockdepAssertHeld = "lockdep_assert_held" [l] Args
                    "WARN unless the current task holds l";
            }
            completion {
                InitCompletion = "init_completion" [c] Args "done = 0";
                ReinitCompletion = "reinit_completion" [c] Args "done = 0";
                Complete = "complete" [c] Args "done += 1; wakes waiters";
                CompleteAll = "complete_all" [c] Args "done = infinity; wakes waiters";
                WaitForCompletion = "wait_for_completion" [c] Args
                    "might sleep; D-state wait for done > 0, then done -= 1 (unless all)";
                WaitForCompletionInterruptible = "wait_for_completion_interruptible" [c] Args
                    "as `wait_for_completion`, but the wait is interruptible; returns 0";
                WaitForCompletionTimeout = "wait_for_completion_timeout" [c, ticks] Args
                    "returns 1 if completed, 0 if timed out (timeouts fire only when nothing else can run)";
                CompletionDone = "completion_done" [c] Args "1 if done > 0";
            }
            waitqueue {
                WqPrepare = "wq_prepare" [wq] Args
                    "register the current task as a waiter on wq (not woken yet)";
                WqWait = "wq_wait" [wq, mode] Args
                    "mode 0 uninterruptible, 1 interruptible, 2 uninterruptible with timeout; might sleep; blocks unless woken since `wq_prepare`; returns 1 if it timed out, -ERESTARTSYS (-512) for mode 1 with a signal pending (a stopped kthread), else 0";
                WqFinish = "wq_finish" [wq] Args "deregister";
                WakeUp = "wake_up" [wq] Args "wake every registered waiter";
                WakeUpInterruptible = "wake_up_interruptible" [wq] Args
                    "wake the registered waiters that sleep interruptibly";
                WakeUpAll = "wake_up_all" [wq] Args "wake every registered waiter";
            }
            rcu {
                RcuReadLock = "rcu_read_lock" [] Global "enter an RCU read-side section (atomic)";
                RcuReadUnlock = "rcu_read_unlock" [] Global "leave it";
                SynchronizeRcu = "synchronize_rcu" [] Global
                    "might sleep; waits until every task that was inside a read-side critical section (rcu_read_lock, irqs/preemption/softirqs off, an interrupt handler) has left it";
            }
            work {
                InitWork = "init_work" [w, func] Args
                    "INIT_WORK: set the work function (called as `func(w)`); w is a plain work item";
                InitDelayedWork = "init_delayed_work" [dw, func] Args
                    "INIT_DELAYED_WORK: as `init_work`, and dw is a delayed work item";
                ScheduleWork = "schedule_work" [w] Global
                    "queue w and return 1, or 0 if it is pending or a `cancel_*_sync` is running; queued while its function runs, it runs again after that returns, never on two workers at once";
                ScheduleDelayedWork = "schedule_delayed_work" [dw, delay] Global
                    "as `schedule_work`; with delay > 0 a timer queues it at a point the scheduler picks";
                ModDelayedWork = "mod_delayed_work" [dw, delay] Global
                    "pending: re-arm with the new delay, 1; else queue as `schedule_delayed_work`, 0 (during a `cancel_*_sync`: 0, not queued)";
                CancelWork = "cancel_work" [w] Args
                    "dequeue w if pending, return 1 if it was; does not wait for a running function";
                CancelDelayedWork = "cancel_delayed_work" [dw] Args
                    "`cancel_work` for a delayed work item (an armed timer is deleted)";
                CancelWorkSync = "cancel_work_sync" [w] Args
                    "might sleep; dequeue if pending, refuse queueing meanwhile, wait for a running function; returns 1 if it was pending (on itself: deadlock)";
                CancelDelayedWorkSync = "cancel_delayed_work_sync" [dw] Args
                    "`cancel_work_sync` for a delayed work item (an armed timer is deleted)";
                FlushWork = "flush_work" [w] Args
                    "might sleep; wait until the last queued instance (not an armed timer) has finished; returns 1 if it waited (on itself: deadlock)";
                FlushDelayedWork = "flush_delayed_work" [dw] Args
                    "might sleep; an armed timer fires now, then `flush_work`";
                NameIrqThread = "name_irq_thread" [w, irq, name] Args
                    "name the thread that runs w `irq/<irq>-<name>` (name a string), as setup_irq_thread's kthread_create names the IRQ thread the library models as a work item";
            }
            kthread {
                KthreadRun = "kthread_run" [func, data, name] Global
                    "start a kernel thread named name (a string) running `func(data)` in process context; returns its task (a reference); might sleep";
                KthreadShouldStop = "kthread_should_stop" [] Global
                    "1 once `kthread_stop` was called on the running kthread (a model error in any other thread)";
                KthreadStop = "kthread_stop" [task] Global
                    "might sleep; set should-stop and TIF_NOTIFY_SIGNAL, wake the thread (`wake_up_process`: an interruptible sleep ends with -ERESTARTSYS or -EINTR, a `wait_event` re-tests its condition), wait (D state) for it to exit; returns what func returned (-EINTR if it never ran); on a task that already exited by itself: use-after-free";
                SignalPending = "signal_pending" [] Global
                    "1 in a kthread that `kthread_stop` was called on (TIF_NOTIFY_SIGNAL, never cleared in a kthread), else 0 (the model sends no signals)";
            }
            context {
                LocalIrqDisable = "local_irq_disable" [] Local "irqs off";
                LocalIrqEnable = "local_irq_enable" [] Local "irqs on";
                LocalIrqSave = "local_irq_save" [] Local "irqs off; returns the previous state";
                LocalIrqRestore = "local_irq_restore" [flags] Local "irqs as saved in flags";
                PreemptDisable = "preempt_disable" [] Local "preempt count +1";
                PreemptEnable = "preempt_enable" [] Local "preempt count -1";
                LocalBhDisable = "local_bh_disable" [] Local "softirqs off (nests)";
                LocalBhEnable = "local_bh_enable" [] Local "softirqs on";
                MightSleep = "might_sleep" [] Local "the might-sleep check only";
                Msleep = "msleep" [ms] Global "might sleep; a timed sleep: off the CPU until its timer fires, at any later scheduling point (a preemption while a thread that is awake could run instead)";
                Schedule = "schedule" [] Global "might sleep; a voluntary yield point";
                CondResched = "cond_resched" [] Global "might sleep; a voluntary yield point";
                YieldCpu = "yield_cpu" [] Global "might sleep; a voluntary yield point";
                InAtomic = "in_atomic" [] Local "1 if the preempt count is not 0";
                InInterrupt = "in_interrupt" [] Local "1 in hardirq or softirq context";
                IrqsDisabled = "irqs_disabled" [] Local "1 if irqs are off";
                CurrentContext = "current_context" [] Local
                    "0 process, 1 hardirq, 2 softirq, 3 work";
            }
            check {
                BugOn = "BUG_ON" [c] Local "`kernel BUG at <file>:<line>!` if c";
                WarnOn = "WARN_ON" [c] Local "a WARNING if c; returns c";
                Warn = "WARN" [c, msg] Local "as `WARN_ON`, with a message (a string)";
                WarnPrintf = "__WARN_printf" [fmt, a, b] Local
                    "a WARNING whose message is fmt with its %d/%u/%x/%s filled by a, then b (a firing `WARN(c, fmt, a, b)`)";
                Report = "report" [msg] Local
                    "a report whose first line is msg (the kernel library's dev_crit/pci_warn oracles)";
            }
            err {
                IsErr = "IS_ERR" [p] Local
                    "1 if p is an error pointer (`ERR_PTR(-errno)`, here the int -4095..-1)";
                IsErrOrNull = "IS_ERR_OR_NULL" [p] Local "1 if p is an error pointer or None";
                PtrErr = "PTR_ERR" [p] Local "the errno of an error pointer (0 for a valid one)";
                ErrPtr = "ERR_PTR" [e] Local
                    "the error pointer of a negative errno (0: None); dereferencing one is a page fault";
            }
            mmio {
                Ioremap = "ioremap" [size] Local "a new MMIO mapping of size registers (a reference)";
                Iounmap = "iounmap" [io] Args
                    "unmap; a later access is `BUG: unable to handle page fault` (a read or write access, as the access was)";
                MmioRead = "mmio_read" [io, off] Args
                    "the last value written at off (0 initially)";
                MmioWrite = "mmio_write" [io, off, v] Args "write v at off";
            }
        }
    };
}

pub(crate) use primitive_table;
