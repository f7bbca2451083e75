//! `Program`: a validated IR program plus its post-boot snapshot, and the run entry points.
//! Each call builds its Execution from the cached program and releases the GIL while the
//! core runs; the step loop never calls back into Python.

use super::errors::to_py;
use super::types::{PyBatch, PyOutcome, PyVerify};
use super::watch::Watch;
use crate::exec::Execution;
use crate::ir::{load_program, Program};
use crate::runner::{self, Encoding, SearchSpec};
use crate::sched::registry::Params;
use crate::sweep;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use self_cell::self_cell;
use std::sync::{Arc, Mutex};

/// The warm execution, built on first use.
type WarmExecution<'p> = Option<Execution<'p>>;

self_cell!(
    /// A program and the execution that borrows it, owned (and dropped) together.
    struct Loaded {
        owner: Arc<Program>,
        #[covariant]
        dependent: WarmExecution,
    }
);

/// A compiled scenario program.
#[pyclass(frozen, name = "Program", module = "pyfuzz._core")]
pub struct PyProgram {
    /// The program, shared with `loaded` so that getters need not wait for a running call.
    prog: Arc<Program>,
    /// A warm execution reused by consecutive calls (the atheris hot path).
    loaded: Mutex<Loaded>,
}

impl PyProgram {
    fn with_exec<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Execution) -> T + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let mut guard = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
            guard.with_dependent_mut(|prog, warm| {
                if warm.is_none() {
                    *warm = Some(Execution::new(prog)?);
                }
                Ok(f(warm.as_mut().expect("just built")))
            })
        })
        .map_err(to_py)
    }
}

#[pymethods]
impl PyProgram {
    /// Validates the IR (bytes of JSON) and runs the scenario's boot functions.
    #[new]
    fn new(py: Python<'_>, ir: &[u8]) -> PyResult<PyProgram> {
        let prog = py.detach(|| load_program(ir)).map_err(to_py)?;
        let prog = Arc::new(prog);
        let p = PyProgram {
            prog: prog.clone(),
            loaded: Mutex::new(Loaded::new(prog, |_| None)),
        };
        // Boot now so a broken scenario fails at construction.
        p.with_exec(py, |_| ())?;
        Ok(p)
    }

    #[getter]
    fn name(&self) -> String {
        self.prog.name.clone()
    }

    #[getter]
    fn variant(&self) -> String {
        self.prog.variant.clone()
    }

    /// Actor names in thread-id order.
    #[getter]
    fn actors(&self) -> Vec<String> {
        self.prog.actors.iter().map(|a| a.name.clone()).collect()
    }

