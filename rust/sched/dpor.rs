//! Dynamic partial-order reduction for `verify`: stateless depth-first search of the
//! scheduling tree that explores, at each decision, only the threads needed to reverse a
//! race seen in some explored run, instead of every runnable thread.
//!
//! After each run, `analyze` reads the run's event log (`sched::events`, one event per step
//! with the keys it read and wrote), computes happens-before with vector clocks (program
//! order, spawn order, and the order of dependent steps: two steps of different threads that
//! touch one key, one of them writing, or either being global), and finds the races: pairs
//! of dependent steps of different threads ordered by nothing but their own conflict. For
//! each race (e1 before e2) it makes sure that the decision taken just before e1 also
//! explores some thread that can start the reversed order: an *initial* of the steps after e1
//! that do not depend on it, followed by e2 (source sets, Abdulla et al., POPL 2014). With a
//! preemption bound, a reversal the bound forbids is also tried at the last context switch
//! before e1, where it may be free (bounded partial-order reduction, Coons, Musuvathi and
//! McKinley, OOPSLA 2013), so iterative bounding still finds each bug at its minimal
//! preemption count. A run that stops early (a finding, the step limit) is treated as if each
//! thread still runnable were about to take a step dependent with everything, so that the
//! orders in which those threads go first are explored too.
//!
//! Without a bound (`verify --preemptions all` after its bounded prefix), sleep sets prune
//! further: once a thread's step from a decision has been explored, that thread sleeps in
//! the decision's later branches until a step dependent with its step runs, since any order
//! starting with it there was covered by its own branch; a run reaching a decision where every
//! runnable thread sleeps stops at once (`RunStatus::Redundant`). Sleep sets are not used
//! with a bound: the covering branch may need more preemptions than the bound allows.
//!
//! Workload and fail-nth choices come from `sched::workload` (every alternative of a
//! workload choice is explored when asked to). The decider needs `analyze` called after every
//! run (the runner's search does it). `without_reduction` makes it the plain bounded DFS
//! (CHESS-style iterative context bounding): every runnable thread within the bound is
//! explored at every decision, and `analyze` does nothing; `verify --no-reduction` runs that,
//! and `tests/test_reduction.py` checks the two find the same bugs.
//!
//! With symmetry (`with_symmetry`, `sched::symmetry`), a thread a decision would explore is
//! replaced by its lowest-numbered fresh twin there, and the fresh twins of a sleeping fresh
//! thread sleep too.

use super::events::{Access, Event, Footprint, Footprints};
use super::hb::Analysis;
use super::symmetry::Symmetry;
use super::visited::Visited;
use super::workload::{Answer, WorkloadChoices};
use super::{default_pick, ChoiceKind, Decider, Point, ThreadSet};
use crate::exec::state::StateKey;
use crate::world::NONE;

/// A decision of the current path.
#[derive(Clone, Debug)]
struct Node {
    runnable: ThreadSet,
    current: u32,
    voluntary: bool,
    /// The runnable threads in a timed sleep (`Point::sleeping`).
    sleeping: ThreadSet,
    chosen: u32,
    /// Threads to explore here (races add to it), and those already explored.
    backtrack: ThreadSet,
    done: ThreadSet,
    preemptions_before: u32,
    /// A workload choice (its options are choice values, not threads).
    workload: bool,
    /// The threads asleep on arrival (unbounded reduced search only).
    sleep: ThreadSet,
}

impl Node {
    fn costs_preemption(&self, t: u32) -> bool {
        super::is_preemption(
            &self.runnable,
            &self.sleeping,
            self.current,
            self.voluntary,
            t,
        )
    }
}

/// The DPOR decider.
pub struct Dpor {
    bound: u32,
    /// Whether races decide what is explored (false: every runnable thread).
    reduce: bool,
    workload: WorkloadChoices,
    nodes: Vec<Node>,
    pos: usize,
    preemptions: u32,
    diverged: bool,
    pruned: bool,
    /// The node of each pick of the current run, in order.
    picks: Vec<u32>,
    an: Analysis,
    /// Sleep sets (unbounded reduced search): per node, the step each explored thread took
    /// from it; the threads asleep now with their steps; the node whose chosen step runs
    /// next; whether the run reached a decision where every runnable thread sleeps.
    node_steps: Vec<Vec<Footprint>>,
    asleep: Vec<Footprint>,
    stepping_node: u32,
    blocked: bool,
    /// Stateful search (`with_states`): the states explored from, and the state of the
    /// coming scheduling point.
    states: Option<Visited>,
    coming: Option<StateKey>,
    /// The events the next run shares with the last analysed one.
    resume_from: usize,
    sym: Symmetry,
}

