//! Runs executions under a strategy: one from bytes, a batch under a registered strategy
//! (`sched::registry`) with a budget, a replay of a choice list, or bounded exhaustive search (`verify`) by iterative
//! preemption bounding, which also yields the minimal preemption count a finding needs.

use crate::error::{CoreError, CoreResult};
use crate::exec::{Execution, RunStatus};
use crate::outcome::Outcome;
use crate::sched::bytes::FromBytes;
use crate::sched::dpor::Dpor;
use crate::sched::registry::{self, Params, WithDecider};
use crate::sched::replay::Replay;
use crate::sched::runs::FromRuns;
use crate::sched::{Decider, RunEnd};
use std::collections::BTreeMap;

/// The result of a batch.
#[derive(Clone, Debug, Default)]
pub struct BatchResult {
    pub executions: u64,
    pub steps: u64,
    pub ops: u64,
    pub step_limits: u64,
    /// The first finding: the 1-based execution index and its outcome.
    pub first: Option<(u64, Outcome)>,
    /// Findings in total (counting repeats).
    pub findings: u64,
    /// With `stop_on_finding` off: the first execution of each distinct title (at most
    /// `MAX_DISTINCT`), with its 1-based index.
    pub distinct: Vec<(u64, Outcome)>,
    /// The poll callback stopped the batch before its budget.
    pub interrupted: bool,
    /// The model went wrong in this execution (1-based index): the batch stopped there.
    pub model_error: Option<(u64, Outcome)>,
}

/// How far a batch or a search has come, as its poll callback sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Executions (schedules, for a search) run so far.
    pub executions: u64,
    /// The preemption bound being explored (searches only).
    pub bound: u32,
    /// Findings so far (batches; a search stops at its first).
    pub findings: u64,
}

/// Executions between two calls of a poll callback: a few milliseconds on typical models,
/// so an interruption is seen well within a second.
pub const POLL_EVERY: u64 = 256;

/// Called every `POLL_EVERY` executions of a batch or search; answering false stops it
/// (the caller saw Ctrl-C or SIGTERM), and the result says it was interrupted.
pub type Poll<'a> = &'a mut dyn FnMut(&Progress) -> bool;

/// A poll callback that never stops anything.
pub fn never_stop(_: &Progress) -> bool {
    true
}

/// How many distinct titles one batch collects.
pub const MAX_DISTINCT: usize = 32;

/// How fuzzer bytes become decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// One byte per decision, then a PRNG seeded by the input (`sched::bytes`).
    Bytes,
    /// Switch points over the default schedule, no random fallback (`sched::runs`).
    Switches,
}

impl Encoding {
    /// Parses `bytes` or `switches`.
    pub fn parse(name: &str) -> CoreResult<Encoding> {
        match name {
            "bytes" => Ok(Encoding::Bytes),
            "switches" => Ok(Encoding::Switches),
            other => Err(CoreError::UnknownName(format!(
                "unknown input encoding '{other}' (expected bytes or switches)"
            ))),
        }
    }
}

/// Runs one execution from fuzzer bytes.
pub fn run_bytes(ex: &mut Execution, data: &[u8], trace: bool) -> Outcome {
    run_input(ex, data, Encoding::Bytes, trace)
}

/// Runs one execution from fuzzer bytes in the given encoding.
pub fn run_input(ex: &mut Execution, data: &[u8], encoding: Encoding, trace: bool) -> Outcome {
    ex.set_tracing(trace);
    let st = match encoding {
        Encoding::Bytes => ex.run(&mut FromBytes::new(data)),
        Encoding::Switches => ex.run(&mut FromRuns::new(data)),
    };
    Outcome::capture(ex, st, trace)
}

/// Replays a choice list (strict: inapplicable choices make the outcome "invalid").
pub fn replay(ex: &mut Execution, choices: &[u32], strict: bool, trace: bool) -> Outcome {
    ex.set_tracing(trace);
    let mut d = Replay::new(choices, strict);
    let st = ex.run(&mut d);
    Outcome::capture(ex, st, trace)
}

