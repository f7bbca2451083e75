//! Fault injection in an execution, as the kernel's fail-nth (lib/fault-inject.c
//! `should_fail_ex`): when the program has a fault table (`ir::faults`), the workload decodes
//! one more choice, fail-nth; every failable call the driver makes (a kzalloc in a driver
//! file, a driver call of a failable kernel library function) counts, and the n-th one fails
//! (kzalloc returns NULL; the library function returns its error without running). The
//! failure is recorded, marked in the trace, and a finding made later in the run is reported
//! after the kernel's `FAULT_INJECTION: forcing a failure.` block with the failed call's
//! stack. With no fault table nothing here runs and no choice is added.

use super::Execution;
use crate::ir::faults::Attr;
use crate::ir::ConstArg;
use crate::oracle::report::{frame_line, frames_of, task, UNAME};
use crate::sched::{ChoiceKind, Decider};
use crate::world::{Value, NONE};

/// The failure injected into a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    /// Which failable call of the run it was (1-based: the fail-nth value).
    pub nth: u32,
    pub tid: u32,
    pub attr: Attr,
    /// The failed call: `kzalloc <struct>`, a managed allocator's `devm_kzalloc <struct>`, or
    /// the library function's name.
    pub call: String,
    /// The model function that made the call, and where.
    pub function: String,
    pub file: String,
    pub line: u32,
    /// The kernel's report block (header, attribute line, stack).
    pub report: String,
    /// Index of the trace event that marks it (traced runs only).
    pub event: Option<usize>,
}

