//! What one execution returns: status, finding, the choices actually used, counters, and,
//! when the run was traced, the rendered trace, its scheduling decisions and workload
//! choices. Built right after a run, from the Execution's state.

use crate::exec::trace::TraceRecord;
use crate::exec::{Execution, ModelFault, PickRecord, RunStatus, WorkloadRecord};
use crate::oracle::Finding;

/// What a traced run adds to its Outcome.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub trace: Vec<TraceRecord>,
    pub picks: Vec<PickRecord>,
    pub workload: Vec<WorkloadRecord>,
    /// Index in `trace` of the operation at which the finding fired (None at quiescence).
    pub fatal: Option<usize>,
    /// The primitives that ran, in table order.
    pub primitives: Vec<&'static str>,
}

/// The result of one execution.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: RunStatus,
    /// The kernel finding (never set for a model error).
    pub finding: Option<Finding>,
    /// With status `ModelError`: where and why the model went wrong.
    pub model_error: Option<ModelFault>,
    /// The canonical choice list: replaying it reproduces this run exactly.
    pub choices: Vec<u32>,
    /// Visible operations (scheduling points) executed.
    pub steps: u64,
    /// IR instructions executed (visible and local).
    pub ops: u64,
    pub context_switches: u64,
    pub preemptions: u64,
    pub recorded: Option<Recorded>,
    /// The failure fault injection forced in this run, if any.
    pub fault: Option<crate::exec::fault::Injected>,
}

impl Outcome {
    /// Captures the last run of `ex`.
    pub fn capture(ex: &Execution, status: RunStatus, with_trace: bool) -> Outcome {
        Outcome {
            status,
            finding: ex.finding.clone().filter(|_| ex.fault.is_none()),
            model_error: ex.fault.clone(),
            choices: ex.choices.clone(),
            steps: ex.steps,
            ops: ex.ops,
            context_switches: ex.switches,
            preemptions: ex.preemptions,
            fault: ex.injected.clone(),
            recorded: with_trace.then(|| Recorded {
                trace: ex.trace_records(),
                picks: ex.rec.picks.clone(),
                workload: ex.rec.workload.clone(),
                fatal: ex.rec.fatal,
                primitives: ex.rec.primitives(),
            }),
        }
    }

    /// The rendered trace, when the run was traced.
    pub fn trace(&self) -> Option<&[TraceRecord]> {
        self.recorded.as_ref().map(|r| r.trace.as_slice())
    }
}
