//! Lockdep's IRQ-safety reports, in kernel/locking/lockdep.c's words: `print_usage_bug`
//! (WARNING: inconsistent lock state), `print_bad_irq_dependency` (WARNING: HARDIRQ-safe ->
//! HARDIRQ-unsafe lock order detected) and `print_irq_inversion_bug` (WARNING: possible irq
//! lock inversion dependency detected), with their helpers `print_lock` (`(name){-.-.}-{3:3}`:
//! `get_usage_chars` and the wait types, 3 for spinlock_t, 4 for sleeping locks, as with
//! CONFIG_PROVE_RAW_LOCK_NESTING), `print_irq_lock_scenario` and
//! `print_shortest_lock_dependencies`. Not rendered, for lack of data in the model: the
//! `irq event stamp:` block and the class `... key at:` lines.

use super::irq_usage::{usage_chars, usage_str, NBITS};
use super::report::{frame_line, task, UNAME};
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::oracle::lockdep::Edge;
use crate::oracle::Kind;
use crate::prims::lockdep_irq::{HeldRef, IrqDependency, IrqState};
use crate::world::NONE;

/// What a dependency-chain entry prints under "... acquired at:".
#[derive(Clone, Copy)]
enum Site {
    None,
    /// The site that recorded an ordering edge.
    Edge(u32, u32),
    /// The reporting thread's current stack (`save_trace()`).
    Current,
}

