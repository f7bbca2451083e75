//! Frozen Python value types: Outcome, Finding, BatchResult, VerifyResult. They hold plain
//! data copied out of the core; nothing in them refers back to the Rust World.

use crate::oracle::Finding;
use crate::outcome::Outcome;
use crate::sched::ChoiceKind;
use crate::world::NONE;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// An oracle's finding.
#[pyclass(frozen, name = "Finding", module = "pyfuzz._core")]
pub struct PyFinding {
    #[pyo3(get)]
    kind: String,
    #[pyo3(get)]
    title: String,
    #[pyo3(get)]
    signature: String,
    #[pyo3(get)]
    thread: String,
    #[pyo3(get)]
    tid: u32,
    #[pyo3(get)]
    step: u64,
    #[pyo3(get)]
    report: String,
}

impl PyFinding {
    pub fn from_core(f: &Finding) -> PyFinding {
        PyFinding {
            kind: f.kind.name().to_string(),
            title: f.title.clone(),
            signature: f.signature.clone(),
            thread: f.thread.clone(),
            tid: f.tid,
            step: f.step,
            report: f.report.clone(),
        }
    }
}

#[pymethods]
impl PyFinding {
    fn __repr__(&self) -> String {
        format!("<Finding {} [{}]>", self.title, self.signature)
    }
}

/// The result of one execution.
#[pyclass(frozen, name = "Outcome", module = "pyfuzz._core")]
pub struct PyOutcome {
    #[pyo3(get)]
    status: String,
    #[pyo3(get)]
    finding: Option<Py<PyFinding>>,
    choices: Vec<u32>,
    #[pyo3(get)]
    steps: u64,
    #[pyo3(get)]
    ops: u64,
    #[pyo3(get)]
    context_switches: u64,
    #[pyo3(get)]
    preemptions: u64,
    model_error: Option<crate::exec::ModelFault>,
    recorded: Option<crate::outcome::Recorded>,
    fault: Option<crate::exec::fault::Injected>,
}

impl PyOutcome {
    pub fn from_core(py: Python<'_>, o: Outcome) -> PyResult<PyOutcome> {
        let finding = match &o.finding {
            Some(f) => Some(Py::new(py, PyFinding::from_core(f))?),
            None => None,
        };
        Ok(PyOutcome {
            status: o.status.name().to_string(),
            finding,
            choices: o.choices,
            steps: o.steps,
            ops: o.ops,
            context_switches: o.context_switches,
            preemptions: o.preemptions,
            model_error: o.model_error,
            recorded: o.recorded,
            fault: o.fault,
        })
    }
}