/// Runs up to `executions` executions under the registered strategy `strategy` (see
/// `sched::registry`); stops at the first finding when asked.
pub fn run_batch(
    ex: &mut Execution,
    strategy: &str,
    params: &Params,
    executions: u64,
    stop_on_finding: bool,
    poll: Poll,
) -> CoreResult<BatchResult> {
    ex.set_tracing(false);
    registry::with_strategy(
        strategy,
        params,
        Batch {
            ex,
            executions,
            stop_on_finding,
            poll,
        },
    )
}

/// A batch run with whichever decider the registry builds.
struct Batch<'a, 'p> {
    ex: &'a mut Execution<'p>,
    executions: u64,
    stop_on_finding: bool,
    poll: Poll<'a>,
}

impl WithDecider for Batch<'_, '_> {
    type Output = BatchResult;

    fn with<D: Decider>(self, d: &mut D) -> BatchResult {
        let ex = self.ex;
        let mut res = BatchResult::default();
        for i in 0..self.executions {
            if i % POLL_EVERY == POLL_EVERY - 1 {
                let progress = Progress {
                    executions: i,
                    bound: 0,
                    findings: res.findings,
                };
                if !(self.poll)(&progress) {
                    res.interrupted = true;
                    return res;
                }
            }
            let st = ex.run(d);
            res.executions += 1;
            res.steps += ex.steps;
            res.ops += ex.ops;
            d.end(&run_end(ex));
            match st {
                RunStatus::Finding => {
                    res.findings += 1;
                    if res.first.is_none() {
                        res.first = Some((i + 1, Outcome::capture(ex, st, false)));
                    }
                    if self.stop_on_finding {
                        return res;
                    }
                    let title = ex.finding.as_ref().map(|f| f.title.as_str()).unwrap_or("");
                    let known = res
                        .distinct
                        .iter()
                        .any(|(_, o)| o.finding.as_ref().is_some_and(|f| f.title == title));
                    if !known && res.distinct.len() < MAX_DISTINCT {
                        res.distinct.push((i + 1, Outcome::capture(ex, st, false)));
                    }
                }
                RunStatus::StepLimit => res.step_limits += 1,
                RunStatus::ModelError => {
                    res.model_error = Some((i + 1, Outcome::capture(ex, st, false)));
                    return res;
                }
                _ => {}
            }
        }
        res
    }
}

/// The result of bounded exhaustive search.
#[derive(Clone, Debug, Default)]
pub struct VerifyResult {
    /// Executions run, over all bounds.
    pub schedules: u64,
    /// The highest bound fully explored (or being explored when a finding or the budget
    /// stopped the search).
    pub bound: u32,
    /// Whether every schedule within `bound` was explored.
    pub complete: bool,
    /// Whether every interleaving was explored: a bound was completed without cutting any
    /// schedule off (larger bounds would add nothing), so the search stopped there.
    pub exhaustive: bool,
    /// For each bound explored: the schedules with exactly that many preemptions (each
    /// bound re-runs the smaller ones; those are not counted again here).
    pub new_per_bound: Vec<u64>,
    /// Each workload explored (its workload choices) with its schedules counted as in
    /// `new_per_bound`, in choice order.
    pub workloads: Vec<(Vec<u32>, u64)>,
    pub step_limits: u64,
    /// Findings passed over because their title was not the target.
    pub other_findings: u64,
    /// With `SearchSpec::every_finding`: each distinct title found, with the fewest
    /// preemptions of a schedule that showed it.
    pub titles: BTreeMap<String, u32>,
    /// The first finding, at the smallest bound that has one.
    pub outcome: Option<Outcome>,
    /// The poll callback stopped the search.
    pub interrupted: bool,
    /// The model went wrong in the last schedule run: the search stopped there.
    pub model_error: Option<Outcome>,
    /// The search was in its unbounded part (`--preemptions all`) when it ended: `bound` is
    /// then the most preemptions a schedule had so far, not a bound being explored.
    pub unbounded: bool,
    /// Distinct states the unbounded part's stateful search explored from (0 before it).
    pub states: u64,
    /// The stateful search, not the reduced one, finished the unbounded part (at least one
    /// of its trees): the per-bound counts are then those of the reduced search so far.
    pub by_states: bool,
    /// Identical threads not yet started were explored once (`SearchSpec::symmetry`) to the
    /// end; false when symmetry was off, or dropped because a run showed that thread
    /// numbers decided something (the search then went on, or started its tree again,
    /// without it).
    pub symmetry: bool,
}

