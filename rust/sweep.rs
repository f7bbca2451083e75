//! `verify`'s budgeted workload sweep (the command line's default `--workloads auto`): the
//! default workload first, then every other workload smallest first (`WorkloadSpace`), each
//! searched on its own by `runner::search` within the preemption bound, until a budget of
//! schedules is spent. A fixed driver that is clean only on its default workload does not
//! pass: the small workloads next to it (fewer or other actions, an optional actor absent,
//! an interrupt that does or does not come) are explored too, and when the budget stops the
//! sweep before the last workload the result says how far it got instead of "clean". The
//! default workload is always searched whole; the budget is for the others.
//!
//! Each workload is a search of its own, so a finding's preemption count is the fewest its
//! workload needs (`--workloads all` searches every workload in one tree, bound by bound,
//! and gives the fewest over all workloads).

use crate::exec::Execution;
use crate::runner::{self, Poll, Progress, SearchSpec, VerifyResult};
use crate::sched::workload_space::WorkloadSpace;

/// How far a sweep got.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Workloads searched to the end of the bound.
    pub explored: u64,
    /// Workloads there are (saturating).
    pub total: u128,
    /// Every workload of at most this many actions was searched, and there is one of this
    /// size (None: not even all of the smallest size that has workloads).
    pub complete_up_to: Option<u32>,
    /// The budget stopped the sweep with workloads left.
    pub cut: bool,
}

/// A sweep's search result (its counts summed over the workloads) and scope.
#[derive(Clone, Debug, Default)]
pub struct SweepResult {
    pub verify: VerifyResult,
    pub scope: Scope,
}

/// Searches the default workload, then the others smallest first, each within
/// `spec.max_preemptions`, until a finding, the poll callback, `spec.max_schedules`, or
/// `budget` schedules spent on the workloads after the default one (the workload the budget
/// runs out in is not counted as explored) stops it. With `jobs > 1` the workloads are
/// searched by that many threads (`sweep_parallel`), with the very same result.
pub fn verify_sweep(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    budget: u64,
    jobs: usize,
) -> SweepResult {
    if jobs > 1 {
        let space = WorkloadSpace::new(&ex.prog.actors);
        return crate::sweep_parallel::sweep(ex, spec, poll, budget, jobs, &space);
    }
    sweep_with(ex, spec, poll, budget, &mut |ex, one, _, poll| {
        runner::search(ex, one, poll)
    })
}

/// Where a sweep gets a workload's search from: `(ex, spec for the workload with its
/// schedule cap, the workload's index in sweep order, poll)`; it must be what
/// `runner::search` gives for that spec.
pub type Searcher<'a> = &'a mut dyn FnMut(&mut Execution, &SearchSpec, u64, Poll) -> VerifyResult;

/// The sweep in order, each workload's search from `searcher`.
pub fn sweep_with(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    budget: u64,
    searcher: Searcher,
) -> SweepResult {
    let space = WorkloadSpace::new(&ex.prog.actors);
    let default = space.default_workload();
    let mut sweep = Sweep {
        out: SweepResult {
            verify: VerifyResult {
                complete: true,
                exhaustive: true,
                symmetry: spec.symmetry,
                ..VerifyResult::default()
            },
            scope: Scope {
                total: space.total(),
                ..Scope::default()
            },
        },
        budget,
        default_schedules: None,
        stopped: false,
        index: 0,
    };
    sweep.one(ex, spec, poll, &default, searcher);
    for size in 0..=space.max_size() {
        if sweep.stopped {
            break;
        }
        let mut any = false;
        space.for_each_of_size(size, &mut |w| {
            any = true;
            if w != default.as_slice() {
                sweep.one(ex, spec, poll, w, searcher);
            }
            !sweep.stopped
        });
        // A size no workload has (below the actors' minimums) says nothing of the sweep.
        if !sweep.stopped && any {
            sweep.out.scope.complete_up_to = Some(size);
        }
    }
    let SweepResult { mut verify, scope } = sweep.out;
    if scope.cut {
        verify.complete = false;
        verify.exhaustive = false;
    }
    SweepResult { verify, scope }
}