impl Dpor {
    /// Reduced search over schedules with at most `bound` preemptions (`u32::MAX`: all)
    /// under the workload that `workload` encodes (then the defaults).
    pub fn with_workload(bound: u32, workload: Vec<u32>) -> Dpor {
        Dpor {
            bound,
            reduce: true,
            workload: WorkloadChoices::given(workload),
            nodes: Vec::new(),
            pos: 0,
            preemptions: 0,
            diverged: false,
            pruned: false,
            picks: Vec::new(),
            an: Analysis::default(),
            node_steps: Vec::new(),
            asleep: Vec::new(),
            stepping_node: NONE,
            blocked: false,
            states: None,
            coming: None,
            resume_from: 0,
            sym: Symmetry::default(),
        }
    }

    /// Reduced search under every workload.
    pub fn all_workloads(bound: u32) -> Dpor {
        Dpor {
            workload: WorkloadChoices::all(),
            ..Dpor::with_workload(bound, Vec::new())
        }
    }

    /// Fails the `nth` failable call of every run unless the workload list fixes it.
    pub fn with_fail_nth(mut self, nth: u32) -> Dpor {
        self.workload.set_fail_nth(nth);
        self
    }

    /// The plain bounded DFS: every runnable thread within the bound at every decision.
    pub fn without_reduction(mut self) -> Dpor {
        self.reduce = false;
        self
    }

    /// The plain DFS with state caching: every runnable thread at every decision, but a run
    /// stops at a scheduling point whose state was explored from before (`sched::visited`).
    /// Sound without a bound only (a state reached again with fewer preemptions would need
    /// exploring again), and without the reduction (its races assume every run is finished).
    pub fn with_states(mut self) -> Dpor {
        self.reduce = false;
        self.bound = u32::MAX;
        self.states = Some(Visited::default());
        self
    }

    /// Explores one of each set of identical fresh threads (`sched::symmetry`).
    pub fn with_symmetry(mut self, on: bool) -> Dpor {
        self.sym = Symmetry::new(on);
        self
    }

    /// Stops treating identical threads alike (a run showed that thread numbers mattered).
    /// When symmetry had pruned something, the tree explored so far is not the one without
    /// it: the search starts again from its first run (true).
    pub fn drop_symmetry(&mut self) -> bool {
        self.sym.switch_off();
        if !self.sym.used() {
            return false;
        }
        self.nodes.clear();
        self.node_steps.clear();
        self.pruned = false;
        self.an.invalidate();
        self.resume_from = 0;
        if self.states.is_some() {
            // States explored from under symmetry were explored only up to it.
            self.states = Some(Visited::default());
        }
        true
    }

    /// Whether symmetry is on.
    pub fn symmetric(&self) -> bool {
        self.sym.on()
    }

    /// Distinct states a stateful search explored from.
    pub fn states_explored(&self) -> u64 {
        self.states.as_ref().map_or(0, |v| v.len() as u64)
    }

    /// Whether sleep sets prune this search (reduced and unbounded).
    fn sleep_sets(&self) -> bool {
        self.reduce && self.bound == u32::MAX
    }

    /// The threads asleep now.
    fn asleep_mask(&self) -> ThreadSet {
        self.asleep.iter().map(|f| f.tid).collect()
    }

    /// Whether the workload list fixed the fail-nth choice.
    pub fn fail_nth_fixed(&self) -> bool {
        self.workload.fail_nth_fixed()
    }

    /// After the search: whether the bound cut nothing off.
    pub fn explored_everything(&self) -> bool {
        !self.pruned
    }

    /// Asks node `n` to explore thread `t` as well, within the bound; false when `t`
    /// cannot run there.
    fn add(&mut self, n: usize, t: u32) -> bool {
        let node = &self.nodes[n];
        if !node.runnable.contains(t) {
            return false;
        }
        // A twin costs the same preemptions: neither is the thread that ran last.
        let t = self.sym.canonical(n, &node.runnable, t);
        let node = &mut self.nodes[n];
        if node.backtrack.contains(t) {
            return true;
        }
        if node.preemptions_before + node.costs_preemption(t) as u32 > self.bound {
            self.pruned = true;
            return true;
        }
        node.backtrack.insert(t);
        true
    }

    /// Asks node `n` to explore `t`, or every runnable thread when `t` cannot run there.
    fn add_or_all(&mut self, n: usize, t: u32) {
        if !self.add(n, t) {
            let all = self.nodes[n].runnable.clone();
            for u in &all {
                self.add(n, u);
            }
        }
    }