/// What bounded exhaustive search looks for, and where.
#[derive(Clone, Debug, Default)]
pub struct SearchSpec {
    pub max_preemptions: u32,
    pub max_schedules: u64,
    /// Workload choices to search under (empty: the default workload).
    pub workload: Vec<u32>,
    /// Only a finding with this title ends the search (None: any finding).
    pub target: Option<String>,
    /// Explore every workload (optional actors, action counts, actions) instead of one.
    pub all_workloads: bool,
    /// Explore every schedule within the bound (plain depth-first search) instead of the
    /// partial-order reduced search: slower, kept to check the reduction against.
    pub no_reduction: bool,
    /// Do not stop at a finding: explore the whole bound and collect every distinct title
    /// (`VerifyResult::titles`), e.g. to compare two searches.
    pub every_finding: bool,
    /// How the unbounded part of `--preemptions all` searches.
    pub unbounded_search: UnboundedSearch,
    /// Explore only the lowest-numbered of identical threads that have not started
    /// (`sched::symmetry`): the same findings with the same fewest preemptions, in fewer
    /// schedules when a scenario runs several copies of one actor.
    pub symmetry: bool,
}

/// The unbounded search of `--preemptions all` (see `both_trees`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnboundedSearch {
    /// The reduced and the stateful search in turn; the first to finish ends it.
    #[default]
    Both,
    /// The reduced search alone (source sets and sleep sets).
    Reduced,
    /// The stateful search alone (every thread, states explored once).
    Stateful,
}

impl UnboundedSearch {
    /// The search by its name: `both`, `reduction` or `states`.
    pub fn by_name(name: &str) -> CoreResult<UnboundedSearch> {
        match name {
            "both" => Ok(UnboundedSearch::Both),
            "reduction" => Ok(UnboundedSearch::Reduced),
            "states" => Ok(UnboundedSearch::Stateful),
            _ => Err(CoreError::UnknownName(format!(
                "unknown unbounded search '{name}' (both, reduction, states)"
            ))),
        }
    }
}

/// Lets the tree search see the run that just ended, before `Decider::end`.
fn observe(d: &mut Dpor, ex: &Execution, st: RunStatus) {
    // A run cut short leaves threads that could still have stepped.
    let stopped = matches!(st, RunStatus::Finding | RunStatus::StepLimit);
    let none = crate::sched::ThreadSet::new();
    let rest = if stopped { &ex.runnable } else { &none };
    d.analyze(&ex.footprints, ex.nthreads, rest);
}

/// Exhaustive search with 0, 1, ..., `max_preemptions` preemptions over the default
/// workload; stops at the first finding (whose preemption count is then minimal) or when
/// `max_schedules` executions have run.
pub fn verify(ex: &mut Execution, max_preemptions: u32, max_schedules: u64) -> VerifyResult {
    search(
        ex,
        &SearchSpec {
            max_preemptions,
            max_schedules,
            symmetry: true,
            ..SearchSpec::default()
        },
        &mut never_stop,
    )
}

/// What a decider learns from the execution that just ended.
fn run_end(ex: &Execution) -> RunEnd {
    RunEnd {
        steps: ex.steps,
        failable: ex.failable,
    }
}

/// Iterative preemption bounding as `verify`, under a given workload and for a given title.
/// With fault injection, each bound searches one tree per fail-nth value (0: no failure,
/// then 1, 2, ... while some run made that many failable calls), unless the workload fixes
/// it; without, the one tree of the workload, as before.
pub fn search(ex: &mut Execution, spec: &SearchSpec, poll: Poll) -> VerifyResult {
    let make = |bound, nth, symmetric| {
        let d = if spec.all_workloads {
            Dpor::all_workloads(bound)
        } else {
            Dpor::with_workload(bound, spec.workload.clone())
        };
        let d = d.with_fail_nth(nth).with_symmetry(symmetric);
        if spec.no_reduction {
            d.without_reduction()
        } else {
            d
        }
    };
    if spec.no_reduction {
        return search_with(ex, spec, poll, make);
    }
    ex.footprints.on = true;
    let res = if spec.max_preemptions == u32::MAX {
        search_complete(ex, spec, poll, make)
    } else {
        search_with(ex, spec, poll, make)
    };
    ex.footprints.on = false;
    ex.footprints.clear();
    res
}

