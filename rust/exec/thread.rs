//! A model thread: a call stack over the IR, its context (atomic counters), held locks,
//! wait state and the actions its actor still has to perform.

use crate::ir::Context;
use crate::world::{Value, NONE};

/// One activation record.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub func: u32,
    pub pc: u32,
    /// First register of this frame in `Thread::regs`.
    pub base: u32,
    /// Caller's destination register for the return value.
    pub ret_dst: u8,
    /// When set, the caller receives this value instead of the callee's result (kref_put).
    pub ret_override: Option<Value>,
}

/// Why a thread cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    None,
    /// Waiting for a mutex (interruptible or not).
    Mutex {
        obj: u32,
        interruptible: bool,
    },
    /// Spinning on a spinlock.
    Spin {
        obj: u32,
    },
    /// Waiting for an rw_semaphore (read or write).
    RwSem {
        obj: u32,
        write: bool,
    },
    /// Waiting for a completion; mode 0 D-state, 1 interruptible, 2 D-state with timeout.
    Completion {
        obj: u32,
        mode: u8,
    },
    /// Sleeping on a wait queue, same modes.
    WaitQueue {
        obj: u32,
        mode: u8,
    },
    /// Waiting for an RCU grace period.
    Rcu,
    /// Waiting for a work item's instance to finish (flush_work, cancel_work_sync).
    Work {
        obj: u32,
    },
    /// Waiting for a kthread to exit (kthread_stop); obj is its task_struct.
    Kthread {
        obj: u32,
    },
}

impl Wait {
    /// The lock a thread waits for, if it waits for a lock (for the wait-for graph).
    pub fn lock(self) -> Option<u32> {
        match self {
            Wait::Mutex { obj, .. } | Wait::Spin { obj } | Wait::RwSem { obj, .. } => Some(obj),
            _ => None,
        }
    }

    /// TASK_INTERRUPTIBLE waits are invisible to the hung-task detector.
    pub fn interruptible(self) -> bool {
        match self {
            Wait::Mutex { interruptible, .. } => interruptible,
            Wait::Completion { mode, .. } | Wait::WaitQueue { mode, .. } => mode == 1,
            _ => false,
        }
    }

    /// Whether the wait ends by itself when nothing else can run.
    pub fn has_timeout(self) -> bool {
        matches!(
            self,
            Wait::Completion { mode: 2, .. } | Wait::WaitQueue { mode: 2, .. }
        )
    }
}

/// Run state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Runnable,
    Blocked,
    Done,
}

/// A held lock, in acquisition order.
#[derive(Clone, Copy, Debug)]
pub struct Held {
    pub obj: u32,
    pub class: u32,
    /// Whether lockdep tracks it (validated class, lockdep on).
    pub validated: bool,
    pub read: bool,
    /// Where it was taken: function and pc.
    pub func: u32,
    pub pc: u32,
}

/// A model thread.
#[derive(Clone, Debug)]
pub struct Thread {
    /// Actor index, or NONE for a thread spawned at run time (a worker for `schedule_work`,
    /// a kthread for `kthread_run`).
    pub actor: u32,
    pub name_actor: u32,
    pub ctx: Context,
    pub status: Status,
    pub wait: Wait,
    pub frames: Vec<Frame>,
    pub regs: Vec<Value>,
    /// Chosen action indices of the actor, and the next one to start.
    pub actions: Vec<u32>,
    pub next_action: u32,
    /// preempt_count-style counters.
    pub preempt: u32,
    pub softirq: u32,
    pub hardirq: u32,
    pub irqs_off: u32,
    pub rcu_depth: u32,
    /// Incremented every time the thread leaves its outermost RCU read-side critical section
    /// (`rcu_reader` turns false: a quiescent state).
    pub rcu_epoch: u64,
    /// synchronize_rcu snapshot: (thread, epoch) pairs still to wait for.
    pub rcu_wait: Vec<(u32, u64)>,
    pub held: Vec<Held>,
    /// Wait-queue registration (wq_prepare): object and whether it was woken since.
    pub wq: u32,
    pub wq_woken: bool,
    /// Woken since `wq_prepare` by a `wake_up_interruptible`, which wakes the task only if it
    /// sleeps interruptibly (known at `wq_wait`: the same `wait_event` sets both).
    pub wq_woken_intr: bool,
    /// Set when a timed wait expired; consumed by the waiting primitive.
    pub timed_out: bool,
    /// Set when the thread retries a blocking acquire (lockdep checks ran already).
    pub retrying: bool,
    /// Set after a voluntary yield: switching away is not a preemption.
    pub yielded: bool,
    /// In a timed sleep (`msleep`): off the CPU until its timer fires, which may be at any
    /// scheduling point (the model has no durations), so the thread stays runnable; the
    /// pick that runs it next is the timer firing. Neither the soft-lockup watchdog nor
    /// the end-of-run checks count it as running (`Execution::nsleeping`).
    pub sleeping: bool,
    /// Worker threads: the work item they run.
    pub work: u32,
    pub work_started: bool,
    /// In `flush_work`/`cancel_work_sync`: the work instance waited for (NONE: none) and,
    /// for the cancel, whether an instance was pending (its result).
    pub work_wait: u32,
    pub work_ret: bool,
    /// Threads started by `kthread_run`: their task_struct object (NONE otherwise), whether
    /// the thread function was entered, and its return value once it returned.
    pub kthread: u32,
    pub kthread_started: bool,
    pub kthread_ret: i64,
    /// The task's comm when it was given one (`kthread_run`'s name: a string id), or NONE.
    pub comm: u32,
    /// With `comm`, the IRQ number of an IRQ thread (`name_irq_thread`): the comm is then
    /// `irq/<comm_irq>-<comm>`; -1 otherwise.
    pub comm_irq: i64,
    /// rw_semaphore wait list (kernel/locking/rwsem.c `sem->wait_list`): the rwsem this
    /// task is queued on (NONE: none), its place in the FIFO (a smaller ticket queued
    /// earlier; only the order among one rwsem's waiters matters), whether it waits to
    /// write, and whether a waker granted it the read lock (`rwsem_mark_wake` counts a
    /// woken reader among the holders before it runs). A woken writer stays queued, in its
    /// place, until it takes the lock.
    pub rw_queue: u32,
    pub rw_ticket: u32,
    pub rw_write: bool,
    pub rw_granted: bool,
}

