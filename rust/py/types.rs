//! Frozen Python value types: Outcome, Finding, BatchResult, VerifyResult. They hold plain
//! data copied out of the core; nothing in them refers back to the Rust World.

use crate::oracle::Finding;
use crate::outcome::Outcome;
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
    trace: Option<Vec<crate::exec::trace::TraceRecord>>,
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
            trace: o.trace,
        })
    }
}

#[pymethods]
impl PyOutcome {
    /// The canonical choice list (replaying it reproduces the run).
    #[getter]
    fn choices(&self) -> Vec<u32> {
        self.choices.clone()
    }

    /// The step trace as a list of dicts, or None when it was not recorded.
    #[getter]
    fn trace<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(tr) = &self.trace else {
            return Ok(None);
        };
        let list = PyList::empty(py);
        for r in tr {
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
    #[pyo3(get)]
    pub step_limits: u64,
    #[pyo3(get)]
    pub outcome: Option<Py<PyOutcome>>,
}