    /// Summary of the program: counts of functions, structs, lock classes, actors.
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", &self.prog.name)?;
        d.set_item("variant", &self.prog.variant)?;
        d.set_item("functions", self.prog.functions.len())?;
        d.set_item("structs", self.prog.structs.len())?;
        d.set_item("lock_classes", self.prog.lock_classes.len())?;
        d.set_item("actors", self.actors())?;
        d.set_item("lockdep", self.prog.config.lockdep)?;
        d.set_item("max_steps", self.prog.config.max_steps)?;
        Ok(d)
    }

    /// One execution whose decisions come from `data` (then a PRNG seeded by it). With
    /// `feedback`, the run reports model-state features to the libFuzzer counters.
    /// `encoding`: "bytes" (one byte per decision, then a PRNG seeded by the input) or
    /// "switches" (switch points over the default schedule; see `sched::runs`).
    #[pyo3(signature = (data, *, trace = false, feedback = false, encoding = "bytes"))]
    fn run_bytes(
        &self,
        py: Python<'_>,
        data: &[u8],
        trace: bool,
        feedback: bool,
        encoding: &str,
    ) -> PyResult<PyOutcome> {
        let encoding = Encoding::parse(encoding).map_err(to_py)?;
        let data = data.to_vec();
        let o = self.with_exec(py, move |ex| {
            ex.feedback = feedback;
            let o = runner::run_input(ex, &data, encoding, trace);
            ex.feedback = false;
            o
        })?;
        PyOutcome::from_core(py, o)
    }

    /// Replays a choice list. `strict`: a choice that cannot apply gives status "invalid".
    #[pyo3(signature = (choices, *, trace = true, strict = true))]
    fn replay(
        &self,
        py: Python<'_>,
        choices: Vec<u32>,
        trace: bool,
        strict: bool,
    ) -> PyResult<PyOutcome> {
        let o = self.with_exec(py, move |ex| runner::replay(ex, &choices, strict, trace))?;
        PyOutcome::from_core(py, o)
    }

    /// Runs up to `executions` executions under a strategy named in `_core.STRATEGIES`
    /// (`depth` is PCT's bug depth). Ctrl-C or SIGTERM stops it within a fraction of a
    /// second: with `interruptible`, the partial result comes back with `interrupted` set
    /// to the signal's name; otherwise the exception propagates. `progress`, if given, is
    /// called a few times a second as `progress(executions, bound, findings)`.
    #[pyo3(signature = (
        strategy, executions, *, seed = 0, depth = 3, stop_on_finding = true,
        interruptible = false, progress = None
    ))]
    fn run_batch(
        &self,
        py: Python<'_>,
        strategy: &str,
        executions: u64,
        seed: u64,
        depth: u32,
        stop_on_finding: bool,
        interruptible: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<PyBatch> {
        let params = Params {
            seed,
            depth: depth.max(1),
        };
        let strategy = strategy.to_owned();
        let mut watch = Watch::new(progress);
        let r = self
            .with_exec(py, |ex| {
                let mut poll = |p: &runner::Progress| watch.poll(p);
                runner::run_batch(
                    ex,
                    &strategy,
                    &params,
                    executions,
                    stop_on_finding,
                    &mut poll,
                )
            })?
            .map_err(to_py)?;
        let interrupted = watch.finish(py, interruptible)?;
        let (first_at, outcome) = match r.first {
            Some((i, o)) => (Some(i), Some(Py::new(py, PyOutcome::from_core(py, o)?)?)),
            None => (None, None),
        };
        let model_error = match r.model_error {
            Some((i, o)) => Some((i, Py::new(py, PyOutcome::from_core(py, o)?)?)),
            None => None,
        };
        let mut distinct = Vec::with_capacity(r.distinct.len());
        for (i, o) in r.distinct {
            distinct.push((i, Py::new(py, PyOutcome::from_core(py, o)?)?));
        }
        Ok(PyBatch {
            executions: r.executions,
            steps: r.steps,
            ops: r.ops,
            step_limits: r.step_limits,
            findings: r.findings,
            first_at,
            outcome,
            distinct,
            interrupted,
            model_error,
        })
    }

    /// Bounded exhaustive search with up to `preemptions` preemptions, by iterative
    /// preemption bounding: under the default workload, or under `workload` (workload
    /// choices, as at the head of a choice list); ended by the first finding, or only by one
    /// titled `target` when given.
    /// Interruption and `progress` as for `run_batch`. `reduction=False` explores every
    /// schedule within the bound instead of the partial-order reduced set (for checking the
    /// reduction; the findings and minimal preemptions are the same). `every_finding=True`
    /// explores the whole bound and collects every distinct title (`titles`) instead of
    /// stopping at the first finding. `unbounded` chooses the search of the unbounded part
    /// of `preemptions = 2**32 - 1` (all): "both" (the reduced and the stateful search in
    /// turn, the default), "reduction" or "states" alone; `states` and `by_states` report on
    /// the stateful one. `symmetry` (default: as `reduction`) explores only the
    /// lowest-numbered of identical threads that have not started yet (the same findings
    /// and minimal preemptions; `symmetry` on the result says whether it held to the end).
    /// `workload_budget` (schedules) sweeps the workloads instead of searching one: the
    /// default workload (whole), then every other smallest first, each on its own, until
    /// the others have taken that many schedules (`sweep` on the result says how far it got).
    /// `jobs` > 1 searches the sweep's workloads on that many threads, with the same result;
    /// with `all_workloads` it makes the one search over every workload a sweep without a
    /// budget (a finding's preemptions are then the fewest on its own workload).
    #[pyo3(signature = (
        preemptions, *, max_schedules = 10_000_000, workload = None, target = None,
        interruptible = false, progress = None, all_workloads = false, reduction = true,
        every_finding = false, unbounded = "both", symmetry = None, workload_budget = None,
        jobs = 1
    ))]
    fn verify(
        &self,
        py: Python<'_>,
        preemptions: u32,
        max_schedules: u64,
        workload: Option<Vec<u32>>,
        target: Option<String>,
        interruptible: bool,
        progress: Option<Py<PyAny>>,
        all_workloads: bool,
        reduction: bool,
        every_finding: bool,
        unbounded: &str,
        symmetry: Option<bool>,
        workload_budget: Option<u64>,
        jobs: usize,
    ) -> PyResult<PyVerify> {
        let unbounded_search = runner::UnboundedSearch::by_name(unbounded).map_err(to_py)?;
        let spec = SearchSpec {
            max_preemptions: preemptions,
            max_schedules,
            workload: workload.unwrap_or_default(),
            target,
            all_workloads,
            no_reduction: !reduction,
            every_finding,
            unbounded_search,
            symmetry: symmetry.unwrap_or(reduction),
        };
        let mut watch = Watch::new(progress);
        let (r, scope) = self.with_exec(py, |ex| {
            let mut poll = |p: &runner::Progress| watch.poll(p);
            // Every workload on several threads: the sweep without a budget.
            let budget = match workload_budget {
                _ if all_workloads && jobs > 1 => Some(u64::MAX),
                _ if all_workloads => None,
                b => b,
            };
            match budget {
                Some(budget) if spec.workload.is_empty() => {
                    let s = sweep::verify_sweep(ex, &spec, &mut poll, budget, jobs);
                    (s.verify, Some(s.scope))
                }
                _ => (runner::search(ex, &spec, &mut poll), None),
            }
        })?;
        let interrupted = watch.finish(py, interruptible)?;
        let outcome = match r.outcome {
            Some(o) => Some(Py::new(py, PyOutcome::from_core(py, o)?)?),
            None => None,
        };
        let model_error = match r.model_error {
            Some(o) => Some(Py::new(py, PyOutcome::from_core(py, o)?)?),
            None => None,
        };
        Ok(PyVerify {
            schedules: r.schedules,
            bound: r.bound,
            complete: r.complete,
            exhaustive: r.exhaustive,
            new_per_bound: r.new_per_bound,
            workloads: r.workloads,
            step_limits: r.step_limits,
            other_findings: r.other_findings,
            titles: r.titles.into_iter().collect(),
            unbounded: r.unbounded,
            states: r.states,
            by_states: r.by_states,
            symmetry: r.symmetry,
            outcome,
            interrupted,
            model_error,
            sweep: scope.map(|s| (s.explored, s.total, s.complete_up_to, s.cut)),
        })
    }

    /// How many workloads the program has (optional actors present or not, action counts,
    /// which actions; an optional actor present with no action counted as absent).
    fn workload_count(&self) -> u128 {
        crate::sched::workload_space::WorkloadSpace::new(&self.prog.actors).total()
    }

    /// The actors in thread-id order: dicts with `name`, `context`, `optional`, `daemon`,
    /// `min`, `max`, `actions` (names) and `default` (the default workload's action indices).
    fn actor_table<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for a in &self.prog.actors {
            let d = PyDict::new(py);
            d.set_item("name", &a.name)?;
            d.set_item("context", a.context.name())?;
            d.set_item("optional", a.optional)?;
            d.set_item("daemon", a.daemon)?;
            d.set_item("min", a.min)?;
            d.set_item("max", a.max)?;
            let names: Vec<&str> = a.actions.iter().map(|x| x.name.as_str()).collect();
            d.set_item("actions", names)?;
            d.set_item("default", &a.default)?;
            list.append(d)?;
        }
        Ok(list)
    }
}