impl Thread {
    /// An empty thread.
    pub fn new() -> Thread {
        Thread {
            actor: NONE,
            name_actor: NONE,
            ctx: Context::Process,
            status: Status::Done,
            wait: Wait::None,
            frames: Vec::with_capacity(16),
            regs: Vec::with_capacity(128),
            actions: Vec::with_capacity(8),
            next_action: 0,
            preempt: 0,
            softirq: 0,
            hardirq: 0,
            irqs_off: 0,
            rcu_depth: 0,
            rcu_epoch: 0,
            rcu_wait: Vec::new(),
            held: Vec::with_capacity(8),
            wq: NONE,
            wq_woken: false,
            wq_woken_intr: false,
            timed_out: false,
            retrying: false,
            yielded: false,
            sleeping: false,
            work: NONE,
            work_started: false,
            work_wait: NONE,
            work_ret: false,
            kthread: NONE,
            kthread_started: false,
            kthread_ret: 0,
            comm: NONE,
            comm_irq: -1,
            rw_queue: NONE,
            rw_ticket: 0,
            rw_write: false,
            rw_granted: false,
        }
    }

    /// Resets the thread for a new execution, keeping its buffers.
    pub fn reset(&mut self, actor: u32, ctx: Context) {
        self.actor = actor;
        self.name_actor = actor;
        self.ctx = ctx;
        self.status = Status::Runnable;
        self.wait = Wait::None;
        self.frames.clear();
        self.regs.clear();
        self.actions.clear();
        self.next_action = 0;
        self.preempt = 0;
        self.softirq = 0;
        self.hardirq = 0;
        self.irqs_off = 0;
        self.rcu_depth = 0;
        self.rcu_epoch = 0;
        self.rcu_wait.clear();
        self.held.clear();
        self.wq = NONE;
        self.wq_woken = false;
        self.wq_woken_intr = false;
        self.timed_out = false;
        self.retrying = false;
        self.yielded = false;
        self.sleeping = false;
        self.work = NONE;
        self.work_started = false;
        self.work_wait = NONE;
        self.work_ret = false;
        self.kthread = NONE;
        self.kthread_started = false;
        self.kthread_ret = 0;
        self.comm = NONE;
        self.comm_irq = -1;
        self.rw_queue = NONE;
        self.rw_ticket = 0;
        self.rw_write = false;
        self.rw_granted = false;
        match ctx {
            Context::HardIrq => {
                self.hardirq = 1;
                self.irqs_off = 1;
            }
            Context::SoftIrq => self.softirq = 1,
            _ => {}
        }
    }

    /// `preempt_count()` as the kernel composes it.
    pub fn preempt_count(&self) -> u32 {
        self.preempt + (self.softirq << 8) + (self.hardirq << 16)
    }

    /// Whether the task is in an RCU read-side critical section as `synchronize_rcu` sees it.
    /// Since the flavours were consolidated (v4.20), a grace period also waits for every
    /// region with preemption, interrupts or softirqs disabled (spinlock holders included,
    /// as spin_lock disables preemption) and for running hardirq and softirq handlers
    /// (kernel/rcu/tree.c: a CPU in such a region reports no quiescent state). An interrupt
    /// actor is in its handler once the handler's first instruction has run, so one that
    /// has not started does not delay a grace period that began before it arrived.
    #[inline]
    pub fn rcu_reader(&self) -> bool {
        let (irq_ctx, bh_ctx) = match self.ctx {
            Context::HardIrq => (1, 0),
            Context::SoftIrq => (0, 1),
            _ => (0, 0),
        };
        let in_handler = (irq_ctx | bh_ctx) != 0
            && match self.frames.as_slice() {
                [] => false,
                [f] => f.pc != 0,
                _ => true,
            };
        self.rcu_depth > 0
            || self.preempt > 0
            || self.irqs_off > irq_ctx
            || self.softirq > bh_ctx
            || in_handler
    }

    /// Whether a might-sleep point here is a bug.
    pub fn atomic(&self) -> bool {
        self.preempt_count() != 0 || self.irqs_off != 0 || self.rcu_depth != 0
    }
}