/// `search` with the tree search `make(bound, fail_nth, symmetric)` builds: iterative preemption
/// bounding, bound after bound, until a bound cuts nothing off (every interleaving was
/// explored), a finding, or `spec.max_preemptions`.
fn search_with(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    make: impl Fn(u32, u32, bool) -> Dpor,
) -> VerifyResult {
    ex.set_tracing(false);
    let mut s = Search {
        res: VerifyResult {
            symmetry: spec.symmetry,
            ..VerifyResult::default()
        },
        per_workload: BTreeMap::new(),
        counts_at_tree_start: None,
    };
    for bound in 0..=spec.max_preemptions {
        s.res.bound = bound;
        s.res.complete = false;
        if s.res.new_per_bound.len() <= bound as usize {
            s.res.new_per_bound.resize(bound as usize + 1, 0);
        }
        let Some(everything) = s.explore(ex, spec, poll, &make, bound, (bound, bound)) else {
            return s.finish();
        };
        s.res.complete = true;
        if everything {
            s.res.exhaustive = true;
            break;
        }
    }
    s.finish()
}

/// `verify --preemptions all` with the reduction: bounds 0 to `COMPLETE_BOUNDED` as usual
/// (cheap, and they give small counterexamples their minimal preemptions), then one
/// unbounded reduced search over every interleaving. A finding there is then sought at
/// each bound below its own preemption count, so the count reported is still minimal.
fn search_complete(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    make: impl Fn(u32, u32, bool) -> Dpor,
) -> VerifyResult {
    let bounded = SearchSpec {
        max_preemptions: COMPLETE_BOUNDED,
        ..spec.clone()
    };
    let res = search_with(ex, &bounded, poll, &make);
    let stopped = res.outcome.is_some() || res.model_error.is_some() || res.interrupted;
    if stopped || res.exhaustive || !res.complete {
        return res;
    }
    let mut s = Search {
        res,
        per_workload: BTreeMap::new(),
        counts_at_tree_start: None,
    };
    for (w, n) in std::mem::take(&mut s.res.workloads) {
        s.per_workload.insert(w, n);
    }
    let unbounded = u32::MAX;
    s.res.unbounded = true;
    let done = s.explore(
        ex,
        spec,
        poll,
        &make,
        unbounded,
        (COMPLETE_BOUNDED + 1, unbounded),
    );
    s.res.bound = s.res.new_per_bound.len().saturating_sub(1) as u32;
    let Some(outcome) = s.res.outcome.clone() else {
        s.res.complete = done.is_some();
        s.res.exhaustive = done == Some(true);
        return s.finish();
    };
    // The unbounded search found a bug; the smallest bound that also finds it.
    let needs = outcome.preemptions as u32;
    let title = outcome.finding.as_ref().map(|f| f.title.clone());
    for bound in COMPLETE_BOUNDED + 1..needs {
        let targeted = SearchSpec {
            target: title.clone(),
            ..spec.clone()
        };
        s.res.outcome = None;
        s.res.bound = bound;
        if s.explore(ex, &targeted, poll, &make, bound, (u32::MAX, 0))
            .is_none()
        {
            if s.res.outcome.is_none() {
                // Budget or interruption: the unbounded search's counterexample stands.
                s.res.outcome = Some(outcome);
            }
            s.res.bound = s
                .res
                .outcome
                .as_ref()
                .map_or(needs, |o| o.preemptions as u32);
            return s.finish();
        }
    }
    s.res.outcome = Some(outcome);
    s.res.bound = needs;
    s.finish()
}

/// Bounds explored one by one before `--preemptions all` searches without a bound: most
/// bugs need 0 or 1 preemptions and are found there at their minimal count, cheaply; a
/// larger prefix re-runs more schedules (bound 2 doubled the executions of the peers' demo
/// program, 27 against 18 with sleep sets; loom needs 12).
pub const COMPLETE_BOUNDED: u32 = 1;

