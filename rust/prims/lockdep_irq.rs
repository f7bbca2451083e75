//! Lockdep's IRQ-safety checks, as kernel/locking/lockdep.c makes them: `mark_usage` at every
//! validated acquire (USED_IN_HARDIRQ/SOFTIRQ in interrupt context unless a trylock,
//! ENABLED_HARDIRQ/SOFTIRQ when the lock is taken with interrupts on, then USED), and
//! `mark_held_locks` when a thread turns hardirqs or softirqs back on; `mark_lock` sets a new
//! bit with the current stack and `mark_lock_irq` validates it (`valid_state`: the class's own
//! conflicting bit is an inconsistent lock state; `check_usage_forwards`/`_backwards`: a
//! conflicting class through the lock-order graph is an irq lock inversion). A new ordering
//! edge goes through `check_irq_usage`: an irq-safe class behind the held lock and an
//! irq-unsafe class after the new one is a `<STATE>-safe -> <STATE>-unsafe` lock order.

use crate::exec::Execution;
use crate::oracle::irq_usage::{
    exclusive_bit, exclusive_mask, find_exclusive_match, flag, original_mask, state_name,
    ENABLED_HARDIRQ, ENABLED_SOFTIRQ, LOCKF_ENABLED_IRQ_ALL, LOCKF_USED_IN_IRQ_ALL, USED,
    USED_IN_HARDIRQ, USED_IN_SOFTIRQ, USED_READ,
};
use crate::oracle::lockdep::Edge;

/// A lock as lockdep's `held_lock` describes it: instance, class, `acquire_ip`, read.
#[derive(Clone, Copy, Debug)]
pub struct HeldRef {
    pub obj: u32,
    pub class: u32,
    pub func: u32,
    pub pc: u32,
    pub read: bool,
}

/// The `[HC%u[%lu]:SC%u[%lu]:HE%u:SE%u]` state a report prints: the hardirq and softirq
/// counts and whether lockdep sees hardirqs and softirqs enabled.
#[derive(Clone, Copy, Debug)]
pub struct IrqState {
    pub hardirq: u32,
    pub softirq: u32,
    pub hardirqs_on: bool,
    pub softirqs_on: bool,
}

/// How the acquire being checked changes the irq state before lockdep sees it
/// (`spin_lock_irq*` disable hardirqs, `spin_lock_bh` softirqs, before `spin_acquire`).
#[derive(Clone, Copy, Debug, Default)]
pub struct AcquireMode {
    pub read: bool,
    pub trylock: bool,
    pub hardirqs_off: bool,
    pub softirqs_off: bool,
}