    /// The reversal of the race between event `e1` and the later event `e2`.
    fn reverse(&mut self, e1: u32, e2: u32) {
        let an = &mut self.an;
        let n = an.node[e1 as usize];
        if n == NONE {
            // A single thread could run before e1: nothing could have been reordered there.
            return;
        }
        let q = an.tid[e1 as usize] as usize;
        let local1 = an.local[e1 as usize];
        an.first.clear();
        an.first.resize(an.width, NONE);
        let mut earliest = NONE;
        for j in e1 + 1..=e2 {
            if j != e2 && an.clock(j)[q] >= local1 {
                continue; // after e1: not part of the reversed order's prefix
            }
            let u = an.tid[j as usize] as usize;
            if an.first[u] == NONE {
                an.first[u] = j;
                if earliest == NONE {
                    earliest = j;
                }
            }
        }
        let an = &self.an;
        let initial = |t: usize| -> bool {
            let x = an.first[t];
            x != NONE
                && (0..an.width).all(|u| {
                    let y = an.first[u];
                    u == t || y == NONE || y > x || !an.happens_before(y, x)
                })
        };
        let covered = &self.nodes[n as usize].backtrack;
        if covered
            .iter()
            .any(|t| (t as usize) < an.width && initial(t as usize))
        {
            return;
        }
        let p = an.tid[e2 as usize] as usize;
        let t = if initial(p) {
            p as u32
        } else {
            an.tid[earliest as usize]
        };
        self.add_reversal(n as usize, t);
    }

    /// Explores `t` at node `n`, and with a bound also at the last context switch at or
    /// before `n`, where running `t` instead may cost no preemption the bound forbids
    /// (Coons et al.).
    fn add_reversal(&mut self, n: usize, t: u32) {
        self.add_or_all(n, t);
        if self.bound != u32::MAX {
            let mut k = n;
            while k > 0
                && !self.nodes[k - 1].workload
                && self.nodes[k].chosen == self.nodes[k].current
            {
                k -= 1;
            }
            if k != n && !self.nodes[k].workload {
                self.add_or_all(k, t);
            }
        }
    }

    /// Step `e1` ended thread `t`, whose next step never ran: that step (a worker taking its
    /// work item, say) conflicts with `e1`, so `t` is also explored just before `e1`.
    fn reverse_killed(&mut self, e1: u32, t: u32) {
        let n = self.an.node[e1 as usize];
        if n == NONE || self.nodes[n as usize].backtrack.contains(t) {
            return;
        }
        self.add_reversal(n as usize, t);
    }

