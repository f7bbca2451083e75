//! The closed set of kernel primitives a model may call, with their names and arities.
//!
//! The Python side (`pyfuzz/model/prims.py`) holds the same name/arity table; the loader
//! rejects any name or argument count not listed here. Semantics live in `exec::prims`.

macro_rules! primitives {
    ($($variant:ident = $name:literal / $arity:literal),* $(,)?) => {
        /// A kernel primitive (see docs/ir.md for the semantics of each).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Prim { $($variant),* }

        impl Prim {
            /// Looks a primitive up by its model-language name.
            pub fn from_name(name: &str) -> Option<Prim> {
                match name { $($name => Some(Prim::$variant),)* _ => None }
            }
            /// The model-language name.
            pub fn name(self) -> &'static str {
                match self { $(Prim::$variant => $name),* }
            }
            /// The number of arguments the primitive takes.
            pub fn arity(self) -> usize {
                match self { $(Prim::$variant => $arity),* }
            }
        }
    };
}

primitives! {
    Kfree = "kfree" / 1,
    Lock = "lock" / 1,
    Unlock = "unlock" / 1,
    MutexLock = "mutex_lock" / 1,
    MutexLockInterruptible = "mutex_lock_interruptible" / 1,
    MutexTrylock = "mutex_trylock" / 1,
    MutexUnlock = "mutex_unlock" / 1,
    MutexIsLocked = "mutex_is_locked" / 1,
    SpinLock = "spin_lock" / 1,
    SpinUnlock = "spin_unlock" / 1,
    SpinLockIrq = "spin_lock_irq" / 1,
    SpinUnlockIrq = "spin_unlock_irq" / 1,
    SpinLockBh = "spin_lock_bh" / 1,
    SpinUnlockBh = "spin_unlock_bh" / 1,
    SpinLockIrqsave = "spin_lock_irqsave" / 1,
    SpinUnlockIrqrestore = "spin_unlock_irqrestore" / 2,
    DownRead = "down_read" / 1,
    UpRead = "up_read" / 1,
    DownWrite = "down_write" / 1,
    UpWrite = "up_write" / 1,
    DownReadTrylock = "down_read_trylock" / 1,
    DownWriteTrylock = "down_write_trylock" / 1,
    LockdepSetNovalidateClass = "lockdep_set_novalidate_class" / 1,
    LockdepAssertHeld = "lockdep_assert_held" / 1,
    InitCompletion = "init_completion" / 1,
    ReinitCompletion = "reinit_completion" / 1,
    Complete = "complete" / 1,
    CompleteAll = "complete_all" / 1,
    WaitForCompletion = "wait_for_completion" / 1,
    WaitForCompletionInterruptible = "wait_for_completion_interruptible" / 1,
    WaitForCompletionTimeout = "wait_for_completion_timeout" / 2,
    CompletionDone = "completion_done" / 1,
    WqPrepare = "wq_prepare" / 1,
    WqWait = "wq_wait" / 2,
    WqFinish = "wq_finish" / 1,
    WakeUp = "wake_up" / 1,
    WakeUpInterruptible = "wake_up_interruptible" / 1,
    WakeUpAll = "wake_up_all" / 1,
    RcuReadLock = "rcu_read_lock" / 0,
    RcuReadUnlock = "rcu_read_unlock" / 0,
    SynchronizeRcu = "synchronize_rcu" / 0,
    KrefInit = "kref_init" / 1,
    KrefGet = "kref_get" / 1,
    KrefPut = "kref_put" / 2,
    KrefRead = "kref_read" / 1,
    ListInit = "list_init" / 1,
    ListAdd = "list_add" / 2,
    ListAddTail = "list_add_tail" / 2,
    ListDel = "list_del" / 1,
    ListDelInit = "list_del_init" / 1,
    ListEmpty = "list_empty" / 1,
    ListFirst = "list_first" / 1,
    ListNext = "list_next" / 2,
    ContainerOf = "container_of" / 1,
    InitWork = "init_work" / 2,
    ScheduleWork = "schedule_work" / 1,
    CancelWorkSync = "cancel_work_sync" / 1,
    FlushWork = "flush_work" / 1,
    LocalIrqDisable = "local_irq_disable" / 0,
    LocalIrqEnable = "local_irq_enable" / 0,
    LocalIrqSave = "local_irq_save" / 0,
    LocalIrqRestore = "local_irq_restore" / 1,
    PreemptDisable = "preempt_disable" / 0,
    PreemptEnable = "preempt_enable" / 0,
    LocalBhDisable = "local_bh_disable" / 0,
    LocalBhEnable = "local_bh_enable" / 0,
    MightSleep = "might_sleep" / 0,
    Msleep = "msleep" / 1,
    Schedule = "schedule" / 0,
    CondResched = "cond_resched" / 0,
    YieldCpu = "yield_cpu" / 0,
    InAtomic = "in_atomic" / 0,
    InInterrupt = "in_interrupt" / 0,
    IrqsDisabled = "irqs_disabled" / 0,
    BugOn = "BUG_ON" / 1,
    WarnOn = "WARN_ON" / 1,
    Warn = "WARN" / 2,
    Report = "report" / 1,
    Ioremap = "ioremap" / 1,
    Iounmap = "iounmap" / 1,
    MmioRead = "mmio_read" / 2,
    MmioWrite = "mmio_write" / 3,
    CurrentContext = "current_context" / 0,
}