#[pymethods]
impl PyOutcome {
    /// With status "model-error": a dict with `file`, `line`, `message` and `report` (the
    /// message with the thread's stack); otherwise None.
    #[getter]
    fn model_error<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(m) = &self.model_error else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("file", &m.file)?;
        d.set_item("line", m.line)?;
        d.set_item("message", &m.message)?;
        d.set_item("report", &m.report)?;
        Ok(Some(d))
    }

    /// The failure fault injection forced in this run: a dict with `nth` (the fail-nth
    /// value: which failable call of the run), `attr` ("failslab" or "fail_function"),
    /// `call` (e.g. "kzalloc foo_priv" or "request_irq"), `function`, `file`, `line` (the
    /// model code that made the call), `tid`, `step` (the 1-based trace step that marks it,
    /// or None when the run was not traced) and `report` (the kernel's FAULT_INJECTION
    /// block); None when nothing was failed.
    #[getter]
    fn fault<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(f) = &self.fault else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("nth", f.nth)?;
        d.set_item("attr", f.attr.name())?;
        d.set_item("call", &f.call)?;
        d.set_item("function", &f.function)?;
        d.set_item("file", &f.file)?;
        d.set_item("line", f.line)?;
        d.set_item("tid", f.tid)?;
        let step = f.event.filter(|_| self.recorded.is_some()).map(|e| e + 1);
        d.set_item("step", step)?;
        d.set_item("report", &f.report)?;
        Ok(Some(d))
    }

    /// The canonical choice list (replaying it reproduces the run).
    #[getter]
    fn choices(&self) -> Vec<u32> {
        self.choices.clone()
    }

    /// The step trace as a list of dicts, or None when it was not recorded.
    #[getter]
    fn trace<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(rec) = &self.recorded else {
            return Ok(None);
        };
        let list = PyList::empty(py);
        for r in &rec.trace {
            let d = PyDict::new(py);
            d.set_item("step", r.step)?;
            d.set_item("tid", r.tid)?;
            d.set_item("thread", &r.thread)?;
            d.set_item("function", &r.function)?;
            d.set_item("file", &r.file)?;
            d.set_item("line", r.line)?;
            d.set_item("op", &r.op)?;
            d.set_item("object", &r.object)?;
            d.set_item("blocked", r.blocked)?;
            d.set_item("switch", r.switch)?;
            d.set_item("preemption", r.preemption)?;
            d.set_item("locks", &r.locks)?;
            d.set_item("choice", r.choice)?;
            list.append(d)?;
        }
        Ok(Some(list))
    }

    /// The 1-based trace step at which the finding fired, or None (at quiescence, no
    /// finding, or not traced).
    #[getter]
    fn fatal_step(&self) -> Option<usize> {
        self.recorded.as_ref().and_then(|r| r.fatal).map(|i| i + 1)
    }

    /// The primitives a traced run executed (started), in table order, or None when the run
    /// was not traced.
    #[getter]
    fn primitives(&self) -> Option<Vec<&'static str>> {
        self.recorded.as_ref().map(|r| r.primitives.clone())
    }

    /// The scheduling decisions of a traced run: dicts with `choice` (index in `choices`),
    /// `current`, `chosen`, `runnable`, `default` (thread ids; `current` is None at the
    /// start) and `preemption`.
    #[getter]
    fn picks<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(rec) = &self.recorded else {
            return Ok(None);
        };
        let list = PyList::empty(py);
        for p in &rec.picks {
            let d = PyDict::new(py);
            d.set_item("choice", p.choice)?;
            d.set_item("current", (p.current != NONE).then_some(p.current))?;
            d.set_item("chosen", p.chosen)?;
            let runnable: Vec<u32> = p.runnable.iter().collect();
            d.set_item("runnable", runnable)?;
            d.set_item("default", p.default)?;
            d.set_item("preemption", p.preemption)?;
            list.append(d)?;
        }
        Ok(Some(list))
    }

    /// The workload choices of a traced run: dicts with `choice` (index in `choices`),
    /// `kind` ("enabled", "count", "action", or "fail_nth" with fault injection, whose
    /// `actor` is None), `actor`, `slot` (actions only), `value`, `n`.
    #[getter]
    fn workload<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(rec) = &self.recorded else {
            return Ok(None);
        };
        let list = PyList::empty(py);
        for w in &rec.workload {
            let d = PyDict::new(py);
            d.set_item("choice", w.choice)?;
            let (kind, actor, slot) = match w.kind {
                ChoiceKind::ActorEnabled { actor } => ("enabled", Some(actor), None),
                ChoiceKind::ActionCount { actor } => ("count", Some(actor), None),
                ChoiceKind::Action { actor, slot } => ("action", Some(actor), Some(slot)),
                ChoiceKind::FailNth => ("fail_nth", None, None),
            };
            d.set_item("kind", kind)?;
            d.set_item("actor", actor)?;
            d.set_item("slot", slot)?;
            d.set_item("value", w.value)?;
            d.set_item("n", w.n)?;
            list.append(d)?;
        }
        Ok(Some(list))
    }

    fn __repr__(&self) -> String {
        let f = match &self.finding {
            Some(f) => f.get().title.clone(),
            None => "-".into(),
        };
        format!(
            "<Outcome {} {} steps={} preemptions={}>",
            self.status, f, self.steps, self.preemptions
        )
    }
}

