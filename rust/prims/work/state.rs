//! The state machine of one work item (`struct work_struct`, and `struct delayed_work`, which
//! the model keeps in the same object), as kernel/workqueue.c runs it, free of the engine so
//! that it can be unit-tested: an item is idle, pending (PENDING bit set: queued, or a delayed
//! item's timer armed), running, or running and pending again, and it may be held by
//! cancelers. Instances are numbered in queueing order; a flush waits for one instance.

use crate::world::NONE;

/// A work item's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkState {
    /// Set by `init_delayed_work`: the item is a `struct delayed_work`.
    pub delayed: bool,
    /// The pending instance's timer has not fired yet (`__queue_delayed_work` with a delay;
    /// `delayed_work_timer_fn` clears it by queueing the work).
    pub armed: bool,
    /// The worker thread that will run the pending instance, or NONE when not pending. A
    /// queued instance is not yet running: process_one_work clears PENDING
    /// (`set_work_pool_and_clear_pending`) just before it calls the function.
    pub queued: u32,
    pub queued_seq: u32,
    /// The worker thread running the function, or NONE.
    pub running: u32,
    pub running_seq: u32,
    /// Instances queued so far (the number of the latest).
    pub seq: u32,
    /// Tasks inside `cancel_*_sync`: while it is not 0 every queueing attempt fails (the
    /// kernel's WORK_OFFQ_CANCELING, or the disable count since 6.10).
    pub canceling: u32,
    /// The name of the thread that runs the item (`name_irq_thread`: the library's IRQ
    /// thread, `irq/<comm_irq>-<comm>`), a string id, or NONE: a `kworker/0:N`.
    pub comm: u32,
    pub comm_irq: i64,
}

impl Default for WorkState {
    fn default() -> WorkState {
        WorkState {
            delayed: false,
            armed: false,
            queued: NONE,
            queued_seq: 0,
            running: NONE,
            running_seq: 0,
            seq: 0,
            canceling: 0,
            comm: NONE,
            comm_irq: 0,
        }
    }
}

/// What a worker does when it is scheduled before its instance started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The delayed work's timer fired: the instance is queued now.
    TimerFired,
    /// The worker took the instance: it runs the function from now on.
    Started,
}

impl WorkState {
    /// The PENDING bit.
    pub fn pending(&self) -> bool {
        self.queued != NONE
    }

    /// Whether a queueing attempt takes the item: queue_work_on's
    /// `test_and_set_bit(WORK_STRUCT_PENDING_BIT)` fails while it is pending or while a
    /// canceler owns PENDING (`__cancel_work_timer`'s `mark_work_canceling`; since 6.10
    /// `clear_pending_if_disabled`).
    pub fn can_queue(&self) -> bool {
        self.canceling == 0 && !self.pending()
    }

    /// Queues a new instance run by `worker`: the running worker when the item is running
    /// (process_one_work's collision rule: `find_worker_executing_work` defers it to the
    /// worker already executing it, so it never runs on two workers at once), else a new one.
    pub fn queue(&mut self, worker: u32, armed: bool) {
        debug_assert!(self.can_queue());
        debug_assert!(self.running == NONE || self.running == worker);
        self.seq += 1;
        self.queued = worker;
        self.queued_seq = self.seq;
        self.armed = armed;
    }

    /// Worker `tid`, holding the pending instance, is scheduled before running it.
    pub fn step(&mut self, tid: u32) -> Step {
        debug_assert!(self.queued == tid && self.running == NONE);
        if self.armed {
            self.armed = false;
            return Step::TimerFired;
        }
        self.queued = NONE;
        self.running = tid;
        self.running_seq = self.queued_seq;
        Step::Started
    }

    /// The function returned on worker `tid`; returns whether `tid` runs the item again (it
    /// was queued again while it ran).
    pub fn finish(&mut self, tid: u32) -> bool {
        debug_assert_eq!(self.running, tid);
        self.running = NONE;
        self.queued == tid
    }