impl Execution<'_> {
    /// The irq state lockdep sees for `tid` as the acquire in `mode` starts.
    pub(crate) fn irq_state(&self, tid: usize, mode: AcquireMode) -> IrqState {
        let t = &self.threads[tid];
        IrqState {
            hardirq: t.hardirq,
            softirq: t.softirq,
            hardirqs_on: t.irqs_off == 0 && !mode.hardirqs_off,
            softirqs_on: t.softirq == 0 && !mode.softirqs_off,
        }
    }

    /// `mark_usage()`; returns false after reporting.
    pub(crate) fn mark_usage(&mut self, tid: usize, this: HeldRef, mode: AcquireMode) -> bool {
        let st = self.irq_state(tid, mode);
        let r = this.read as u8;
        if !mode.trylock {
            if st.hardirq != 0 && !self.mark_lock(tid, this, USED_IN_HARDIRQ + r, st) {
                return false;
            }
            if st.softirq & 1 != 0 && !self.mark_lock(tid, this, USED_IN_SOFTIRQ + r, st) {
                return false;
            }
        }
        if st.hardirqs_on {
            if !self.mark_lock(tid, this, ENABLED_HARDIRQ + r, st) {
                return false;
            }
            if st.softirqs_on && !self.mark_lock(tid, this, ENABLED_SOFTIRQ + r, st) {
                return false;
            }
        }
        self.mark_lock(tid, this, if this.read { USED_READ } else { USED }, st)
    }

    /// Hardirqs (`hardirqs`) or softirqs are being turned back on while locks are held:
    /// `lockdep_hardirqs_on_prepare` / `lockdep_softirqs_on`, which mark every held lock
    /// ENABLED (`mark_held_locks`). Returns false after reporting.
    pub(crate) fn lockdep_irqs_on(&mut self, tid: usize, hardirqs: bool) -> bool {
        let t = &self.threads[tid];
        if !self.prog.config.lockdep || t.held.is_empty() || t.hardirq != 0 {
            return true;
        }
        let st = IrqState {
            hardirq: t.hardirq,
            softirq: t.softirq,
            // lockdep_hardirqs_on() sets the flag after the marks; softirqs_on before them.
            hardirqs_on: !hardirqs && t.irqs_off == 0,
            softirqs_on: t.softirq == 0,
        };
        if hardirqs {
            if !self.mark_held_locks(tid, ENABLED_HARDIRQ, st) {
                return false;
            }
            if st.softirqs_on {
                return self.mark_held_locks(tid, ENABLED_SOFTIRQ, st);
            }
            return true;
        }
        if self.threads[tid].irqs_off == 0 {
            return self.mark_held_locks(tid, ENABLED_SOFTIRQ, st);
        }
        true
    }

    fn mark_held_locks(&mut self, tid: usize, base: u8, st: IrqState) -> bool {
        for i in 0..self.threads[tid].held.len() {
            let h = self.threads[tid].held[i];
            if !h.validated {
                continue;
            }
            let this = HeldRef {
                obj: h.obj,
                class: h.class,
                func: h.func,
                pc: h.pc,
                read: h.read,
            };
            if !self.mark_lock(tid, this, base + h.read as u8, st) {
                return false;
            }
        }
        true
    }

    /// `mark_lock()`: sets a new bit (with the stack) and validates it.
    fn mark_lock(&mut self, tid: usize, this: HeldRef, bit: u8, st: IrqState) -> bool {
        if self.irq_usage.mask(this.class) & flag(bit) != 0 {
            return true;
        }
        let stack = self.current_stack(tid);
        self.irq_usage.set(this.class, bit, stack);
        if bit >= USED {
            return true;
        }
        self.mark_lock_irq(tid, this, bit, st)
    }

    /// `mark_lock_irq()`: `valid_state` for the conflicting bit (and its read twin for a
    /// write usage), then the dependency check in the graph's direction.
    fn mark_lock_irq(&mut self, tid: usize, this: HeldRef, bit: u8, st: IrqState) -> bool {
        let excl = exclusive_bit(bit);
        let read = bit & 1 != 0;
        let mask = self.irq_usage.mask(this.class);
        for bad in [excl, excl + 1] {
            if bad == excl + 1 && read {
                break;
            }
            if mask & flag(bad) != 0 {
                self.report_usage_bug(tid, this, bad, bit, st);
                return false;
            }
        }
        // ENABLED looks backwards for a USED_IN dependee; USED_IN forwards for an ENABLED
        // dependency (check_usage_backwards / check_usage_forwards).
        let forwards = bit & 2 == 0;
        let want = flag(excl) | flag(excl + 1);
        if self.irq_usage.any() & want == 0 {
            return true; // no class has the conflicting usage: nothing to search for
        }
        let usage = &self.irq_usage;
        let found = self
            .lockgraph
            .find(this.class, forwards, |c| usage.mask(c) & want != 0);
        if let Some((other, path)) = found {
            let hit = if self.irq_usage.mask(other) & flag(excl) != 0 {
                excl
            } else {
                excl + 1
            };
            self.report_irq_inversion(tid, this, other, &path, forwards, state_name(hit));
            return false;
        }
        true
    }

    /// `check_irq_usage()` for the new dependency `prev -> next`; returns false after
    /// reporting.
    pub(crate) fn check_irq_usage(
        &mut self,
        tid: usize,
        prev: HeldRef,
        next: HeldRef,
        st: IrqState,
    ) -> bool {
        if self.irq_usage.any() & LOCKF_USED_IN_IRQ_ALL == 0 {
            return true; // no lock was ever taken in IRQ context
        }
        // Step 1: every hard/soft IRQ usage behind prev, accumulated.
        let mut acc = 0u16;
        let usage = &self.irq_usage;
        self.lockgraph.find(prev.class, false, |c| {
            acc |= usage.mask(c);
            false
        });
        acc &= LOCKF_USED_IN_IRQ_ALL;
        if acc == 0 {
            return true;
        }
        // Step 2: an exclusive usage after next.
        let fmask = exclusive_mask(acc);
        let Some((unsafe_class, fpath)) = self
            .lockgraph
            .find(next.class, true, |c| usage.mask(c) & fmask != 0)
        else {
            return true;
        };
        // Step 3: the lock behind prev whose usage that one conflicts with.
        let bmask = original_mask(usage.mask(unsafe_class) & LOCKF_ENABLED_IRQ_ALL);
        let Some((safe_class, bpath)) = self
            .lockgraph
            .find(prev.class, false, |c| usage.mask(c) & bmask != 0)
        else {
            return true;
        };
        // Step 4: the pair of incompatible bits.
        let Some((bit1, bit2)) =
            find_exclusive_match(usage.mask(safe_class), usage.mask(unsafe_class))
        else {
            return true;
        };
        let dep = IrqDependency {
            prev,
            next,
            safe_class,
            unsafe_class,
            bpath,
            fpath,
            bit1,
            bit2,
        };
        self.report_bad_irq_dependency(tid, &dep, st);
        false
    }
}

/// What `print_bad_irq_dependency` shows: the new edge, the irq-safe class behind `prev`
/// (with the edges from it to `prev`) and the irq-unsafe class after `next` (edges from
/// `next` to it), and the two conflicting usage bits.
#[derive(Clone, Debug)]
pub struct IrqDependency {
    pub prev: HeldRef,
    pub next: HeldRef,
    pub safe_class: u32,
    pub unsafe_class: u32,
    pub bpath: Vec<Edge>,
    pub fpath: Vec<Edge>,
    pub bit1: u8,
    pub bit2: u8,
}