    /// Reads the event log of the run that just ended and schedules the reversals of its
    /// races. `runnable_at_end`: the threads still runnable when it stopped (a finding or the
    /// step limit; empty when every thread finished or blocked). The events the run shares
    /// with the previous one keep their analysis (`sched::hb`): their races were handled then.
    pub fn analyze(&mut self, fp: &Footprints, nthreads: usize, runnable_at_end: &ThreadSet) {
        if self.diverged || !self.reduce {
            self.an.invalidate();
            return;
        }
        let width = nthreads.max(1);
        let real = fp.events.len();
        let keep = std::mem::replace(&mut self.resume_from, 0);
        let (mut picks, mut last_global) = self.an.resume(width, keep);
        let start = self.an.tid.len();
        // Room for one virtual end step at a time (each is analysed alone, then dropped).
        self.an.clocks.resize((real + 1) * width, 0);
        let mut end_threads = runnable_at_end.iter();
        let steps = real + runnable_at_end.len() as usize;
        for k in start..steps {
            let i = k.min(real);
            let (tid, picked, global, accesses, spawned, killed) = if k < real {
                let e = fp.events[k];
                (
                    e.tid,
                    e.picked,
                    e.global,
                    fp.accesses_of(&e),
                    e.spawned,
                    fp.kills_of(&e),
                )
            } else {
                // A thread still runnable at the end: its next step, dependent with
                // everything, races with the last step of each other thread. Each such
                // step is analysed on its own, after the real ones, and then dropped.
                let t = end_threads.next().unwrap_or(NONE);
                self.an.finish(real);
                (t, false, true, &[][..], NONE, &[][..])
            };
            let p = tid as usize;
            if p >= width {
                // Cannot happen: threads are below nthreads.
                self.an.invalidate();
                return;
            }
            if k < real {
                self.an.begin_event(picks, last_global);
            }
            let node = if picked {
                picks += 1;
                self.picks.get(picks - 1).copied().unwrap_or(NONE)
            } else {
                NONE
            };
            let an = &mut self.an;
            if node != NONE {
                let n = node as usize;
                if an.event_of_node.len() <= n {
                    an.event_of_node.resize(n + 1, NONE);
                }
                an.event_of_node[n] = i as u32;
            }
            an.tid.push(tid);
            an.node.push(node);
            // The steps this one directly depends on.
            let mut cands = std::mem::take(&mut an.candidates);
            cands.clear();
            if global {
                for u in 0..width {
                    let x = an.last_event[u];
                    if u != p && x != NONE {
                        cands.push(x);
                    }
                }
            } else {
                if last_global != NONE && an.tid[last_global as usize] != tid {
                    cands.push(last_global);
                }
                for a in accesses {
                    if let Some((w, since)) = an.history(a.key) {
                        if w != NONE && an.tid[w as usize] != tid {
                            cands.push(w);
                        }
                        cands.extend(since.iter().filter_map(|&(r, m)| {
                            (an.tid[r as usize] != tid && a.mode.conflicts(m)).then_some(r)
                        }));
                    }
                }
                cands.sort_unstable();
                cands.dedup();
            }
            // Its clock: the thread's, joined with those of the steps it depends on.
            let ts = p * width;
            let mut prev = std::mem::take(&mut an.prev);
            prev.clear();
            prev.extend_from_slice(&an.thread_clock[ts..ts + width]);
            let row = i * width;
            an.clocks[row..row + width].copy_from_slice(&prev);
            for &c in &cands {
                let cs = c as usize * width;
                for u in 0..width {
                    let x = an.clocks[cs + u];
                    let v = &mut an.clocks[row + u];
                    *v = (*v).max(x);
                }
            }
            an.clocks[row + p] += 1;
            an.local.push(an.clocks[row + p]);
            // Races: dependencies not implied by program order or another dependency.
            for &c in &cands {
                let an = &self.an;
                if an.before(c, &prev) {
                    continue;
                }
                if cands.iter().any(|&c2| c2 != c && an.happens_before(c, c2)) {
                    continue;
                }
                self.reverse(c, i as u32);
            }
            for &t in killed {
                self.reverse_killed(i as u32, t);
            }
            let an = &mut self.an;
            an.candidates = cands;
            an.prev = prev;
            if k >= real {
                continue;
            }
            // Histories.
            let ev = i as u32;
            if global {
                last_global = ev;
            }
            an.record(ev, tid, accesses);
            if spawned != NONE && (spawned as usize) < width {
                an.set_thread_clock(spawned as usize, true, i);
            }
            an.set_thread_clock(p, false, i);
            an.set_last_event(p, ev);
        }
        self.an.finish(real);
    }

    /// Prepares the next schedule; false when the tree is exhausted.
    fn backtrack(&mut self) -> bool {
        self.nodes.truncate(self.pos);
        self.node_steps.truncate(self.pos);
        self.sym.truncate(self.pos);
        while let Some(node) = self.nodes.last_mut() {
            let cand = node
                .backtrack
                .iter()
                .find(|&t| !node.done.contains(t) && !node.sleep.contains(t));
            if let Some(t) = cand {
                node.done.insert(t);
                node.chosen = t;
                // The next run repeats the events before this decision's pick.
                let n = self.nodes.len() - 1;
                self.resume_from = match self.an.event_of_node.get(n) {
                    Some(&e) if !self.nodes[n].workload && e != NONE => e as usize,
                    _ => 0,
                };
                return true;
            }
            self.nodes.pop();
            self.node_steps.pop();
            self.sym.truncate(self.nodes.len());
        }
        false
    }

    /// A workload choice among `n` as a node whose every answer is explored.
    fn branch(&mut self, n: u32, default: u32) -> u32 {
        let options = ThreadSet::below(n);
        let c = if let Some(node) = self.nodes.get(self.pos) {
            if node.runnable != options || node.current != NONE {
                self.diverged = true;
            }
            node.chosen
        } else {
            self.nodes.push(Node {
                runnable: options.clone(),
                current: NONE,
                voluntary: true,
                sleeping: ThreadSet::new(),
                chosen: default,
                backtrack: options,
                done: ThreadSet::single(default),
                preemptions_before: self.preemptions,
                workload: true,
                sleep: ThreadSet::new(),
            });
            self.sym.push_node(ThreadSet::new());
            self.node_steps.push(Vec::new());
            default
        };
        self.pos += 1;
        c
    }
}

impl Decider for Dpor {
    fn begin(&mut self) {
        self.pos = 0;
        self.workload.begin();
        self.preemptions = 0;
        self.diverged = false;
        self.picks.clear();
        self.asleep.clear();
        self.stepping_node = NONE;
        self.blocked = false;
        self.coming = None;
        self.sym.begin();
    }

