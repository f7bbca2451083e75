//! Symmetry for the tree search: threads that are *twins* (actors with the same context,
//! daemon flag and action sequence: the same functions with the same arguments) and have
//! not taken a step yet are interchangeable. Swapping two of them maps every run to a run
//! with the same steps on the same objects, the same preemptions and the same finding title
//! (the model cannot read a thread's number), so at a decision the search needs to start
//! only the lowest-numbered of each set of fresh twins: ten identical threads cost one order
//! instead of 10! at bound 0. The execution computes the twins once per run and tells the
//! search which are still fresh at each decision (`Twins`); `Symmetry` is the search's side.
//!
//! The swap argument needs every rule of the execution to ignore thread numbers. A few pick
//! one thread by number among several (the timed wait that ends when nothing else can run,
//! the blocked task a hung-task report names, the task whose function titles a deadlock);
//! when such a choice falls between threads of which one has a twin and the outcome would
//! differ, the execution says so (`Execution::order_observed`) and the runner repeats that
//! search without symmetry, so the results are always those of the search without it.

use super::ThreadSet;
use crate::world::NONE;

/// The twins of one run, as the execution sees them at a decision.
#[derive(Clone, Debug, Default)]
pub struct Twins {
    /// Per thread: the lowest-numbered thread identical to it (itself for the lowest), or
    /// NONE when it has no twin (a unique actor, a worker, a kthread).
    pub class: Vec<u32>,
    /// The threads with a twin that have not taken a step yet.
    pub fresh: ThreadSet,
}

impl Twins {
    /// Whether thread `t` has a twin.
    pub fn has_twin(&self, t: usize) -> bool {
        self.class.get(t).is_some_and(|&c| c != NONE)
    }
}

/// What a tree search keeps to explore one thread of each set of fresh twins.
#[derive(Clone, Debug, Default)]
pub struct Symmetry {
    on: bool,
    /// The twin class of each thread in the current run (copied at its first decision:
    /// classes do not change during a run, and every decision of the current path belongs
    /// to a run with the same workload, hence the same classes).
    class: Vec<u32>,
    loaded: bool,
    /// Whether a thread was ever replaced by its twin or put to sleep for one: the search
    /// then differs from the one without symmetry.
    used: bool,
    /// Per decision node of the current path (kept only while on): its fresh twins.
    node_fresh: Vec<ThreadSet>,
}

impl Symmetry {
    /// Symmetry on or off.
    pub fn new(on: bool) -> Symmetry {
        Symmetry {
            on,
            ..Symmetry::default()
        }
    }

    pub fn on(&self) -> bool {
        self.on
    }

    /// Whether the search explored less than it would have without symmetry.
    pub fn used(&self) -> bool {
        self.used
    }

    /// Turns symmetry off for the decisions to come.
    pub fn switch_off(&mut self) {
        self.on = false;
        self.node_fresh.clear();
    }

    /// Records the fresh twins of a new decision node (the next one of the path).
    #[inline]
    pub fn push_node(&mut self, fresh: ThreadSet) {
        if self.on {
            self.node_fresh.push(fresh);
        }
    }

