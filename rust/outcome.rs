//! What one execution returns: status, finding, the choices actually used, counters, and
//! the rendered trace when asked. Built right after a run, from the Execution's state.

use crate::exec::trace::TraceRecord;
use crate::exec::{Execution, RunStatus};
use crate::oracle::Finding;

/// The result of one execution.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: RunStatus,
    pub finding: Option<Finding>,
    /// The canonical choice list: replaying it reproduces this run exactly.
    pub choices: Vec<u32>,
    /// Visible operations (scheduling points) executed.
    pub steps: u64,
    /// IR instructions executed (visible and local).
    pub ops: u64,
    pub context_switches: u64,
    pub preemptions: u64,
    pub trace: Option<Vec<TraceRecord>>,
}

impl Outcome {
    /// Captures the last run of `ex`.
    pub fn capture(ex: &Execution, status: RunStatus, with_trace: bool) -> Outcome {
        Outcome {
            status,
            finding: ex.finding.clone(),
            choices: ex.choices.clone(),
            steps: ex.steps,
            ops: ex.ops,
            context_switches: ex.switches,
            preemptions: ex.preemptions,
            trace: with_trace.then(|| ex.trace_records()),
        }
    }
}
