//! Report rendering: turns an oracle verdict into a `Finding`, reading the execution's data
//! (threads, World, program): the kernel's first line, the body a kernel developer expects
//! (access details, allocation and free stacks), the call trace through model functions, and
//! the deduplicated title. Primitives call the `fail_*` functions; lock and wait reports are
//! in `render_locks`. Nothing here changes the execution's state except `finding`.

use super::report::{
    call_trace, frame_line, frames_of, kernel_frame, symbol, task, title_function, title_name,
    RULE, UNAME,
};
use crate::exec::Execution;
use crate::ir::{BinOp, Instr};
use crate::oracle::{signature, strip_numbers, Finding, Kind};
use crate::world::{ObjRef, Value, BOOT_TASK, NONE};

/// KASAN_SHADOW_OFFSET of x86_64 generic KASAN (4-level paging).
const KASAN_SHADOW_OFFSET: u64 = 0xdfff_fc00_0000_0000;

/// arch/x86/kernel/dumpstack.c PROLOGUE_SIZE: show_opcodes dumps the code from this many
/// bytes before RIP ("Code: Unable to access opcode bytes at RIP - 42" when unmapped).
pub(crate) const OPCODE_PROLOGUE: u64 = 42;

/// A kworker's stack below the work function (kernel/workqueue.c process_one_work, called by
/// worker_thread, a kthread started from ret_from_fork), innermost first.
const WORKER_FRAMES: &[&str] = &[
    "process_one_work",
    "worker_thread",
    "kthread",
    "ret_from_fork",
    "ret_from_fork_asm",
];

