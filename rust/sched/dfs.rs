//! Bounded exhaustive search: stateless depth-first exploration of the scheduling tree with
//! a preemption bound (CHESS-style iterative context bounding). The workload is fixed: the
//! default one, or the given workload choices (the minimizer searches a finding's own). Nodes persist across re-executions: each run replays the chosen prefix,
//! extends it with non-preemptive default choices, and at the end of each run (`end`) the
//! deepest node with an unexplored alternative within the bound is picked; `end` answers
//! false once the bounded tree is exhausted. Fault injection's fail-nth choice is part of
//! the workload: taken from the workload list when it holds one, else from `with_fail_nth`;
//! the runner's search runs one tree per fail-nth value (`runner::search`).

use super::{bit, default_pick, ChoiceKind, Decider, Point, ThreadMask};
use crate::limits::MAX_THREADS;
use crate::world::NONE;

#[derive(Clone, Copy, Debug)]
struct Node {
    runnable: ThreadMask,
    current: u32,
    voluntary: bool,
    chosen: u32,
    explored: ThreadMask,
    preemptions_before: u32,
}

impl Node {
    fn costs_preemption(&self, t: u32) -> bool {
        self.current != NONE
            && t != self.current
            && !self.voluntary
            && self.runnable & bit(self.current) != 0
    }
}

/// The DFS decider.
pub struct Dfs {
    bound: u32,
    /// Workload choices answered in order (then the defaults, or every alternative).
    workload: Vec<u32>,
    /// Whether workload choices past `workload` branch like scheduling points (every
    /// workload is explored, at no preemption cost) instead of taking the default.
    all_workloads: bool,
    wpos: usize,
    /// The answer to the fail-nth choice when the workload list does not give one.
    fail_nth: u32,
    /// Whether the workload list answered the fail-nth choice (the search then does not
    /// enumerate it).
    fail_nth_fixed: bool,
    nodes: Vec<Node>,
    pos: usize,
    preemptions: u32,
    diverged: bool,
    /// Whether an alternative was skipped because it would exceed the bound (if not, the
    /// exploration at this bound covered every interleaving).
    pruned: bool,
}

impl Dfs {
    /// Exhaustive search over schedules with at most `bound` preemptions.
    pub fn new(bound: u32) -> Dfs {
        Dfs::with_workload(bound, Vec::new())
    }

    /// Exhaustive search under the workload that `workload` (workload choices) encodes.
    pub fn with_workload(bound: u32, workload: Vec<u32>) -> Dfs {
        Dfs {
            bound,
            workload,
            all_workloads: false,
            wpos: 0,
            fail_nth: 0,
            fail_nth_fixed: false,
            nodes: Vec::new(),
            pos: 0,
            preemptions: 0,
            diverged: false,
            pruned: false,
        }
    }

    /// Exhaustive search over every workload (optional actors, action counts and actions)
    /// and, under each, every schedule with at most `bound` preemptions.
    pub fn all_workloads(bound: u32) -> Dfs {
        Dfs {
            all_workloads: true,
            ..Dfs::new(bound)
        }
    }

    /// The same search, failing the `nth` failable call of every run (0: none) unless the
    /// workload list fixes the fail-nth choice.
    pub fn with_fail_nth(mut self, nth: u32) -> Dfs {
        self.fail_nth = nth;
        self
    }

    /// Whether the workload list fixed the fail-nth choice of the runs so far.
    pub fn fail_nth_fixed(&self) -> bool {
        self.fail_nth_fixed
    }

    /// After the search ended: whether the bound cut nothing off, so that every
    /// interleaving (of this workload) was explored.
    pub fn explored_everything(&self) -> bool {
        !self.pruned
    }

    /// Prepares the next schedule; false when the bounded tree is exhausted.
    fn backtrack(&mut self) -> bool {
        self.nodes.truncate(self.pos);
        while let Some(node) = self.nodes.last_mut() {
            let mut cand = node.runnable & !node.explored;
            while cand != 0 {
                let t = cand.trailing_zeros();
                cand &= cand - 1;
                node.explored |= bit(t);
                let cost = node.costs_preemption(t) as u32;
                if node.preemptions_before + cost <= self.bound {
                    node.chosen = t;
                    return true;
                }
                self.pruned = true;
            }
            self.nodes.pop();
        }
        false
    }
}