#[cfg(test)]
mod tests {
    use crate::exec::Execution;
    use crate::ir::load_program;
    use crate::oracle::irq_usage::*;

    /// Boots `boot` (process context), then runs `code` as one thread in `ctx`; register 8
    /// holds the global, whose fields `spin` and `sem` are strings 0 and 1. Returns the
    /// finding kind and the usage masks of the `spin` and `sem` classes after the run.
    fn run(ctx: &str, boot: &[&str], code: &[&str]) -> (Option<&'static str>, u16, u16) {
        let func = |name: &str, code: &[&str]| {
            let mut instrs = vec![r#"["global", 8, 0]"#];
            instrs.extend_from_slice(code);
            instrs.push(r#"["retnone"]"#);
            let lines = vec!["1"; instrs.len()].join(", ");
            format!(
                r#"{{"name": "{name}", "file": 0, "line": 1, "params": 0, "locals": 16,
                    "code": [{}], "lines": [{lines}]}}"#,
                instrs.join(", ")
            )
        };
        let ir = format!(
            r#"{{"version": 1, "files": ["t.py"], "strings": ["spin", "sem"],
            "structs": [{{"name": "Node", "fields": [
                {{"name": "spin", "type": "spinlock"}}, {{"name": "sem", "type": "rwsem"}}]}}],
            "functions": [{}, {}], "boot": [1],
            "globals": [{{"name": "g", "struct": 0}}],
            "threads": [{{"name": "t", "context": "{ctx}", "actions": [{{"func": 0}}],
                          "default": [0], "min": 1, "max": 1}}]}}"#,
            func("f", code),
            func("b", boot)
        );
        let prog = load_program(ir.as_bytes()).expect("valid test IR");
        let mut ex = Execution::new(&prog).expect("boots");
        let o = crate::runner::run_bytes(&mut ex, b"", false);
        let kind = o.finding.as_ref().map(|f| f.kind.name());
        (kind, ex.irq_usage.mask(0), ex.irq_usage.mask(1))
    }

    const SPIN: &str = r#"["load", 1, 8, 0]"#;
    const LOCK: &str = r#"["prim", 2, "spin_lock", [1]]"#;
    const UNLOCK: &str = r#"["prim", 2, "spin_unlock", [1]]"#;
    const IRQSAVE: &str = r#"["prim", 3, "spin_lock_irqsave", [1]]"#;
    const RESTORE: &str = r#"["prim", 2, "spin_unlock_irqrestore", [1, 3]]"#;

    #[test]
    fn irqs_on_then_in_hardirq_is_an_inconsistent_state() {
        let (k, spin, _) = run("hardirq", &[SPIN, LOCK, UNLOCK], &[SPIN, LOCK, UNLOCK]);
        assert_eq!(k, Some("lockdep-inconsistent"));
        assert_eq!(usage_chars(spin), "?.+.");
        let (k, spin, _) = run("hardirq", &[SPIN, IRQSAVE, RESTORE], &[SPIN, LOCK, UNLOCK]);
        assert_eq!(k, None);
        assert_eq!(usage_chars(spin), "-...");
        assert!(spin & flag(USED) != 0);
    }

    #[test]
    fn bh_and_irq_variants_mark_only_what_stays_enabled() {
        let bh = [
            SPIN,
            r#"["prim", 2, "spin_lock_bh", [1]]"#,
            r#"["prim", 2, "spin_unlock_bh", [1]]"#,
        ];
        let (k, spin, _) = run("process", &[], &bh);
        assert_eq!(k, None);
        assert_eq!(spin, flag(ENABLED_HARDIRQ) | flag(USED));
        let (_, spin, _) = run("softirq", &[], &[SPIN, LOCK, UNLOCK]);
        assert_eq!(
            spin,
            flag(USED_IN_SOFTIRQ) | flag(ENABLED_HARDIRQ) | flag(USED)
        );
    }

    #[test]
    fn enabling_irqs_marks_the_held_locks() {
        let code = [
            SPIN,
            r#"["prim", 2, "local_irq_disable", []]"#,
            LOCK,
            r#"["prim", 2, "local_irq_enable", []]"#,
            UNLOCK,
        ];
        let (k, spin, _) = run("process", &[], &code);
        assert_eq!(k, None);
        assert_eq!(usage_chars(spin), "+.+.");
    }

    #[test]
    fn trylock_in_irq_context_is_not_used_in_irq() {
        let code = [
            r#"["load", 1, 8, 1]"#,
            r#"["prim", 2, "down_read_trylock", [1]]"#,
            r#"["prim", 2, "up_read", [1]]"#,
        ];
        let (k, _, sem) = run("hardirq", &[], &code);
        assert_eq!(k, None);
        assert_eq!(sem, flag(USED_READ));
        let (_, _, sem) = run("process", &[], &code);
        assert_eq!(
            sem,
            flag(ENABLED_HARDIRQ_READ) | flag(ENABLED_SOFTIRQ_READ) | flag(USED_READ)
        );
    }
}
