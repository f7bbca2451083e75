//! The recording of one execution, kept only when tracing is on (replays for people, the
//! minimizer): one event per visible operation (who ran, where, on which object, holding which
//! locks, reached by which scheduling decision), the scheduling decisions themselves, the
//! decoded workload choices and which primitives ran. Rendered into plain records after the
//! run; the hot loop pays one branch on `tracing` and nothing else.

use super::Execution;
use crate::ir::Instr;
use crate::oracle::report;
use crate::sched::ChoiceKind;
use crate::world::{Value, NONE};

/// One visible operation as recorded (indices only; rendered by `trace_records`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub tid: u32,
    /// The model function, or NONE for a kworker's process_one_work calling its item's NULL
    /// function (no model code runs there: `record_null_work_call`).
    pub func: u32,
    pub pc: u32,
    /// The object touched (or allocated), or NONE.
    pub obj: u32,
    /// Whether the thread blocked at this operation (it will retry it when woken).
    pub blocked: bool,
    /// Whether the thread that ran before was still runnable and did not yield.
    pub preemption: bool,
    /// The index in the choice list of the decision that picked this thread here, or NONE.
    pub choice: u32,
    /// The thread's held locks at this operation: `Recording::locks[locks_at..+locks_len]`.
    pub locks_at: u32,
    pub locks_len: u32,
    /// The thread's comm when it has one of its own (a kthread's name), or NONE, and its IRQ
    /// number when it is an IRQ thread (-1 otherwise): a slot spawned threads share may have
    /// run another thread by the time the trace is rendered.
    pub comm: u32,
    pub comm_irq: i64,
}

/// One scheduling decision (a point with more than one runnable thread).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickRecord {
    /// Index in the choice list.
    pub choice: u32,
    /// The thread that ran before (NONE at the start).
    pub current: u32,
    pub chosen: u32,
    /// The threads that could run here.
    pub runnable: crate::sched::ThreadSet,
    /// What the non-preemptive default would have chosen.
    pub default: u32,
    pub preemption: bool,
}

/// One workload choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadRecord {
    /// Index in the choice list.
    pub choice: u32,
    pub kind: ChoiceKind,
    pub value: u32,
    /// How many values the choice had.
    pub n: u32,
}

/// Everything recorded about one traced execution.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    pub events: Vec<TraceEvent>,
    pub locks: Vec<u32>,
    pub picks: Vec<PickRecord>,
    pub workload: Vec<WorkloadRecord>,
    /// Set by the step loop for the next recorded event: (choice index, preemption).
    pub(crate) mark: Option<(u32, bool)>,
    /// Index in `events` of the operation at which the finding fired, if it fired in one.
    pub fatal: Option<usize>,
    /// Bit i: primitive `Prim::ALL[i]` ran (started) in this execution.
    pub prims: u128,
}

// One bit per primitive in `Recording::prims`.
const _: () = assert!(crate::prims::Prim::ALL.len() <= 128);

impl Recording {
    pub(crate) fn clear(&mut self) {
        self.events.clear();
        self.locks.clear();
        self.picks.clear();
        self.workload.clear();
        self.mark = None;
        self.fatal = None;
        self.prims = 0;
    }

    /// The names of the primitives that ran, in table order.
    pub fn primitives(&self) -> Vec<&'static str> {
        crate::prims::Prim::ALL
            .iter()
            .filter(|&&p| self.prims & 1 << p as u32 != 0)
            .map(|p| p.name())
            .collect()
    }
}

/// A rendered trace record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    pub step: u64,
    pub tid: u32,
    pub thread: String,
    pub function: String,
    pub file: String,
    pub line: u32,
    pub op: String,
    pub object: String,
    pub blocked: bool,
    /// Another thread ran the operation before this one.
    pub switch: bool,
    pub preemption: bool,
    /// Locks held when the operation ran, outermost first.
    pub locks: Vec<String>,
    pub choice: Option<u32>,
}