impl Dfs {
    /// A workload choice among `n` as a tree node: any answer is free (no preemption).
    fn branch(&mut self, n: u32, default: u32) -> u32 {
        let options: ThreadMask = if n as usize == MAX_THREADS {
            ThreadMask::MAX
        } else {
            (1 << n) - 1
        };
        let c = if let Some(node) = self.nodes.get(self.pos) {
            if node.runnable != options || node.current != NONE {
                self.diverged = true;
            }
            node.chosen
        } else {
            self.nodes.push(Node {
                runnable: options,
                current: NONE,
                voluntary: true,
                chosen: default,
                explored: bit(default),
                preemptions_before: self.preemptions,
            });
            default
        };
        self.pos += 1;
        c
    }
}

impl Decider for Dfs {
    fn begin(&mut self) {
        self.pos = 0;
        self.wpos = 0;
        self.preemptions = 0;
        self.diverged = false;
    }

    fn choose(&mut self, kind: ChoiceKind, n: u32, default: u32) -> u32 {
        let c = self.workload.get(self.wpos).copied();
        self.wpos += 1;
        match c {
            Some(c) if c < n => {
                self.fail_nth_fixed |= kind == ChoiceKind::FailNth;
                c
            }
            _ if kind == ChoiceKind::FailNth => self.fail_nth.min(n - 1),
            Some(_) => default,
            None if self.all_workloads && n as usize <= MAX_THREADS => self.branch(n, default),
            None => {
                // More alternatives than a node holds: only the default is explored.
                self.pruned |= self.all_workloads;
                default
            }
        }
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let t = if let Some(node) = self.nodes.get(self.pos) {
            if node.runnable != p.runnable || node.current != p.current {
                // The model is not deterministic under replay: a pyfuzz bug.
                self.diverged = true;
            }
            node.chosen
        } else {
            let t = default_pick(p);
            self.nodes.push(Node {
                runnable: p.runnable,
                current: p.current,
                voluntary: p.voluntary,
                chosen: t,
                explored: bit(t),
                preemptions_before: self.preemptions,
            });
            t
        };
        if p.is_preemption(t) {
            self.preemptions += 1;
        }
        self.pos += 1;
        t
    }

    fn end(&mut self, _run: &super::RunEnd) -> bool {
        self.backtrack()
    }

    fn diverged(&self) -> bool {
        self.diverged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::toy;

    /// Every schedule of the toy threads `steps` within `bound` preemptions, in DFS order.
    fn explore(bound: u32, steps: &[u32]) -> Vec<Vec<u32>> {
        let mut d = Dfs::new(bound);
        let mut seen = Vec::new();
        loop {
            let (order, more) = toy::run(&mut d, steps);
            assert!(!d.diverged());
            seen.push(order);
            if !more {
                return seen;
            }
        }
    }

    #[test]
    fn preemption_bounding_explores_exactly_the_schedules_within_the_bound() {
        let steps = [2, 2];
        // Two serial orders; then the two with one preemption; then all six interleavings.
        for (bound, expected) in [(0, 2), (1, 4), (2, 6), (3, 6)] {
            let all = explore(bound, &steps);
            let mut distinct = all.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                all.len(),
                "no schedule twice at bound {bound}"
            );
            assert_eq!(all.len(), expected, "bound {bound}: {all:?}");
            assert!(all.iter().all(|o| toy::preemptions(o, &steps) <= bound));
        }
        // The first schedule is the non-preemptive default.
        assert_eq!(explore(1, &steps)[0], vec![0, 0, 1, 1]);
        // Bound 2 already covers all six: nothing was cut off there, but bound 1 cut some.
        let ended = |bound| {
            let mut d = Dfs::new(bound);
            while toy::run(&mut d, &steps).1 {}
            d.explored_everything()
        };
        assert!(!ended(0) && !ended(1) && ended(2) && ended(3));
    }

    #[test]
    fn a_workload_is_answered_in_order_then_by_the_default() {
        let mut d = Dfs::with_workload(0, vec![1, 7]);
        d.begin();
        let k = ChoiceKind::ActorEnabled { actor: 0 };
        assert_eq!(d.choose(k, 2, 0), 1);
        assert_eq!(d.choose(k, 2, 0), 0, "out of range: the default");
        assert_eq!(d.choose(k, 2, 1), 1, "past the list: the default");
        assert_eq!(d.choose(ChoiceKind::FailNth, 256, 0), 0);
        assert!(!d.fail_nth_fixed());

        let mut d = Dfs::new(0).with_fail_nth(3);
        d.begin();
        assert_eq!(
            d.choose(ChoiceKind::FailNth, 256, 0),
            3,
            "the search's fail-nth"
        );
        let mut d = Dfs::with_workload(0, vec![2]).with_fail_nth(3);
        d.begin();
        assert_eq!(
            d.choose(ChoiceKind::FailNth, 256, 0),
            2,
            "the list's fail-nth"
        );
        assert!(d.fail_nth_fixed());
    }
}