/// The result of a batch of executions.
#[pyclass(frozen, name = "BatchResult", module = "pyfuzz._core")]
pub struct PyBatch {
    #[pyo3(get)]
    pub executions: u64,
    #[pyo3(get)]
    pub steps: u64,
    #[pyo3(get)]
    pub ops: u64,
    #[pyo3(get)]
    pub step_limits: u64,
    #[pyo3(get)]
    pub findings: u64,
    /// 1-based index of the execution that found the first finding, if any.
    #[pyo3(get)]
    pub first_at: Option<u64>,
    #[pyo3(get)]
    pub outcome: Option<Py<PyOutcome>>,
    /// With `stop_on_finding=False`: (1-based index, outcome) of the first execution of each
    /// distinct title.
    #[pyo3(get)]
    pub distinct: Vec<(u64, Py<PyOutcome>)>,
    /// "SIGINT" or "SIGTERM" when an interruptible batch was stopped by that signal.
    #[pyo3(get)]
    pub interrupted: Option<String>,
    /// (1-based index, outcome) of the execution in which the model went wrong; the batch
    /// stopped there.
    #[pyo3(get)]
    pub model_error: Option<(u64, Py<PyOutcome>)>,
}

/// The result of bounded exhaustive search.
#[pyclass(frozen, name = "VerifyResult", module = "pyfuzz._core")]
pub struct PyVerify {
    #[pyo3(get)]
    pub schedules: u64,
    #[pyo3(get)]
    pub bound: u32,
    #[pyo3(get)]
    pub complete: bool,
    /// Every interleaving was explored: a bound cut nothing off, so larger ones add nothing.
    #[pyo3(get)]
    pub exhaustive: bool,
    /// Per bound explored: the schedules with exactly that many preemptions.
    #[pyo3(get)]
    pub new_per_bound: Vec<u64>,
    /// Each workload explored: (its workload choices, its schedules counted as above).
    #[pyo3(get)]
    pub workloads: Vec<(Vec<u32>, u64)>,
    #[pyo3(get)]
    pub step_limits: u64,
    /// Findings passed over because their title was not the one searched for.
    #[pyo3(get)]
    pub other_findings: u64,
    /// With `every_finding`: (title, fewest preemptions that showed it), sorted by title.
    #[pyo3(get)]
    pub titles: Vec<(String, u32)>,
    /// The search ended in its unbounded part (`--preemptions all`): `bound` is the most
    /// preemptions a schedule had so far.
    #[pyo3(get)]
    pub unbounded: bool,
    /// Distinct states the unbounded part's stateful search explored from (0 before it).
    #[pyo3(get)]
    pub states: u64,
    /// The stateful search finished the unbounded part (see `states`); the per-bound counts
    /// are then the reduced search's so far.
    #[pyo3(get)]
    pub by_states: bool,
    /// Identical threads not yet started were explored once to the end of the search (false:
    /// symmetry was off, or dropped because thread numbers decided something in a run).
    #[pyo3(get)]
    pub symmetry: bool,
    #[pyo3(get)]
    pub outcome: Option<Py<PyOutcome>>,
    /// "SIGINT" or "SIGTERM" when an interruptible search was stopped by that signal.
    #[pyo3(get)]
    pub interrupted: Option<String>,
    /// The schedule in which the model went wrong; the search stopped there.
    #[pyo3(get)]
    pub model_error: Option<Py<PyOutcome>>,
    /// With a workload budget (the sweep): (workloads searched to the end, workloads in
    /// all, every workload of at most this many actions searched or None, whether the
    /// budget stopped the sweep with workloads left); None for one workload or `all`.
    #[pyo3(get)]
    pub sweep: Option<(u64, u128, Option<u32>, bool)>,
}