impl Execution<'_> {
    /// `print_lock_name()`: ` (name){usage}-{outer:inner}` without the leading space.
    pub(crate) fn lock_class_usage(&self, class: u32) -> String {
        let c = &self.prog.lock_classes[class as usize];
        let wait = if c.kind == ObjKind::Spinlock { 3 } else { 4 };
        format!(
            "({}){{{}}}-{{{wait}:{wait}}}",
            c.name,
            usage_chars(self.irq_usage.mask(class))
        )
    }

    /// `print_lock()`: instance, class with usage, and where it was acquired.
    fn print_hlock(&self, h: HeldRef) -> String {
        format!(
            "{:016x} {}, at:{}\n",
            self.world.address(h.obj, 0),
            self.lock_class_usage(h.class),
            frame_line(self.prog, h.func, h.pc)
        )
    }

    /// A recorded stack (`print_lock_trace`), each frame indented by `indent` spaces.
    fn trace_lines(&self, stack: u32, indent: usize) -> String {
        if stack == NONE {
            return format!("{:indent$}(no stack recorded)\n", "");
        }
        let st = self.world.stacks[stack as usize];
        let frames = &self.world.stack_frames[st.start as usize..(st.start + st.len) as usize];
        let pad = " ".repeat(indent.saturating_sub(1));
        let mut s = String::new();
        for &(f, pc) in frames {
            s.push_str(&pad);
            s.push_str(&frame_line(self.prog, f, pc));
            s.push('\n');
        }
        s
    }

    fn site_lines(&self, tid: usize, site: Site, indent: usize) -> String {
        let pad = " ".repeat(indent.saturating_sub(1));
        match site {
            Site::None => String::new(),
            Site::Edge(f, pc) => format!("{pad}{}\n", frame_line(self.prog, f, pc)),
            Site::Current => {
                let mut s = String::new();
                for f in self.threads[tid].frames.iter().rev() {
                    s.push_str(&pad);
                    s.push_str(&frame_line(self.prog, f.func, f.pc));
                    s.push('\n');
                }
                s
            }
        }
    }

    fn irq_flags(st: IrqState) -> String {
        format!(
            "[HC{}[{}]:SC{}[{}]:HE{}:SE{}]",
            (st.hardirq != 0) as u32,
            st.hardirq,
            st.softirq & 1,
            st.softirq,
            st.hardirqs_on as u32,
            st.softirqs_on as u32
        )
    }

    /// `print_lock_class_header()`: the class, then each usage bit with its trace.
    fn class_header(&self, class: u32, depth: usize) -> String {
        let mut s = format!("{:depth$}-> {} {{\n", "", self.lock_class_usage(class));
        let mask = self.irq_usage.mask(class);
        for bit in 0..NBITS as u8 {
            if mask & (1 << bit) == 0 {
                continue;
            }
            let label = format!("{:depth$}   {}", "", usage_str(bit));
            s.push_str(&label);
            s.push_str(" at:\n");
            // printk's return values: the label and " at:" (the newline is not counted).
            let len = label.len() + 4;
            s.push_str(&self.trace_lines(self.irq_usage.trace(class, bit), len + 1));
        }
        s.push_str(&format!("{:depth$} }}\n", ""));
        s
    }

    /// `print_shortest_lock_dependencies()` (and its `_backwards` twin, which shifts the
    /// sites by one): entries from the leaf to the root, at decreasing depth.
    fn dependency_chain(&self, tid: usize, entries: &[(u32, Site)]) -> String {
        let mut s = String::new();
        for (i, &(class, site)) in entries.iter().enumerate() {
            let depth = entries.len() - 1 - i;
            s.push_str(&self.class_header(class, depth));
            s.push_str(&format!("{:depth$} ... acquired at:\n", ""));
            s.push_str(&self.site_lines(tid, site, 3));
            s.push('\n');
        }
        s
    }

    /// `print_irq_lock_scenario()`.
    fn irq_lock_scenario(&self, safe: u32, unsafe_: u32, prev: u32, next: u32) -> String {
        let name = |c: u32| self.prog.lock_classes[c as usize].name.as_str();
        let middle = if prev == safe { next } else { prev };
        let mut s = String::new();
        if middle != unsafe_ {
            s.push_str(&format!(
                "Chain exists of:\n  {} --> {} --> {}\n\n",
                name(safe),
                name(middle),
                name(unsafe_)
            ));
        }
        s.push_str(&format!(
            " Possible interrupt unsafe locking scenario:\n\n       CPU0                    CPU1\n       ----                    ----\n  lock({u});\n                               local_irq_disable();\n                               lock({sf});\n                               lock({m});\n  <Interrupt>\n    lock({sf});\n\n *** DEADLOCK ***\n\n",
            u = name(unsafe_),
            sf = name(safe),
            m = name(middle)
        ));
        s
    }

    fn backtrace(&self, tid: usize) -> String {
        format!(
            "{}\nstack backtrace:\n{}{}",
            self.held_locks_text(tid),
            self.header(tid),
            self.trace_of(tid)
        )
    }

    /// `print_usage_bug()`: `this` got usage `new_bit` while its class has `prev_bit`.
    pub(crate) fn report_usage_bug(
        &mut self,
        tid: usize,
        this: HeldRef,
        prev_bit: u8,
        new_bit: u8,
        st: IrqState,
    ) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let name = &self.prog.lock_classes[this.class as usize].name;
        let mut text = format!(
            "================================\nWARNING: inconsistent lock state\n{UNAME}\n--------------------------------\ninconsistent {{{}}} -> {{{}}} usage.\n{comm}/{pid} {} takes:\n{}{{{}}} state was registered at:\n",
            usage_str(prev_bit),
            usage_str(new_bit),
            Self::irq_flags(st),
            self.print_hlock(this),
            usage_str(prev_bit),
        );
        text.push_str(&self.trace_lines(self.irq_usage.trace(this.class, prev_bit), 2));
        text.push_str(&format!(
            "\nother info that might help us debug this:\n Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock({name});\n  <Interrupt>\n    lock({name});\n\n *** DEADLOCK ***\n\n"
        ));
        text.push_str(&self.backtrace(tid));
        self.raise(
            tid,
            Kind::LockdepInconsistent,
            "inconsistent lock state",
            None,
            text,
        );
    }

    /// `print_bad_irq_dependency()`.
    pub(crate) fn report_bad_irq_dependency(
        &mut self,
        tid: usize,
        d: &IrqDependency,
        st: IrqState,
    ) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let irqclass = super::irq_usage::state_name(d.bit1);
        let mut text = format!(
            "=====================================================\nWARNING: {irqclass}-safe -> {irqclass}-unsafe lock order detected\n{UNAME}\n-----------------------------------------------------\n{comm}/{pid} {} is trying to acquire:\n{}\nand this task is already holding:\n{}which would create a new lock dependency:\n {} -> {}\n\nbut this new dependency connects a {irqclass}-irq-safe lock:\n {}\n\n... which became {irqclass}-irq-safe at:\n",
            Self::irq_flags(st),
            self.print_hlock(d.next),
            self.print_hlock(d.prev),
            self.lock_class_usage(d.prev.class),
            self.lock_class_usage(d.next.class),
            self.lock_class_usage(d.safe_class),
        );
        let safe_trace = self.irq_usage.trace(d.safe_class, d.bit1);
        text.push_str(&self.trace_lines(safe_trace, 2));
        text.push_str(&format!(
            "\nto a {irqclass}-irq-unsafe lock:\n {}\n\n... which became {irqclass}-irq-unsafe at:\n...\n",
            self.lock_class_usage(d.unsafe_class)
        ));
        let unsafe_trace = self.irq_usage.trace(d.unsafe_class, d.bit2);
        text.push_str(&self.trace_lines(unsafe_trace, 2));
        text.push_str("\nother info that might help us debug this:\n\n");
        text.push_str(&self.irq_lock_scenario(
            d.safe_class,
            d.unsafe_class,
            d.prev.class,
            d.next.class,
        ));
        text.push_str(&self.held_locks_text(tid));
        text.push_str(&format!(
            "\nthe dependencies between {irqclass}-irq-safe lock and the holding lock:\n"
        ));
        // Backwards: the safe class first without a site, then each class with the site of
        // the edge into it.
        let mut back = vec![(d.safe_class, Site::None)];
        back.extend(d.bpath.iter().map(|e| (e.to, Site::Edge(e.func, e.pc))));
        text.push_str(&self.dependency_chain(tid, &back));
        text.push_str(&format!(
            "\nthe dependencies between the lock to be acquired and {irqclass}-irq-unsafe lock:\n"
        ));
        text.push_str(&self.dependency_chain(tid, &forward_entries(d.next.class, &d.fpath)));
        text.push_str(&format!(
            "\nstack backtrace:\n{}{}",
            self.header(tid),
            self.trace_of(tid)
        ));
        self.raise(tid, Kind::LockdepIrqOrder, "possible deadlock", None, text);
    }

    /// `print_irq_inversion_bug()`: `this` just got a usage that conflicts with `other`'s
    /// across the dependency `path` (this -> ... -> other when `forwards`, else
    /// other -> ... -> this).
    pub(crate) fn report_irq_inversion(
        &mut self,
        tid: usize,
        this: HeldRef,
        other: u32,
        path: &[Edge],
        forwards: bool,
        irqclass: &str,
    ) {
        let (comm, pid) = task(self.prog, &self.threads[tid], tid);
        let mut text = format!(
            "========================================================\nWARNING: possible irq lock inversion dependency detected\n{UNAME}\n--------------------------------------------------------\n{comm}/{pid} just changed the state of lock:\n{}",
            self.print_hlock(this)
        );
        if forwards {
            text.push_str(&format!(
                "but this lock took another, {irqclass}-unsafe lock in the past:\n"
            ));
        } else {
            text.push_str(&format!(
                "but this lock was taken by another, {irqclass}-safe lock in the past:\n"
            ));
        }
        text.push_str(&format!(
            " {}\n\n\nand interrupts could create inverse lock ordering between them.\n\n\nother info that might help us debug this:\n",
            self.lock_class_usage(other)
        ));
        // The middle lock: the root's neighbour on the path (or the other end).
        let root = this.class;
        let scenario = if forwards {
            let middle = path.first().map(|e| e.to).unwrap_or(root);
            self.irq_lock_scenario(root, other, middle, other)
        } else {
            let middle = path.last().map(|e| e.from).unwrap_or(other);
            self.irq_lock_scenario(other, root, middle, root)
        };
        text.push_str(&scenario);
        text.push_str(&self.held_locks_text(tid));
        text.push_str("\nthe shortest dependencies between 2nd lock and 1st lock:\n");
        let entries = if forwards {
            forward_entries(root, path)
        } else {
            let mut v: Vec<(u32, Site)> = path
                .iter()
                .map(|e| (e.from, Site::Edge(e.func, e.pc)))
                .collect();
            v.push((root, Site::Current));
            v
        };
        text.push_str(&self.dependency_chain(tid, &entries));
        text.push_str(&format!(
            "\nstack backtrace:\n{}{}",
            self.header(tid),
            self.trace_of(tid)
        ));
        self.raise(
            tid,
            Kind::LockdepIrqInversion,
            "possible deadlock",
            None,
            text,
        );
    }
}

/// The entries of a forward search tree from the leaf back to `root`: each with the site of
/// the edge into it, the root with the current stack.
fn forward_entries(root: u32, path: &[Edge]) -> Vec<(u32, Site)> {
    let mut v: Vec<(u32, Site)> = path
        .iter()
        .rev()
        .map(|e| (e.to, Site::Edge(e.func, e.pc)))
        .collect();
    v.push((root, Site::Current));
    v
}