    fn choose(&mut self, kind: ChoiceKind, n: u32, default: u32) -> u32 {
        match self.workload.answer(kind, n, default) {
            Answer::Given(c) => c,
            Answer::Branch => self.branch(n, default),
        }
    }

    fn pick(&mut self, p: &Point) -> u32 {
        self.sym.load(p.twins);
        let sleeping = self.sleep_sets();
        let t = if let Some(node) = self.nodes.get(self.pos) {
            if node.runnable != *p.runnable || node.current != p.current {
                self.diverged = true;
            }
            let chosen = node.chosen;
            if sleeping {
                // The threads explored here before `chosen` sleep from now on.
                for f in &self.node_steps[self.pos] {
                    if f.tid != chosen && !self.asleep.iter().any(|s| s.tid == f.tid) {
                        self.asleep.push(f.clone());
                    }
                }
            }
            chosen
        } else {
            if let (Some(v), Some(k)) = (self.states.as_mut(), self.coming.take()) {
                if !v.visit(k) {
                    // Everything reachable from here was explored from an earlier visit.
                    self.blocked = true;
                    return default_pick(p);
                }
            }
            let fresh = self.sym.fresh_at(p.twins);
            let mut asleep = if sleeping {
                self.asleep_mask()
            } else {
                ThreadSet::new()
            };
            self.sym.close_sleep(&fresh, &mut asleep);
            let t = if asleep.is_empty() {
                default_pick(p)
            } else {
                let mut awake = p.runnable.clone();
                awake.subtract(&asleep);
                if awake.is_empty() {
                    // Every order from here starts with a step explored elsewhere.
                    self.blocked = true;
                    return default_pick(p);
                }
                default_pick(&Point {
                    runnable: &awake,
                    ..*p
                })
            };
            // A sleeping thread's fresh twins sleep too, so the lowest twin is awake.
            let t = self.sym.canonical_in(&fresh, p.runnable, t);
            self.nodes.push(Node {
                runnable: p.runnable.clone(),
                current: p.current,
                voluntary: p.voluntary,
                sleeping: p.sleeping.clone(),
                chosen: t,
                backtrack: ThreadSet::single(t),
                done: ThreadSet::single(t),
                preemptions_before: self.preemptions,
                workload: false,
                sleep: asleep,
            });
            self.sym.push_node(fresh);
            self.node_steps.push(Vec::new());
            if !self.reduce {
                let n = self.nodes.len() - 1;
                for u in p.runnable.iter().filter(|&u| u != t) {
                    self.add(n, u);
                }
            }
            t
        };
        if p.is_preemption(t) {
            self.preemptions += 1;
        }
        self.picks.push(self.pos as u32);
        self.stepping_node = self.pos as u32;
        self.pos += 1;
        t
    }

    fn after_event(&mut self, e: &Event, accesses: &[Access]) {
        if !self.sleep_sets() {
            return;
        }
        let n = std::mem::replace(&mut self.stepping_node, NONE);
        if n != NONE {
            let steps = &mut self.node_steps[n as usize];
            if !steps.iter().any(|f| f.tid == e.tid) {
                steps.push(Footprint {
                    tid: e.tid,
                    global: e.global,
                    accesses: accesses.to_vec(),
                });
            }
        }
        self.asleep
            .retain(|s| s.tid != e.tid && !s.depends_on(e.global, accesses));
    }

    fn redundant(&self) -> bool {
        self.blocked
    }

    fn wants_symmetry(&self) -> bool {
        self.sym.on()
    }

    fn wants_state(&self) -> bool {
        self.states.is_some() && self.pos >= self.nodes.len()
    }

    fn observe_state(&mut self, k: StateKey) {
        self.coming = Some(k);
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

    /// Every schedule of the toy threads `steps` within `bound` preemptions, in DFS order
    /// (toy threads record no footprints: the plain search).
    fn explore(bound: u32, steps: &[u32]) -> Vec<Vec<u32>> {
        let mut d = Dpor::with_workload(bound, Vec::new()).without_reduction();
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
            let mut d = Dpor::with_workload(bound, Vec::new()).without_reduction();
            while toy::run(&mut d, &steps).1 {}
            d.explored_everything()
        };
        assert!(!ended(0) && !ended(1) && ended(2) && ended(3));
    }

    #[test]
    fn without_races_the_reduced_search_runs_one_schedule() {
        // Nothing reports a dependency between the toy threads: one order covers them all.
        let mut d = Dpor::with_workload(2, Vec::new());
        let (order, more) = toy::run(&mut d, &[2, 2]);
        assert_eq!(order, vec![0, 0, 1, 1]);
        assert!(!more);
    }
}