    /// try_to_grab_pending: takes the pending instance off its queue (or its timer); returns
    /// whether one was pending and, if it had a worker of its own, that worker (to discard).
    pub fn dequeue(&mut self) -> (bool, u32) {
        if !self.pending() {
            return (false, NONE);
        }
        let worker = self.queued;
        self.queued = NONE;
        self.armed = false;
        (true, if worker == self.running { NONE } else { worker })
    }

    /// Whether instance `seq` is still queued or running.
    pub fn alive(&self, seq: u32) -> bool {
        (self.running != NONE && self.running_seq == seq)
            || (self.queued != NONE && self.queued_seq == seq)
    }

    /// The instance flush_work waits for (start_flush_work): the queued one, else the running
    /// one; an instance whose timer is still armed is on no queue and is not waited for.
    pub fn flush_target(&self) -> Option<u32> {
        if self.queued != NONE && !self.armed {
            Some(self.queued_seq)
        } else if self.running != NONE {
            Some(self.running_seq)
        } else {
            None
        }
    }

    /// The instance `cancel_*_sync` waits for once it has dequeued the pending one.
    pub fn running_instance(&self) -> Option<u32> {
        (self.running != NONE).then_some(self.running_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W1: u32 = 5;
    const W2: u32 = 6;

    #[test]
    fn idle_pending_running_idle() {
        let mut s = WorkState::default();
        assert!(s.can_queue() && s.flush_target().is_none());
        s.queue(W1, false);
        assert!(
            s.pending() && !s.can_queue(),
            "a pending item is not queued twice"
        );
        assert_eq!(s.flush_target(), Some(1));
        assert_eq!(s.step(W1), Step::Started);
        assert!(
            !s.pending() && s.can_queue(),
            "PENDING is cleared before the function"
        );
        assert!(s.alive(1) && s.running_instance() == Some(1));
        assert!(!s.finish(W1));
        assert!(!s.alive(1) && s.flush_target().is_none());
    }

    #[test]
    fn running_and_pending_runs_again_on_the_same_worker() {
        let mut s = WorkState::default();
        s.queue(W1, false);
        s.step(W1);
        s.queue(W1, false);
        assert!(s.pending() && s.running == W1 && s.queued == W1);
        assert_eq!(
            s.flush_target(),
            Some(2),
            "flush waits for the last queued instance"
        );
        assert!(
            s.finish(W1),
            "queued while running: the same worker runs it again"
        );
        assert!(!s.alive(1) && s.alive(2));
        assert_eq!(s.step(W1), Step::Started);
        assert_eq!(s.running_seq, 2);
        assert!(!s.finish(W1));
    }

    #[test]
    fn dequeue_discards_only_a_worker_of_its_own() {
        let mut s = WorkState::default();
        s.queue(W2, false);
        assert_eq!(s.dequeue(), (true, W2));
        assert!(!s.alive(1) && s.can_queue());
        assert_eq!(s.dequeue(), (false, NONE));
        s.queue(W1, false);
        s.step(W1);
        s.queue(W1, false);
        assert_eq!(s.dequeue(), (true, NONE), "the runner keeps running");
        assert!(s.alive(2) && !s.alive(3));
        assert!(!s.finish(W1), "the dequeued instance does not run");
    }

    #[test]
    fn canceling_refuses_queueing() {
        let mut s = WorkState::default();
        s.queue(W1, false);
        s.step(W1);
        s.canceling = 1;
        assert!(
            !s.can_queue(),
            "mark_work_canceling: queueing fails during the cancel"
        );
        assert_eq!(s.running_instance(), Some(1));
        s.finish(W1);
        s.canceling = 0;
        assert!(s.can_queue());
    }

    #[test]
    fn an_armed_timer_fires_before_the_instance_starts() {
        let mut s = WorkState::default();
        s.queue(W1, true);
        assert!(s.pending() && !s.can_queue());
        assert_eq!(
            s.flush_target(),
            None,
            "flush_work does not wait for an armed timer"
        );
        assert_eq!(s.step(W1), Step::TimerFired);
        assert_eq!(s.flush_target(), Some(1));
        assert_eq!(s.step(W1), Step::Started);
    }
}
