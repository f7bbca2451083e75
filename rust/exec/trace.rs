//! The step trace, recorded only when asked: one event per visible operation (who ran, where,
//! on which object), rendered into human-readable records after the run.

use super::Execution;
use crate::ir::Instr;
use crate::world::NONE;

/// One visible step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub tid: u32,
    pub func: u32,
    pub pc: u32,
    /// The object touched, or NONE.
    pub obj: u32,
    /// Whether the thread blocked at this operation (it will retry it when woken).
    pub blocked: bool,
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
    /// Whether the thread blocked at this operation.
    pub blocked: bool,
}

impl Execution<'_> {
    pub(crate) fn record_trace(&mut self, tid: usize) {
        let Some(fr) = self.threads[tid].frames.last() else {
            return;
        };
        let ev = TraceEvent {
            tid: tid as u32,
            func: fr.func,
            pc: fr.pc,
            obj: self.pending_object(tid),
            blocked: false,
        };
        self.trace.push(ev);
    }

    /// Renders the recorded events (call right after `run`, before the next one).
    pub fn trace_records(&self) -> Vec<TraceRecord> {
        let prog = self.prog;
        self.trace
            .iter()
            .enumerate()
            .map(|(i, ev)| {
                let f = &prog.functions[ev.func as usize];
                let (file, line) = prog.location(ev.func, ev.pc);
                let op = match f.code.get(ev.pc as usize) {
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
                    _ => "?".to_string(),
                };
                let (thread, _) = crate::oracle::report::task(
                    prog,
                    &self.threads[ev.tid as usize],
                    ev.tid as usize,
                );
                let blocked = ev.blocked;
                TraceRecord {
                    step: i as u64 + 1,
                    tid: ev.tid,
                    thread,
                    function: f.name.clone(),
                    file,
                    line,
                    op,
                    object: if ev.obj == NONE {
                        String::new()
                    } else {
                        self.world.describe(prog, ev.obj)
                    },
                    blocked,
                }
            })
            .collect()
    }
}