impl Execution<'_> {
    pub(crate) fn record_trace(&mut self, tid: usize) {
        let Some(fr) = self.threads[tid].frames.last() else {
            return;
        };
        let (func, pc) = (fr.func, fr.pc);
        let obj = self.pending_object(tid);
        self.push_event(tid, func, pc, obj);
    }

    /// A kworker's process_one_work calls the NULL function of work item `obj`: the step
    /// has no model code, so the event names the kernel's function.
    pub(crate) fn record_null_work_call(&mut self, tid: usize, obj: u32) {
        if self.tracing {
            self.push_event(tid, NONE, 0, obj);
        }
    }

    fn push_event(&mut self, tid: usize, func: u32, pc: u32, obj: u32) {
        let (choice, preemption) = self.rec.mark.take().unwrap_or((NONE, false));
        let locks_at = self.rec.locks.len() as u32;
        let held = &self.threads[tid].held;
        self.rec.locks.extend(held.iter().map(|h| h.obj));
        self.rec.events.push(TraceEvent {
            tid: tid as u32,
            func,
            pc,
            obj,
            blocked: false,
            preemption,
            choice,
            locks_at,
            locks_len: held.len() as u32,
            comm: self.threads[tid].comm,
            comm_irq: self.threads[tid].comm_irq,
        });
    }

    /// After a traced operation ran: note a block, name the object an allocation made, and
    /// mark the primitive as run.
    pub(crate) fn finish_trace(&mut self, tid: usize, ins: Instr) {
        if let Instr::Prim { p, .. } = ins {
            self.rec.prims |= 1 << p as u32;
        }
        let blocked = self.threads[tid].status == super::thread::Status::Blocked;
        let made = match ins {
            Instr::Alloc { d, .. } | Instr::Prim { d, .. } => match self.reg(tid, d) {
                Value::Ref(r) => r.idx,
                _ => NONE,
            },
            _ => NONE,
        };
        if let Some(ev) = self.rec.events.last_mut() {
            ev.blocked = blocked;
            if ev.obj == NONE && matches!(ins, Instr::Alloc { .. }) {
                ev.obj = made;
            }
        }
    }

    /// Renders the recorded events (call right after `run`, before the next one).
    pub fn trace_records(&self) -> Vec<TraceRecord> {
        let prog = self.prog;
        let mut prev_tid = NONE;
        let fault_event = self.injected.as_ref().and_then(|i| i.event);
        self.rec
            .events
            .iter()
            .enumerate()
            .map(|(i, ev)| {
                let (function, file, line, code) = match prog.functions.get(ev.func as usize) {
                    Some(f) => {
                        let (file, line) = prog.location(ev.func, ev.pc);
                        (f.name.clone(), file, line, f.code.get(ev.pc as usize))
                    }
                    // process_one_work calling a NULL work function (kernel/workqueue.c).
                    None => (
                        "process_one_work".to_string(),
                        "kernel/workqueue.c".to_string(),
                        0,
                        None,
                    ),
                };
                let mut op = match code {
                    Some(Instr::Load { name, .. }) => {
                        format!("load .{}", prog.strings[*name as usize])
                    }
                    Some(Instr::Store { name, .. }) => {
                        format!("store .{}", prog.strings[*name as usize])
                    }
                    Some(Instr::ILoad { .. }) => "load []".to_string(),
                    Some(Instr::IStore { .. }) => "store []".to_string(),
                    Some(Instr::Alloc { s, .. }) => {
                        format!("kzalloc {}", prog.structs[*s as usize].name)
                    }
                    Some(Instr::Prim { p, .. }) => p.name().to_string(),
                    Some(Instr::Call { f, .. }) => prog.functions[*f as usize].name.clone(),
                    None if ev.func == NONE => "work->func() is NULL".to_string(),
                    _ => "?".to_string(),
                };
                if let (Some(inj), true) = (&self.injected, fault_event == Some(i)) {
                    // The failed call as the driver made it (a managed allocator's
                    // kzalloc is named after the allocator).
                    op = format!("{} [fault: {}]", inj.call, inj.attr.name());
                }
                let thread = if let Some(c) = report::given_comm(prog, ev.comm, ev.comm_irq) {
                    c.chars().take(15).collect()
                } else if ev.tid as usize >= prog.actors.len() {
                    format!("kworker/0:{}", ev.tid)
                } else {
                    let th = &self.threads[ev.tid as usize];
                    report::task(prog, th, ev.tid as usize).0
                };
                let describe = |o: u32| {
                    if o == NONE {
                        String::new()
                    } else {
                        self.world.describe(prog, o)
                    }
                };
                let held =
                    &self.rec.locks[ev.locks_at as usize..(ev.locks_at + ev.locks_len) as usize];
                let switch = prev_tid != NONE && prev_tid != ev.tid;
                prev_tid = ev.tid;
                TraceRecord {
                    step: i as u64 + 1,
                    tid: ev.tid,
                    thread,
                    function,
                    file,
                    line,
                    op,
                    object: describe(ev.obj),
                    blocked: ev.blocked,
                    switch,
                    preemption: ev.preemption,
                    locks: held.iter().map(|&o| describe(o)).collect(),
                    choice: (ev.choice != NONE).then_some(ev.choice),
                }
            })
            .collect()
    }
}