    /// Forgets the decision nodes from `len` on (the search backtracked).
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.node_fresh.truncate(len);
    }

    /// Called at the start of every run.
    pub fn begin(&mut self) {
        self.loaded = false;
    }

    /// Called at every decision: the run's classes are read at its first one.
    #[inline]
    pub fn load(&mut self, twins: Option<&Twins>) {
        if let Some(tw) = twins.filter(|_| self.on && !self.loaded) {
            self.class.clone_from(&tw.class);
            self.loaded = true;
        }
    }

    /// The fresh twins at a new decision (what its node keeps).
    #[inline]
    pub fn fresh_at(&self, twins: Option<&Twins>) -> ThreadSet {
        match twins {
            Some(tw) if self.on => tw.fresh.clone(),
            _ => ThreadSet::new(),
        }
    }

    /// The thread to explore instead of `t` at decision node `n` (pushed by `push_node`),
    /// where `runnable` could run: the lowest runnable fresh twin of `t`, or `t`.
    #[inline]
    pub fn canonical(&mut self, n: usize, runnable: &ThreadSet, t: u32) -> u32 {
        if !self.on {
            return t;
        }
        match self.node_fresh.get(n) {
            Some(fresh) if fresh.contains(t) => {
                let fresh = std::mem::take(&mut self.node_fresh[n]);
                let u = self.lowest_twin(&fresh, runnable, t);
                self.node_fresh[n] = fresh;
                u
            }
            _ => t,
        }
    }

    /// `canonical` at a decision whose node is not pushed yet, `fresh` its fresh twins.
    #[inline]
    pub fn canonical_in(&mut self, fresh: &ThreadSet, runnable: &ThreadSet, t: u32) -> u32 {
        if !self.on || !fresh.contains(t) {
            return t;
        }
        self.lowest_twin(fresh, runnable, t)
    }

    #[inline(never)]
    fn lowest_twin(&mut self, fresh: &ThreadSet, runnable: &ThreadSet, t: u32) -> u32 {
        let c = self.class_of(t);
        let lowest = fresh
            .iter()
            .take_while(|&u| u < t)
            .find(|&u| self.class_of(u) == c && runnable.contains(u));
        match lowest {
            Some(u) => {
                self.used = true;
                u
            }
            None => t,
        }
    }

    fn class_of(&self, t: u32) -> u32 {
        self.class.get(t as usize).copied().unwrap_or(NONE)
    }

    /// Sleep sets: a fresh twin of a sleeping fresh thread sleeps too (any order that starts
    /// with it is the image of one that starts with its sleeping twin, explored already).
    #[inline]
    pub fn close_sleep(&mut self, fresh: &ThreadSet, asleep: &mut ThreadSet) {
        if !self.on || fresh.is_empty() || asleep.is_empty() {
            return;
        }
        self.close_sleep_slow(fresh, asleep);
    }

    #[inline(never)]
    fn close_sleep_slow(&mut self, fresh: &ThreadSet, asleep: &mut ThreadSet) {
        let mut classes: Vec<u32> = asleep
            .iter()
            .filter(|&t| fresh.contains(t))
            .map(|t| self.class_of(t))
            .collect();
        if classes.is_empty() {
            return;
        }
        classes.sort_unstable();
        classes.dedup();
        for u in fresh {
            if !asleep.contains(u) && classes.binary_search(&self.class_of(u)).is_ok() {
                asleep.insert(u);
                self.used = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads 0..6: 1, 2 and 4 are twins, 3 and 5 are twins, 0 is unique; 1, 2, 3, 5 fresh.
    fn twins() -> Twins {
        Twins {
            class: vec![NONE, 1, 1, 3, 1, 3],
            fresh: [1, 2, 3, 5].into_iter().collect(),
        }
    }

    #[test]
    fn a_fresh_thread_stands_for_its_lowest_fresh_runnable_twin() {
        let tw = twins();
        let mut s = Symmetry::new(true);
        s.begin();
        s.load(Some(&tw));
        let fresh = s.fresh_at(Some(&tw));
        let all = ThreadSet::below(6);
        assert_eq!(s.canonical_in(&fresh, &all, 0), 0, "no twin");
        assert!(!s.used());
        assert_eq!(s.canonical_in(&fresh, &all, 2), 1);
        assert!(s.used());
        assert_eq!(s.canonical_in(&fresh, &all, 5), 3);
        assert_eq!(s.canonical_in(&fresh, &all, 4), 4, "4 has started");
        let without_1: ThreadSet = [0, 2, 3, 4, 5].into_iter().collect();
        assert_eq!(
            s.canonical_in(&fresh, &without_1, 2),
            2,
            "1 cannot run there"
        );
        // The same at a node: node 0 has these fresh twins, node 1 none.
        s.push_node(fresh.clone());
        s.push_node(ThreadSet::new());
        assert_eq!(s.canonical(0, &all, 2), 1);
        assert_eq!(s.canonical(1, &all, 2), 2);
        s.truncate(1);
        assert_eq!(s.canonical(1, &all, 2), 2, "a node forgotten");
        let mut off = Symmetry::new(false);
        off.load(Some(&tw));
        assert!(off.fresh_at(Some(&tw)).is_empty());
        off.push_node(fresh.clone());
        assert_eq!(off.canonical(0, &all, 2), 2);
        assert_eq!(off.canonical_in(&fresh, &all, 2), 2);
    }

    #[test]
    fn the_fresh_twins_of_a_sleeping_fresh_thread_sleep() {
        let tw = twins();
        let mut s = Symmetry::new(true);
        s.begin();
        s.load(Some(&tw));
        let fresh = s.fresh_at(Some(&tw));
        let mut asleep: ThreadSet = [1, 4].into_iter().collect();
        s.close_sleep(&fresh, &mut asleep);
        assert_eq!(asleep, [1, 2, 4].into_iter().collect(), "4 is not fresh");
        let mut started: ThreadSet = [4].into_iter().collect();
        s.close_sleep(&fresh, &mut started);
        assert_eq!(
            started,
            [4].into_iter().collect(),
            "a started thread has no twin"
        );
    }
}
