//! Report rendering: turns an oracle verdict into a `Finding`, reading the execution's data
//! (threads, World, program): the kernel's first line, the body a kernel developer expects
//! (access details, allocation and free stacks), the call trace through model functions, and
//! the deduplicated title. Primitives call the `fail_*` functions; lock and wait reports are
//! in `render_locks`. Nothing here changes the execution's state except `finding`.

use super::report::{
    call_trace, frame_line, frames_of, symbol, task, title_function, title_name, RULE, UNAME,
};
use crate::exec::Execution;
use crate::ir::{BinOp, Instr};
use crate::oracle::{signature, strip_numbers, Finding, Kind};
use crate::world::{ObjRef, Value, BOOT_TASK, NONE};

impl Execution<'_> {
    /// The primitive the thread is executing, if its current instruction is one.
    fn current_prim(&self, tid: usize) -> Option<&'static str> {
        let t = &self.threads[tid];
        let fr = t.frames.last()?;
        match self.prog.functions[fr.func as usize]
            .code
            .get(fr.pc as usize)
        {
            Some(Instr::Prim { p, .. }) => Some(p.name()),
            Some(Instr::Alloc { .. }) => Some("kzalloc"),
            _ => None,
        }
    }

    pub(crate) fn header(&self, tid: usize) -> String {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        format!("CPU: {tid} PID: {pid} Comm: {comm} {UNAME}\n")
    }

    pub(crate) fn trace_of(&self, tid: usize) -> String {
        let frames = frames_of(&self.threads[tid]);
        call_trace(self.prog, &frames, self.current_prim(tid))
    }

    pub(crate) fn location_of(&self, tid: usize) -> String {
        let t = &self.threads[tid];
        match t.frames.last() {
            Some(fr) => {
                let (file, line) = self.prog.location(fr.func, fr.pc);
                format!("{file}:{line}")
            }
            None => "<unknown>".into(),
        }
    }

    pub(crate) fn first_symbol(&self, tid: usize) -> String {
        if let Some(p) = self.current_prim(tid) {
            return format!("{p}+0x0/0x0");
        }
        self.model_symbol(tid)
    }

    /// The model function the thread is in (where a WARN_ON or BUG_ON sits).
    pub(crate) fn model_symbol(&self, tid: usize) -> String {
        match self.threads[tid].frames.last() {
            Some(fr) => symbol(self.prog, fr.func, fr.pc),
            None => "<unknown>".into(),
        }
    }

    /// Records the finding (the first one wins) with a title `<what> in <function>`.
    pub(crate) fn raise(
        &mut self,
        tid: usize,
        kind: Kind,
        what: &str,
        func: Option<String>,
        text: String,
    ) {
        if self.finding.is_some() {
            return;
        }
        let fname =
            func.unwrap_or_else(|| title_function(self.prog, &frames_of(&self.threads[tid])));
        let title = format!("{what} in {}", title_name(self.prog, &fname));
        let (comm, _) = task(self.prog, &self.threads[tid], tid);
        self.finding = Some(Finding {
            kind,
            signature: signature(&title),
            title,
            tid: tid as u32,
            thread: comm,
            step: self.steps,
            report: text,
        });
    }

    pub(crate) fn held_locks_text(&self, tid: usize) -> String {
        let t = &self.threads[tid];
        let (comm, pid) = task(self.prog, t, tid);
        if t.held.is_empty() {
            return format!("no locks held by {comm}/{pid}.\n");
        }
        let mut s = format!(
            "{} lock{} held by {comm}/{pid}:\n",
            t.held.len(),
            plural(t.held.len())
        );
        for (i, h) in t.held.iter().enumerate() {
            // print_lock(): the class with its usage chars and wait types, as lockdep has it.
            let name = if h.class != NONE {
                self.lock_class_usage(h.class)
            } else {
                format!("({})", self.class_name(h.obj))
            };
            s.push_str(&format!(
                " #{i}: {:016x} {name}, at:{}\n",
                self.world.address(h.obj, 0),
                frame_line(self.prog, h.func, h.pc)
            ));
        }
        s
    }

    pub(crate) fn class_name(&self, obj: u32) -> String {
        let o = &self.world.objs[obj as usize];
        if o.lock_class != NONE {
            self.prog.lock_classes[o.lock_class as usize].name.clone()
        } else {
            self.world.describe(self.prog, obj)
        }
    }

    fn stack_text(&self, stack: u32, what: &str, prim: &str) -> String {
        if stack == NONE {
            return format!("{what}:\n (no stack recorded: allocated before boot)\n");
        }
        let st = self.world.stacks[stack as usize];
        let (comm, pid) = if st.tid == BOOT_TASK {
            ("swapper/0".to_string(), 1)
        } else {
            task(self.prog, &self.threads[st.tid as usize], st.tid as usize)
        };
        let mut s = format!("{what} by task {pid} ({comm}):\n {prim}\n");
        let frames = &self.world.stack_frames[st.start as usize..(st.start + st.len) as usize];
        for &(f, pc) in frames {
            s.push_str(&frame_line(self.prog, f, pc));
            s.push('\n');
        }
        s
    }

    fn object_text(&self, r: ObjRef) -> String {
        let base = self.world.objs[r.idx as usize].base;
        let o = &self.world.objs[base as usize];
        let size = (o.vals_len.max(1) * 8).next_power_of_two().max(8);
        format!(
            "The buggy address belongs to the object at {:016x}\n which belongs to the cache kmalloc-{size} of size {size} ({})\n",
            self.world.address(base, 0),
            self.world.describe(self.prog, base)
        )
    }

    /// The model went wrong: the run stops with status `ModelError` and `fault` set (the
    /// finding slot stops the interpreter, but it is never reported as a finding).
    pub(crate) fn model_error(&mut self, tid: usize, msg: String) {
        if self.finding.is_some() {
            return;
        }
        let (file, line) = match self.threads[tid].frames.last() {
            Some(fr) => {
                let (file, line) = self.prog.location(fr.func, fr.pc);
                (file, line)
            }
            None => ("<unknown>".to_string(), 0),
        };
        let text = format!(
            "pyfuzz: model error at {file}:{line}: {msg}\n{}{}",
            self.header(tid),
            self.trace_of(tid)
        );
        self.fault = Some(crate::exec::ModelFault {
            file,
            line,
            message: msg,
            report: text.clone(),
        });
        self.raise(tid, Kind::ModelError, "pyfuzz: model error", None, text);
    }

    pub(crate) fn fail_binop(&mut self, tid: usize, op: BinOp, x: Value, y: Value, e: &str) {
        if e == "divide error" {
            let text = format!(
                "Oops: divide error: 0000 [#1] PREEMPT SMP KASAN\n{}RIP: {}\n{}",
                self.header(tid),
                self.first_symbol(tid),
                self.trace_of(tid)
            );
            self.raise(tid, Kind::DivideError, "divide error", None, text);
        } else {
            self.model_error(
                tid,
                format!("{op:?} on {} and {} values", x.type_name(), y.type_name()),
            );
        }
    }

    pub(crate) fn fail_null_deref(&mut self, tid: usize, addr: u64) {
        let text = format!(
            "BUG: kernel NULL pointer dereference, address: {addr:016x}\n#PF: supervisor read access in kernel mode\nOops: 0000 [#1] PREEMPT SMP KASAN\n{}RIP: {}\n{}",
            self.header(tid),
            self.first_symbol(tid),
            self.trace_of(tid)
        );
        self.raise(
            tid,
            Kind::NullDeref,
            "BUG: unable to handle kernel NULL pointer dereference",
            None,
            text,
        );
    }

    pub(crate) fn fail_paging_request(&mut self, tid: usize, addr: u64) {
        let text = format!(
            "BUG: unable to handle page fault for address: {addr:016x}\n#PF: supervisor read access in kernel mode\nOops: 0000 [#1] PREEMPT SMP KASAN\n{}RIP: {}\n{}",
            self.header(tid),
            self.first_symbol(tid),
            self.trace_of(tid)
        );
        self.raise(
            tid,
            Kind::PageFault,
            "BUG: unable to handle kernel paging request",
            None,
            text,
        );
    }

    pub(crate) fn fail_bug_on(&mut self, tid: usize) {
        let text = format!(
            "kernel BUG at {}!\nOops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN\n{}RIP: {}\n{}",
            self.location_of(tid),
            self.header(tid),
            self.first_symbol(tid),
            self.trace_of(tid)
        );
        self.raise(tid, Kind::Bug, "kernel BUG", None, text);
    }

    pub(crate) fn fail_warn(&mut self, tid: usize, msg: String, kind: Kind) {
        let (_, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = String::new();
        if !msg.is_empty() {
            text.push_str(&msg);
            text.push('\n');
        }
        text.push_str(&format!(
            "WARNING: CPU: {tid} PID: {pid} at {} {}\n{}RIP: {}\n{}",
            self.location_of(tid),
            self.model_symbol(tid),
            self.header(tid),
            self.model_symbol(tid),
            self.trace_of(tid)
        ));
        self.raise(tid, kind, "WARNING", None, text);
    }

    pub(crate) fn fail_report(&mut self, tid: usize, msg: String) {
        let what = strip_numbers(msg.lines().next().unwrap_or(""));
        let text = format!("{msg}\n{}{}", self.header(tid), self.trace_of(tid));
        self.raise(tid, Kind::Report, &what, None, text);
    }

    fn kasan_name(&self, base: &'static str) -> &'static str {
        if base == "slab-use-after-free" && self.prog.config.kasan_old_names {
            "use-after-free"
        } else {
            base
        }
    }

    fn kasan(&mut self, tid: usize, kind: Kind, bug: &'static str, r: ObjRef, access: String) {
        let bug = self.kasan_name(bug);
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let base = self.world.objs[r.idx as usize].base as usize;
        let (alloc, free) = (
            self.world.objs[base].alloc_stack,
            self.world.objs[base].free_stack,
        );
        let mut text = format!(
            "{RULE}\nBUG: KASAN: {bug} in {}\n{access} by task {comm}/{pid}\n\n{}{}\n",
            self.first_symbol(tid),
            self.header(tid),
            self.trace_of(tid)
        );
        text.push_str(&self.stack_text(alloc, "Allocated", "kzalloc"));
        if free != NONE {
            text.push('\n');
            text.push_str(&self.stack_text(free, "Freed", "kfree"));
        }
        text.push('\n');
        text.push_str(&self.object_text(r));
        text.push_str(RULE);
        text.push('\n');
        let rw = if access.starts_with("Write") {
            "Write"
        } else {
            "Read"
        };
        let what = match kind {
            Kind::UseAfterFree | Kind::OutOfBounds => format!("KASAN: {bug} {rw}"),
            _ => format!("KASAN: {bug}"),
        };
        self.raise(tid, kind, &what, None, text);
    }

    pub(crate) fn fail_use_after_free(&mut self, tid: usize, r: ObjRef, write: bool, off: u32) {
        if self.feedback {
            let key = crate::prims::alloc::life_key(&self.world.objs[r.idx as usize]);
            self.fb_life(key, crate::cov::Transition::UsedAfterFree);
        }
        let access = format!(
            "{} of size 8 at addr {:016x}",
            if write { "Write" } else { "Read" },
            self.world.address(r.idx, off)
        );
        self.kasan(tid, Kind::UseAfterFree, "slab-use-after-free", r, access);
    }

    pub(crate) fn fail_out_of_bounds(&mut self, tid: usize, r: ObjRef, idx: i64, write: bool) {
        let access = format!(
            "{} of size 8 at addr {:016x} (index {idx} of {})",
            if write { "Write" } else { "Read" },
            self.world.address(r.idx, idx.clamp(0, 1 << 20) as u32),
            self.world.objs[r.idx as usize].vals_len
        );
        self.kasan(tid, Kind::OutOfBounds, "slab-out-of-bounds", r, access);
    }

    pub(crate) fn fail_double_free(&mut self, tid: usize, r: ObjRef) {
        let access = format!("Free of addr {:016x}", self.world.address(r.idx, 0));
        self.kasan(tid, Kind::DoubleFree, "double-free", r, access);
    }

    pub(crate) fn fail_invalid_free(&mut self, tid: usize, r: ObjRef) {
        let access = format!("Free of addr {:016x}", self.world.address(r.idx, 0));
        self.kasan(tid, Kind::InvalidFree, "invalid-free", r, access);
    }

    pub(crate) fn fail_refcount(&mut self, tid: usize, msg: &str) {
        let (_, pid) = task(self.prog, &self.threads[tid], tid);
        let text = format!(
            "{msg}\nWARNING: CPU: {tid} PID: {pid} at lib/refcount.c:28 refcount_warn_saturate+0x0/0x0\n{}{}",
            self.header(tid),
            self.trace_of(tid)
        );
        self.raise(tid, Kind::Refcount, "refcount bug", None, text);
    }

    pub(crate) fn fail_list(&mut self, tid: usize, msg: String) {
        let text = format!(
            "{msg}\nkernel BUG at lib/list_debug.c!\nOops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN\n{}{}",
            self.header(tid),
            self.trace_of(tid)
        );
        self.raise(tid, Kind::ListCorruption, "BUG: corrupted list", None, text);
    }

    pub(crate) fn report_leak(&mut self, obj: u32) {
        let o = self.world.objs[obj as usize];
        let size = (o.vals_len.max(1) * 8).next_power_of_two().max(8);
        let (tid, func) = if o.alloc_stack != NONE {
            let st = self.world.stacks[o.alloc_stack as usize];
            let frames: Vec<(u32, u32)> =
                self.world.stack_frames[st.start as usize..(st.start + st.len) as usize].to_vec();
            let tid = if st.tid == BOOT_TASK {
                0
            } else {
                st.tid as usize
            };
            (tid, Some(title_function(self.prog, &frames)))
        } else {
            (0, None)
        };
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = format!(
            "unreferenced object 0x{:016x} (size {size}):\n  comm \"{comm}\", pid {pid}\n  object: {}\n",
            self.world.address(obj, 0),
            self.world.describe(self.prog, obj)
        );
        text.push_str("  backtrace:\n    kzalloc\n");
        if o.alloc_stack != NONE {
            let st = self.world.stacks[o.alloc_stack as usize];
            let frames = &self.world.stack_frames[st.start as usize..(st.start + st.len) as usize];
            for &(f, pc) in frames {
                text.push_str("   ");
                text.push_str(&frame_line(self.prog, f, pc));
                text.push('\n');
            }
        }
        self.raise(tid, Kind::MemoryLeak, "memory leak", func, text);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