/// A search in progress: its result so far (`res.symmetry`: whether its trees still treat
/// identical threads alike) and its schedules per workload; with symmetry, the counts as
/// the current tree started, to count from again if the tree must start again without it.
struct Search {
    res: VerifyResult,
    per_workload: BTreeMap<Vec<u32>, u64>,
    counts_at_tree_start: Option<Counts>,
}

/// A search's per-bound and per-workload schedule counts.
type Counts = (Vec<u64>, BTreeMap<Vec<u32>, u64>);

impl Search {
    fn finish(mut self) -> VerifyResult {
        self.res.workloads = self.per_workload.into_iter().collect();
        self.res
    }

    /// Explores every tree at `bound` (one per fail-nth value with fault injection);
    /// None when the search must stop, else whether the bound cut nothing off. A run is
    /// counted in `new_per_bound` when its preemptions are within `counted`.
    fn explore(
        &mut self,
        ex: &mut Execution,
        spec: &SearchSpec,
        poll: Poll,
        make: &impl Fn(u32, u32, bool) -> Dpor,
        bound: u32,
        counted: (u32, u32),
    ) -> Option<bool> {
        let faults = ex.prog.faults.is_some();
        let mut everything = true;
        let mut most_failable = 0;
        let mut nth = 0;
        loop {
            let unbounded = bound == u32::MAX && spec.max_preemptions == u32::MAX;
            let symmetric = self.res.symmetry;
            self.counts_at_tree_start =
                symmetric.then(|| (self.res.new_per_bound.clone(), self.per_workload.clone()));
            let make = |bound, nth| make(bound, nth, symmetric);
            let d = match spec.unbounded_search {
                UnboundedSearch::Both if unbounded => {
                    let (reduced, stateful) = (make(bound, nth), make(bound, nth).with_states());
                    both_trees(
                        ex,
                        spec,
                        poll,
                        self,
                        reduced,
                        stateful,
                        &mut most_failable,
                        counted,
                    )
                }
                UnboundedSearch::Stateful if unbounded => {
                    let d = make(bound, nth).with_states();
                    ex.footprints.on = false;
                    let d = search_tree(ex, spec, poll, self, d, &mut most_failable, counted);
                    ex.footprints.on = true;
                    if d.is_some() {
                        self.res.by_states = true;
                    }
                    d
                }
                _ => search_tree(
                    ex,
                    spec,
                    poll,
                    self,
                    make(bound, nth),
                    &mut most_failable,
                    counted,
                ),
            }?;
            everything &= d.explored_everything();
            if !faults || d.fail_nth_fixed() || nth >= most_failable {
                return Some(everything);
            }
            if nth == crate::limits::MAX_FAIL_NTH {
                // Calls past the last fail-nth value were not failed.
                return Some(false);
            }
            nth += 1;
        }
    }
}

/// Explores one tree; None when the search must stop (a finding, a model error, the budget
/// or the poll callback), else the exhausted decider.
fn search_tree(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    search: &mut Search,
    mut d: Dpor,
    most_failable: &mut u32,
    counted: (u32, u32),
) -> Option<Dpor> {
    let exhausted = loop {
        match one_run(ex, spec, poll, search, &mut d, most_failable, counted) {
            None => break false,
            Some(true) => break true,
            Some(false) => {}
        }
    };
    search.res.states += d.states_explored();
    exhausted.then_some(d)
}

/// `both_trees`: the stateful search takes its first turn after this many runs of the
/// reduced search (small programs are done by then, in the reduction's few runs), and then
/// one run in every `STATEFUL_EVERY`.
pub const STATEFUL_JOINS: u64 = 256;
pub const STATEFUL_EVERY: u64 = 4;