/// Calls `f` with every workload in sweep order (the default one, then the others smallest
/// first) until it returns false.
pub fn for_each_in_order(space: &WorkloadSpace, f: &mut dyn FnMut(&[u32]) -> bool) {
    let default = space.default_workload();
    if !f(&default) {
        return;
    }
    for size in 0..=space.max_size() {
        let go_on = space.for_each_of_size(size, &mut |w| w == default.as_slice() || f(w));
        if !go_on {
            return;
        }
    }
}

struct Sweep {
    out: SweepResult,
    budget: u64,
    /// Schedules the default workload took (the budget is for the others).
    default_schedules: Option<u64>,
    /// A finding, a model error, the budget or the poll callback ended the sweep.
    stopped: bool,
    /// The next workload's index in sweep order.
    index: u64,
}

impl Sweep {
    /// Searches workload `w` and adds its result.
    fn one(
        &mut self,
        ex: &mut Execution,
        spec: &SearchSpec,
        poll: Poll,
        w: &[u32],
        searcher: Searcher,
    ) {
        let index = self.index;
        self.index += 1;
        let total = &mut self.out.verify;
        let before = total.schedules;
        let left = spec.max_schedules.saturating_sub(before);
        // The default workload is searched whole, as `--workloads default` would; the
        // budget bounds the schedules of all the others together.
        let budget_left = match self.default_schedules {
            None => u64::MAX,
            Some(d) => self.budget.saturating_sub(before - d),
        };
        if budget_left == 0 {
            self.out.scope.cut = true;
            self.stopped = true;
            return;
        }
        let one = SearchSpec {
            workload: w.to_vec(),
            all_workloads: false,
            max_schedules: left.min(budget_left),
            ..spec.clone()
        };
        // The callback sees the sweep's executions, not the workload's; it is asked after
        // every workload too, as a small workload may end before the search first asks.
        let mut offset_poll = |p: &Progress| {
            poll(&Progress {
                executions: before + p.executions,
                ..*p
            })
        };
        let r = searcher(ex, &one, index, &mut offset_poll);
        let ended = r.outcome.is_some() || r.model_error.is_some() || r.interrupted;
        let cut_short = !ended && !r.complete;
        add(total, r);
        self.default_schedules.get_or_insert(total.schedules);
        if ended || cut_short {
            // Cut by the budget (not by --max-schedules): the sweep is incomplete, and
            // says so by its scope; `complete` is false either way.
            self.out.scope.cut = cut_short && budget_left < left;
            self.stopped = true;
            return;
        }
        self.out.scope.explored += 1;
        let progress = Progress {
            executions: total.schedules,
            bound: total.bound,
            findings: 0,
        };
        if !poll(&progress) {
            total.interrupted = true;
            self.stopped = true;
        }
    }
}

/// Adds one workload's search to the sweep's.
fn add(total: &mut VerifyResult, r: VerifyResult) {
    total.schedules += r.schedules;
    total.bound = total.bound.max(r.bound);
    total.complete &= r.complete;
    total.exhaustive &= r.exhaustive;
    if total.new_per_bound.len() < r.new_per_bound.len() {
        total.new_per_bound.resize(r.new_per_bound.len(), 0);
    }
    for (sum, n) in total.new_per_bound.iter_mut().zip(&r.new_per_bound) {
        *sum += n;
    }
    total.workloads.extend(r.workloads);
    total.step_limits += r.step_limits;
    total.other_findings += r.other_findings;
    for (title, p) in r.titles {
        let best = total.titles.entry(title).or_insert(p);
        *best = (*best).min(p);
    }
    total.outcome = total.outcome.take().or(r.outcome);
    total.interrupted |= r.interrupted;
    total.model_error = total.model_error.take().or(r.model_error);
    total.unbounded |= r.unbounded;
    total.states += r.states;
    total.by_states |= r.by_states;
    total.symmetry &= r.symmetry;
}