impl Execution<'_> {
    /// Decodes the fail-nth choice (only with a fault table).
    pub(super) fn choose_fail_nth<D: Decider + ?Sized>(&mut self, d: &mut D) {
        self.fail_nth = 0;
        if self.prog.faults.is_none() {
            return;
        }
        let n = crate::limits::MAX_FAIL_NTH + 1;
        let c = d.choose(ChoiceKind::FailNth, n, 0).min(n - 1);
        self.record_workload(ChoiceKind::FailNth, c, n);
        self.fail_nth = c;
    }

    /// Whether the thread's next call (from its current function) is a failable call, as it
    /// is counted; true when it is the one to fail.
    fn count_failable(&mut self, tid: usize) -> bool {
        let Some(faults) = &self.prog.faults else {
            return false;
        };
        let Some(fr) = self.threads[tid].frames.last() else {
            return false;
        };
        let file = self.prog.functions[fr.func as usize].file as usize;
        if self.booting || !faults.driver_file.get(file).copied().unwrap_or(false) {
            return false;
        }
        self.failable += 1;
        self.touch(crate::sched::events::KEY_FAIL_NTH, true);
        self.fail_nth != 0 && self.failable == self.fail_nth && self.injected.is_none()
    }

    /// At a kzalloc of struct `s` (the `alloc` instruction, before it allocates): true when
    /// it fails; the caller then returns NULL.
    pub(crate) fn alloc_fails(&mut self, tid: usize, s: u32) -> bool {
        if !self.prog.faults.as_ref().is_some_and(|f| f.alloc) || !self.count_failable(tid) {
            return false;
        }
        let prog = self.prog;
        let frames = frames_of(&self.threads[tid]);
        let event = self
            .tracing
            .then(|| self.rec.events.len().saturating_sub(1));
        let name = &prog.structs[s as usize].name;
        let (func, pc) = frames.first().copied().unwrap_or((0, 0));
        // The driver's `devm_kzalloc(dev, kzalloc(T, gfp))`: the kernel's one allocation is
        // inside devm_kmalloc (alloc_dr -> kmalloc_node_track_caller), so the failure is
        // that allocator's, with its frames; elsewhere a plain kzalloc.
        let site = prog.faults.as_ref().and_then(|f| f.alloc_site(func, pc));
        let (call, kernel): (String, Vec<&str>) = match site {
            Some(site) => {
                let mut k = vec!["should_failslab"];
                k.extend(site.frames.iter().map(String::as_str));
                (format!("{} {name}", site.call), k)
            }
            None => (
                format!("kzalloc {name}"),
                vec!["should_failslab", "kzalloc"],
            ),
        };
        self.inject(tid, Attr::Failslab, call, &kernel, frames, event);
        true
    }

    /// At a call of function `f` (the caller's pc already past the call): the value the
    /// call returns instead of running, when it fails.
    pub(crate) fn call_fails(&mut self, tid: usize, f: u32) -> Option<Value> {
        let fail = self.prog.faults.as_ref()?.call.get(f as usize).copied()??;
        if !self.count_failable(tid) {
            return None;
        }
        let mut frames = frames_of(&self.threads[tid]);
        if let Some(top) = frames.first_mut() {
            top.1 = top.1.saturating_sub(1);
        }
        let event = if self.tracing {
            self.record_trace(tid);
            let ev = self.rec.events.last_mut().expect("just recorded");
            ev.pc = frames[0].1;
            ev.obj = NONE;
            Some(self.rec.events.len() - 1)
        } else {
            None
        };
        let name = self.prog.functions[f as usize].name.as_str();
        // The library function fails where the kernel's does: a slab allocation inside it
        // (failslab), or fail_function's kprobe at its entry.
        let kernel = match fail.attr {
            Attr::Failslab => ["should_failslab", "kmalloc", name],
            Attr::FailFunction => ["fei_kprobe_handler", name, ""],
            Attr::FatalSignal => ["", name, ""],
        };
        self.inject(tid, fail.attr, name.to_string(), &kernel, frames, event);
        Some(match fail.ret {
            ConstArg::Int(v) => Value::Int(v),
            _ => Value::Null,
        })
    }

    /// At a failable primitive (`kthread_run`) a driver calls, before it does anything
    /// that can be observed: the value it returns instead of running, when it fails. Each of
    /// its failable points counts, in order (`ir::faults::FailPrim`).
    pub(crate) fn prim_fails(&mut self, tid: usize, p: crate::prims::Prim) -> Option<Value> {
        let prog = self.prog;
        let fail = prog
            .faults
            .as_ref()?
            .prim(p)
            .find(|_| self.count_failable(tid))?;
        let frames = frames_of(&self.threads[tid]);
        let event = self
            .tracing
            .then(|| self.rec.events.len().saturating_sub(1));
        let kernel: Vec<&str> = std::iter::once(match fail.attr {
            Attr::Failslab => "should_failslab",
            Attr::FailFunction => "fei_kprobe_handler",
            Attr::FatalSignal => "",
        })
        .chain(fail.frames.iter().map(String::as_str))
        .collect();
        self.inject(tid, fail.attr, p.name().to_string(), &kernel, frames, event);
        Some(match fail.ret {
            ConstArg::Int(v) => Value::Int(v),
            _ => Value::Null,
        })
    }

    /// Records the failure and renders its report block; `kernel` are the kernel frames
    /// between should_fail_ex and the model's frames, innermost first.
    fn inject(
        &mut self,
        tid: usize,
        attr: Attr,
        call: String,
        kernel: &[&str],
        frames: Vec<(u32, u32)>,
        event: Option<usize>,
    ) {
        let prog = self.prog;
        let (comm, pid) = task(prog, &self.threads[tid], tid);
        let mut report = if attr == Attr::FatalSignal {
            // The kernel logs nothing: say what happened, and where the wait was.
            format!(
                "pyfuzz: a fatal signal (SIGKILL) is pending for {comm}:{pid} in a killable \
                 wait: {call} fails with -EINTR (the kernel logs nothing)\nCall Trace:\n <TASK>\n"
            )
        } else {
            // fail_dump(): the attribute line, then dump_stack() (verbose 2, the default).
            format!(
                "FAULT_INJECTION: forcing a failure.\nname {}, interval 1, probability 0, \
                 space 0, times 0\nCPU: {tid} PID: {pid} Comm: {comm} {UNAME}\nCall Trace:\n \
                 <TASK>\n dump_stack_lvl+0x0/0x0\n should_fail_ex+0x0/0x0\n",
                attr.name()
            )
        };
        for k in kernel.iter().filter(|k| !k.is_empty()) {
            report.push_str(&format!(" {k}+0x0/0x0\n"));
        }
        for &(f, pc) in &frames {
            report.push_str(&frame_line(prog, f, pc));
            report.push('\n');
        }
        report.push_str(" </TASK>\n");
        let (func, pc) = frames.first().copied().unwrap_or((0, 0));
        let (file, line) = prog.location(func, pc);
        self.injected = Some(Injected {
            nth: self.fail_nth,
            tid: tid as u32,
            attr,
            call,
            function: prog.functions[func as usize].name.clone(),
            file,
            line,
            report,
            event,
        });
    }

    /// Puts the fault-injection block before the finding's report (the kernel logged it
    /// when the call failed, before the finding).
    pub(super) fn prefix_fault_report(&mut self) {
        if let (Some(inj), Some(f)) = (&self.injected, &mut self.finding) {
            f.report = format!("{}{}", inj.report, f.report);
        }
    }
}