impl Execution<'_> {
    /// The kernel function the thread is in when its current instruction is a primitive
    /// that the kernel implements out of line (`report::kernel_frame`); `None` for model code
    /// and for primitives the kernel inlines into their caller, which a report folds into
    /// the caller's frame.
    fn current_prim(&self, tid: usize) -> Option<&'static str> {
        let t = &self.threads[tid];
        let fr = t.frames.last()?;
        match self.prog.functions[fr.func as usize]
            .code
            .get(fr.pc as usize)
        {
            Some(Instr::Prim { p, args, .. }) => {
                let kind = self.prog.arg_regs(*args).first().and_then(|&r| {
                    match t.regs[fr.base as usize + r as usize] {
                        Value::Ref(o) => Some(self.world.objs[o.idx as usize].kind),
                        _ => None,
                    }
                });
                kernel_frame(p.name(), kind)
            }
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
        let mut s = format!("{what} by task {pid} ({comm}):\n");
        if st.top.is_empty() {
            s.push_str(&format!(" {prim}\n"));
        }
        for f in st.top {
            s.push_str(&format!(" {f}\n"));
        }
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
                "Oops: divide error: 0000 [#1] PREEMPT SMP KASAN\n{}RIP: 0010:{}\n{}",
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
        self.fail_null_access(tid, addr, false);
    }

    /// A load or store through NULL: the faulting address is the field's offset, and the
    /// #PF lines and the oops code say whether it was a write (arch/x86/mm/fault.c).
    pub(crate) fn fail_null_access(&mut self, tid: usize, addr: u64, write: bool) {
        let (access, code) = if write {
            ("write access", 2)
        } else {
            ("read access", 0)
        };
        let text = format!(
            "BUG: kernel NULL pointer dereference, address: {addr:016x}\n#PF: supervisor {access} in kernel mode\n#PF: error_code(0x{code:04x}) - not-present page\nOops: {code:04x} [#1] PREEMPT SMP KASAN\n{}RIP: 0010:{}\n{}",
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

    /// A call through a NULL function pointer: the CPU jumps to 0, and the fetch of the
    /// instruction there faults (arch/x86/mm/fault.c show_fault_oops: X86_PF_INSTR, 0x10,
    /// on a not-present page). RIP is 0, so the code bytes before it (dumpstack.c
    /// show_opcodes, PROLOGUE_SIZE 42) cannot be read either; the call trace starts at the
    /// caller, whose return address is on the stack.
    pub(crate) fn fail_null_call(&mut self, tid: usize) {
        let text = format!(
            "BUG: kernel NULL pointer dereference, address: 0000000000000000\n#PF: supervisor instruction fetch in kernel mode\n#PF: error_code(0x0010) - not-present page\nOops: 0010 [#1] PREEMPT SMP KASAN\n{}RIP: 0010:0x0\nCode: Unable to access opcode bytes at 0x{:x}.\n{}",
            self.header(tid),
            0u64.wrapping_sub(OPCODE_PROLOGUE),
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

    /// A worker's process_one_work calls a work item's NULL function (`worker->current_func`
    /// of an item never initialised, or set up with INIT_WORK(w, NULL)): the instruction
    /// fetch at 0 faults in the kworker, and the call trace starts at process_one_work,
    /// whose return address is on the stack.
    pub(crate) fn fail_null_work_func(&mut self, tid: usize) {
        let mut trace = String::from("Call Trace:\n <TASK>\n");
        for f in WORKER_FRAMES {
            trace.push_str(&format!(" {f}\n"));
        }
        trace.push_str(" </TASK>\n");
        let text = format!(
            "BUG: kernel NULL pointer dereference, address: 0000000000000000\n#PF: supervisor instruction fetch in kernel mode\n#PF: error_code(0x0010) - not-present page\nOops: 0010 [#1] PREEMPT SMP KASAN\n{}Workqueue: events 0x0\nRIP: 0010:0x0\nCode: Unable to access opcode bytes at 0x{:x}.\n{trace}",
            self.header(tid),
            0u64.wrapping_sub(OPCODE_PROLOGUE),
        );
        self.raise(
            tid,
            Kind::NullDeref,
            "BUG: unable to handle kernel NULL pointer dereference",
            Some(WORKER_FRAMES[0].to_string()),
            text,
        );
    }

    /// A load or store at a canonical address nothing maps (an ERR_PTR dereferenced, an
    /// unmapped MMIO window, a link that is no pointer): arch/x86/mm/fault.c's
    /// show_fault_oops for a kernel address on a not-present page; the error code is
    /// X86_PF_WRITE (0x2) for a store and 0 for a load, and the #PF line says which.
    pub(crate) fn fail_page_fault(&mut self, tid: usize, addr: u64, write: bool) {
        let (access, code) = if write {
            ("write access", 2)
        } else {
            ("read access", 0)
        };
        let text = format!(
            "BUG: unable to handle page fault for address: {addr:016x}\n#PF: supervisor {access} in kernel mode\n#PF: error_code(0x{code:04x}) - not-present page\nOops: {code:04x} [#1] PREEMPT SMP KASAN\n{}RIP: 0010:{}\n{}",
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

    /// A load through a non-canonical pointer (a list poison): x86's #GP. KASAN's inline
    /// check reads the shadow of the address first, so the fault is at the shadow address,
    /// and KASAN's non-canonical hook names the range the access meant.
    pub(crate) fn fail_general_protection(&mut self, tid: usize, addr: u64) {
        let shadow = (addr >> 3).wrapping_add(KASAN_SHADOW_OFFSET);
        let text = format!(
            "general protection fault, probably for non-canonical address {shadow:#018x}: 0000 [#1] PREEMPT SMP KASAN\nKASAN: maybe wild-memory-access in range [{addr:#018x}-{:#018x}]\n{}RIP: 0010:{}\n{}",
            addr.wrapping_add(7),
            self.header(tid),
            self.first_symbol(tid),
            self.trace_of(tid)
        );
        self.raise(tid, Kind::PageFault, "general protection fault", None, text);
    }

    pub(crate) fn fail_bug_on(&mut self, tid: usize) {
        let text = format!(
            "kernel BUG at {}!\nOops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN\n{}RIP: 0010:{}\n{}",
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
            "WARNING: CPU: {tid} PID: {pid} at {} {}\n{}RIP: 0010:{}\n{}",
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
        text.push_str("  backtrace:\n");
        let top = match o.alloc_stack {
            NONE => &[][..],
            s => self.world.stacks[s as usize].top,
        };
        for f in if top.is_empty() {
            &["kzalloc"][..]
        } else {
            top
        } {
            text.push_str(&format!("    {f}\n"));
        }
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

#[cfg(test)]
mod tests {
    use crate::prims::tests::outcome;

    fn report(code: &[&str]) -> (String, String) {
        let f = outcome(code).finding.expect("a finding");
        (f.title, f.report)
    }

    const FREED_NODE: &[&str] = &[
        r#"["alloc", 0, 0, 9]"#,
        r#"["load", 1, 0, 7]"#,
        r#"["prim", 2, "kfree", [0]]"#,
    ];

    #[test]
    fn an_inline_primitive_is_folded_into_its_caller() {
        let mut code = FREED_NODE.to_vec();
        code.push(r#"["prim", 2, "list_first", [1]]"#);
        let (title, text) = report(&code);
        assert_eq!(title, "KASAN: slab-use-after-free Read in f");
        let first = text.lines().nth(1).unwrap();
        assert!(
            first.starts_with("BUG: KASAN: slab-use-after-free in f+0x"),
            "{first}"
        );
        assert!(!text.contains(" list_first"), "{text}");
    }

    #[test]
    fn an_out_of_line_function_keeps_its_frame() {
        let mut code = FREED_NODE.to_vec();
        code[1] = r#"["load", 1, 0, 2]"#;
        code.push(r#"["prim", 2, "mutex_lock", [1]]"#);
        let (_, text) = report(&code);
        assert!(
            text.contains("BUG: KASAN: slab-use-after-free in mutex_lock+0x0/0x0\n"),
            "{text}"
        );
        assert!(text.contains("\n <TASK>\n mutex_lock\n f+0x"), "{text}");
    }

    #[test]
    fn a_null_dereference_faults_at_the_field_offset() {
        let (title, text) = report(&[r#"["null", 3]"#, r#"["load", 4, 3, 1]"#]);
        assert_eq!(
            title,
            "BUG: unable to handle kernel NULL pointer dereference in f"
        );
        assert!(text.starts_with(
            "BUG: kernel NULL pointer dereference, address: 0000000000000008\n#PF: supervisor read access in kernel mode\n#PF: error_code(0x0000) - not-present page\nOops: 0000 "
        ), "{text}");
        let (_, text) = report(&[r#"["null", 3]"#, r#"["store", 3, 7, 9]"#]);
        assert!(text.starts_with(
            "BUG: kernel NULL pointer dereference, address: 0000000000000038\n#PF: supervisor write access in kernel mode\n#PF: error_code(0x0002) - not-present page\nOops: 0002 "
        ), "{text}");
    }

    #[test]
    fn list_poison_is_the_kernels_value() {
        let del_twice = [
            r#"["load", 1, 8, 7]"#,
            r#"["alloc", 0, 0, 9]"#,
            r#"["load", 2, 0, 7]"#,
            r#"["prim", 3, "list_add", [2, 1]]"#,
            r#"["prim", 3, "list_del", [2]]"#,
            r#"["prim", 3, "list_del", [2]]"#,
        ];
        let (title, text) = report(&del_twice);
        assert_eq!(title, "BUG: corrupted list in f");
        assert!(
            text.contains("->next is LIST_POISON1 (dead000000000100)\n"),
            "{text}"
        );
        assert!(
            text.contains(" __list_del_entry_valid_or_report\n f+0x"),
            "{text}"
        );
        // The deleted node used as a list head: its poisoned link is followed.
        let mut follow = del_twice[..5].to_vec();
        follow.push(r#"["prim", 3, "list_add", [1, 2]]"#);
        let (title, text) = report(&follow);
        assert_eq!(title, "general protection fault in f");
        assert!(text.starts_with(
            "general protection fault, probably for non-canonical address 0xfbd59c0000000020: 0000 [#1] PREEMPT SMP KASAN\nKASAN: maybe wild-memory-access in range [0xdead000000000100-0xdead000000000107]\n"
        ), "{text}");
        // The same through the link the model reads with list_first.
        let mut walk = del_twice[..5].to_vec();
        walk.push(r#"["prim", 3, "list_first", [2]]"#);
        walk.push(r#"["prim", 4, "list_empty", [3]]"#);
        let (title, _) = report(&walk);
        assert_eq!(title, "general protection fault in f");
    }
}