/// The unbounded search of `--preemptions all` over one tree: the reduced search (source
/// sets and sleep sets: one run per class of equivalent interleavings) and the stateful
/// search (every thread at every decision, but a run stops at a state explored from
/// before) take turns, run by run, and the first to exhaust the tree ends it. Each is
/// complete on its own; which is faster depends on the program: many threads whose steps
/// mostly commute favour the reduction; two threads with long conflicting loops (a reader
/// looping over data a remover changes) favour the states, whose number grows with the
/// product of the threads' lengths where the interleavings grow exponentially. With one
/// turn in `STATEFUL_EVERY` for the states, a program the reduction finishes costs at most
/// a third more executions, and one the states finish at most `STATEFUL_EVERY` times the
/// stateful search's own. Only the reduced search's runs are counted per bound (they are
/// distinct interleavings); the stateful search's count as executions, and
/// `VerifyResult::states` says how many states it reached.
#[allow(clippy::too_many_arguments)]
fn both_trees(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    search: &mut Search,
    mut reduced: Dpor,
    mut stateful: Dpor,
    most_failable: &mut u32,
    counted: (u32, u32),
) -> Option<Dpor> {
    let mut turn = 0u64;
    let winner = loop {
        let by_states = turn >= STATEFUL_JOINS && (turn - STATEFUL_JOINS) % STATEFUL_EVERY == 0;
        turn += 1;
        // The stateful search needs no footprints.
        ex.footprints.on = !by_states;
        let (d, c) = if by_states {
            (&mut stateful, (u32::MAX, 0))
        } else {
            (&mut reduced, counted)
        };
        match one_run(ex, spec, poll, search, d, most_failable, c) {
            None => break None,
            Some(true) => break Some(by_states),
            Some(false) => {}
        }
    };
    ex.footprints.on = true;
    search.res.states += stateful.states_explored();
    match winner? {
        true => {
            search.res.by_states = true;
            Some(stateful)
        }
        false => Some(reduced),
    }
}

/// One run of a tree search: None when the search must stop, else whether the tree is
/// exhausted. A run is counted in `new_per_bound` when its preemptions are within `counted`.
fn one_run(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    search: &mut Search,
    d: &mut Dpor,
    most_failable: &mut u32,
    counted: (u32, u32),
) -> Option<bool> {
    let res = &mut search.res;
    let bound = res.bound;
    if res.schedules >= spec.max_schedules {
        return None;
    }
    if res.schedules % POLL_EVERY == POLL_EVERY - 1 {
        let progress = Progress {
            executions: res.schedules,
            bound,
            findings: 0,
        };
        if !poll(&progress) {
            res.interrupted = true;
            return None;
        }
    }
    if !res.symmetry && d.symmetric() {
        // Another tree of this search dropped symmetry (`both_trees`).
        d.drop_symmetry();
    }
    let st = ex.run(d);
    res.schedules += 1;
    if ex.order_observed && res.symmetry {
        // Thread numbers decided something in this run: no more symmetry. Before the run's
        // races are analysed, so that a tree symmetry has not pruned yet goes on unchanged;
        // one it has starts again, and its runs are counted from there.
        res.symmetry = false;
        if d.drop_symmetry() {
            if counted.0 <= counted.1 {
                if let Some((per_bound, per_workload)) = search.counts_at_tree_start.take() {
                    res.new_per_bound = per_bound;
                    search.per_workload = per_workload;
                }
            }
            return Some(false);
        }
    }
    observe(d, ex, st);
    *most_failable = (*most_failable).max(ex.failable);
    let p = ex.preemptions.min(u32::MAX as u64) as u32;
    if st != RunStatus::Redundant && counted.0 <= p && p <= counted.1 {
        if res.new_per_bound.len() <= p as usize {
            res.new_per_bound.resize(p as usize + 1, 0);
        }
        res.new_per_bound[p as usize] += 1;
        *search
            .per_workload
            .entry(ex.choices[..ex.workload_len].to_vec())
            .or_default() += 1;
    }
    match st {
        RunStatus::Finding if spec.every_finding => {
            if let Some(f) = &ex.finding {
                let p = ex.preemptions.min(u32::MAX as u64) as u32;
                let best = res.titles.entry(f.title.clone()).or_insert(p);
                *best = (*best).min(p);
            }
        }
        RunStatus::Finding => {
            let wanted = match (&spec.target, &ex.finding) {
                (Some(t), Some(f)) => f.title == *t,
                _ => true,
            };
            if wanted {
                res.outcome = Some(Outcome::capture(ex, st, false));
                return None;
            }
            res.other_findings += 1;
        }
        RunStatus::StepLimit => res.step_limits += 1,
        RunStatus::ModelError => {
            res.model_error = Some(Outcome::capture(ex, st, false));
            return None;
        }
        _ => {}
    }
    if !d.end(&run_end(ex)) {
        return Some(true);
    }
    Some(false)
}
