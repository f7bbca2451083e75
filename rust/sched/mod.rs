//! Schedulers decide; executions apply. A `Decider` answers two questions: workload choices
//! (which actors run, which actions) and, at every scheduling point with more than one
//! runnable thread, which thread runs next. The execution records every answer in the
//! canonical choice list, so any decider's run can be replayed exactly.

pub mod bytes;
pub mod dpor;
pub mod events;
pub mod fault;
mod hb;
pub mod pct;
pub mod pos;
pub mod random;
pub mod registry;
pub mod replay;
pub mod runs;
pub mod symmetry;
pub mod threadset;
#[cfg(test)]
mod toy;
pub mod visited;
pub mod workload;
pub mod workload_space;

use crate::world::NONE;
pub use symmetry::Twins;
pub use threadset::{ThreadSet, NO_THREADS};

/// What a workload choice is about (so a decider can answer with the default workload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoiceKind {
    /// Whether optional actor `actor` runs (0/1).
    ActorEnabled { actor: u32 },
    /// How many actions the actor performs, minus its minimum.
    ActionCount { actor: u32 },
    /// Which action fills slot `slot`.
    Action { actor: u32, slot: u32 },
    /// Fault injection's fail-nth (`exec::fault`): 0 fails nothing, n > 0 fails the run's
    /// n-th failable call. Asked once, after the actors' choices, only when fault injection
    /// is on.
    FailNth,
}

/// A scheduling point.
#[derive(Clone, Copy, Debug)]
pub struct Point<'a> {
    /// The threads that can run. At least two options exist when a decider is asked.
    pub runnable: &'a ThreadSet,
    /// The thread that ran last, or NONE.
    pub current: u32,
    /// Whether `current` yielded voluntarily (switching away is then not a preemption).
    pub voluntary: bool,
    /// The runnable threads in a timed sleep (`exec::thread::Thread::sleeping`): picking
    /// one is its timer firing, which costs a preemption while a thread that is awake
    /// could run instead (`is_preemption`).
    pub sleeping: &'a ThreadSet,
    /// Visible steps executed so far.
    pub step: u64,
    /// For each thread, the object its next visible operation touches (NONE if unknown);
    /// filled only for deciders that ask for it.
    pub pending: &'a [u32],
    /// Identical threads that have not started yet; given only to deciders that ask for
    /// it (`Decider::wants_symmetry`).
    pub twins: Option<&'a Twins>,
}

impl Point<'_> {
    /// Whether choosing `tid` here would be a preemption.
    pub fn is_preemption(&self, tid: u32) -> bool {
        is_preemption(
            self.runnable,
            self.sleeping,
            self.current,
            self.voluntary,
            tid,
        )
    }
}

/// Whether choosing `tid` at a point with these runnable and sleeping threads, after
/// `current` ran (`voluntary`: and yielded), is a preemption: switching away from a
/// thread that could go on, or ending a thread's timed sleep early, while a thread that is
/// awake could run (the model has no durations, so a timer may fire at any point; firing
/// it only when nothing else can run is the non-preemptive default).
pub fn is_preemption(
    runnable: &ThreadSet,
    sleeping: &ThreadSet,
    current: u32,
    voluntary: bool,
    tid: u32,
) -> bool {
    let switch = current != NONE && tid != current && !voluntary && runnable.contains(current);
    switch || (sleeping.contains(tid) && awake(runnable, sleeping).is_some())
}

/// The lowest runnable thread that is not in a timed sleep.
fn awake(runnable: &ThreadSet, sleeping: &ThreadSet) -> Option<u32> {
    if sleeping.is_empty() {
        return runnable.first();
    }
    runnable.iter().find(|&t| !sleeping.contains(t))
}

/// What a decider learns when an execution ends.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunEnd {
    /// Visible steps the execution ran.
    pub steps: u64,
    /// Failable calls the execution made (0 when fault injection is off).
    pub failable: u32,
}

/// The source of every decision of an execution.
pub trait Decider {
    /// Called at the start of every execution.
    fn begin(&mut self) {}
    /// A workload choice in `0..n` (n >= 2); `default` is the default workload's answer.
    fn choose(&mut self, kind: ChoiceKind, n: u32, default: u32) -> u32;
    /// The thread to run at a scheduling point; must be runnable.
    fn pick(&mut self, p: &Point) -> u32;
    /// Whether `Point::pending` must be computed.
    fn wants_pending(&self) -> bool {
        false
    }
    /// Whether `Point::twins` must be computed (a search that explores one of several
    /// identical threads that have not started yet).
    fn wants_symmetry(&self) -> bool {
        false
    }
    /// Called after a thread was chosen and ran one step (for priority schedulers).
    fn after_step(&mut self, _tid: u32, _p: &Point) {}
    /// Called after every execution with how long it ran; false when the decider has no
    /// further execution to offer (an exhausted search).
    fn end(&mut self, _run: &RunEnd) -> bool {
        true
    }
    /// True when a replayed choice could not be applied (the run diverged).
    fn diverged(&self) -> bool {
        false
    }
    /// Called after every step of a run that records footprints (`events::Footprints::on`),
    /// with the step just taken.
    fn after_event(&mut self, _e: &events::Event, _accesses: &[events::Access]) {}
    /// True when the run can stop at once because everything it could still reach was
    /// explored already (a partial-order reduction's sleep set covers every runnable thread).
    fn redundant(&self) -> bool {
        false
    }
    /// Whether the state at the coming scheduling point must be fingerprinted and passed to
    /// `observe_state` before `pick` (a stateful search at a point it has not been to).
    fn wants_state(&self) -> bool {
        false
    }
    /// The state at the coming scheduling point (see `wants_state`).
    fn observe_state(&mut self, _k: crate::exec::state::StateKey) {}
}

/// The non-preemptive default: keep the current thread; after a voluntary yield, the next
/// runnable thread in round-robin order; otherwise the lowest runnable thread. Threads in a
/// timed sleep only when no thread that is awake can run.
pub fn default_pick(p: &Point) -> u32 {
    let r = p.runnable;
    let cur_ok = p.current != NONE && r.contains(p.current);
    if cur_ok && !p.voluntary {
        return p.current;
    }
    if !p.sleeping.is_empty() {
        if let Some(first) = awake(r, p.sleeping) {
            if p.current != NONE && p.voluntary {
                let mut t = p.current;
                while let Some(n) = r.next_after(t) {
                    if !p.sleeping.contains(n) {
                        return n;
                    }
                    t = n;
                }
            }
            return first;
        }
    }
    if p.current != NONE && p.voluntary {
        if let Some(t) = r.next_after(p.current) {
            return t;
        }
        if let Some(t) = r.first().filter(|&t| t != p.current) {
            return t;
        }
    }
    r.first().unwrap_or(NONE)
}
