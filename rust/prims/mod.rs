//! Kernel primitives. `table.rs` lists them; this module expands the table into the `Prim`
//! enum (name, arity, reach, family, doc, used by the IR loader, the partial-order reduction
//! and `_core.PRIMITIVES`) and into the dispatch from a `prim` instruction to its family
//! module, one file per family with its `Op` enum, its typed object state and its unit tests.
//! Adding a primitive touches the table, its family, docs/ir.md and a test model, and nothing
//! else (see docs/ir.md, "Adding a primitive").

pub mod alloc;
pub mod check;
pub mod completion;
pub mod context;
pub mod err;
pub mod kref;
pub mod kthread;
pub mod list;
pub mod lock;
pub mod lockdep;
pub mod lockdep_irq;
pub mod mmio;
pub mod rcu;
mod table;
pub mod waitqueue;
pub mod work;

use crate::exec::interp::Access;
use crate::exec::Execution;
use crate::ir::{Args, ObjKind};
use crate::world::{ObjRef, Value};
use table::primitive_table;

/// The first three argument values of a primitive (None beyond its arity); no primitive
/// takes more (a test checks the table).
pub type Operands = [Value; 3];

/// How far a primitive's effect reaches. The partial-order reduction (`exec::private`) reads
/// it: a `Global` primitive is always a scheduling point; a `Local` or `Args` one runs without
/// one when no argument references an object another thread can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Only the running thread's own context (irq/preempt state, checks, a new private
    /// object). A shared reference passed as an argument still counts as a touch.
    Local,
    /// The objects its arguments reference, and what those link to.
    Args,
    /// State every thread shares (RCU grace periods, voluntary yields, spawning a worker).
    Global,
}

impl Reach {
    /// The name exported to Python and written in docs/ir.md.
    pub fn name(self) -> &'static str {
        match self {
            Reach::Local => "local",
            Reach::Args => "args",
            Reach::Global => "global",
        }
    }
}

macro_rules! define_prims {
    ($($family:ident {
        $($variant:ident = $name:literal [$($arg:ident),*] $reach:ident $doc:literal;)*
    })*) => {
        /// A kernel primitive (see docs/ir.md for the semantics of each).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Prim { $($($variant),*),* }

        impl Prim {
            /// Every primitive, in table order.
            pub const ALL: &'static [Prim] = &[$($(Prim::$variant),*),*];

            /// Looks a primitive up by its model-language name.
            pub fn from_name(name: &str) -> Option<Prim> {
                match name { $($($name => Some(Prim::$variant),)*)* _ => None }
            }
            /// The model-language name.
            pub fn name(self) -> &'static str {
                match self { $($(Prim::$variant => $name),*),* }
            }
            /// The argument names (docs/ir.md); their count is the arity.
            pub fn arg_names(self) -> &'static [&'static str] {
                match self { $($(Prim::$variant => &[$(stringify!($arg)),*]),*),* }
            }
            /// The number of arguments the primitive takes.
            pub fn arity(self) -> usize {
                self.arg_names().len()
            }
            /// How far its effect reaches (what the partial-order reduction reads).
            pub fn reach(self) -> Reach {
                match self { $($(Prim::$variant => Reach::$reach),*),* }
            }
            /// The family: the module under `prims/` that implements it.
            pub fn family(self) -> &'static str {
                match self { $($(Prim::$variant => stringify!($family)),*),* }
            }
            /// The one-line doc (docs/ir.md repeats it).
            pub fn doc(self) -> &'static str {
                match self { $($(Prim::$variant => $doc),*),* }
            }
        }
    };
}

primitive_table!(define_prims);

macro_rules! define_dispatch {
    ($($family:ident {
        $($variant:ident = $name:literal [$($arg:ident),*] $reach:ident $doc:literal;)*
    })*) => {
        impl Execution<'_> {
            /// Runs a `prim` instruction: decodes its argument registers and calls the family.
            pub(crate) fn exec_prim(&mut self, tid: usize, d: u8, p: Prim, args: Args) {
                let regs = self.prog.arg_regs(args);
                let arg = |i: usize| regs.get(i).map_or(Value::Null, |&r| self.reg(tid, r));
                let v: Operands = [arg(0), arg(1), arg(2)];
                match p {
                    $($(Prim::$variant => $family::exec(self, tid, d, $family::Op::$variant, v),)*)*
                }
            }
        }
    };
}

primitive_table!(define_dispatch);

impl Execution<'_> {
    /// The live object of kind `kind` that `v` references (for a write access), or None after
    /// reporting a NULL dereference, a use-after-free or a model error.
    pub(crate) fn prim_obj(&mut self, tid: usize, v: Value, kind: ObjKind) -> Option<ObjRef> {
        match self.check_ref(tid, v, Some(kind), true, 0) {
            Access::Ok(r) => Some(r),
            Access::Failed => None,
        }
    }

    /// Wakes every blocked thread whose wait satisfies `pred`.
    pub(crate) fn wake_where(&mut self, pred: impl Fn(crate::exec::thread::Wait) -> bool) {
        for t in 0..self.nthreads {
            let th = &self.threads[t];
            if th.status == crate::exec::thread::Status::Blocked && pred(th.wait) {
                self.unblock(t);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::exec::Execution;
    use crate::ir::load_program;

    /// What a family unit test expects of its program.
    pub(crate) enum Expect {
        Clean,
        /// A finding of this kind (`oracle::Kind::name`).
        Kind(&'static str),
    }

    /// Runs `code` (IR instructions as JSON) as the only thread, in the default schedule.
    /// Register 9 holds GFP_KERNEL, register 8 a reference to the global `g`; struct 0
    /// (`Node`) has the fields `inner` (an embedded struct 1), `val`, `lock` (a mutex),
    /// `spin`, `sem`, `done`, `wq`, `node`, `ref`, `work`, whose names are strings 0..=9.
    pub(crate) fn run(what: &str, code: &[&str], expect: Expect) {
        let o = outcome(code);
        // A model error is a run status, not a finding kind; the table names it the same.
        let got = match &o.model_error {
            Some(_) => Some("model-error"),
            None => o.finding.as_ref().map(|f| f.kind.name()),
        };
        match expect {
            Expect::Clean => {
                assert_eq!(got, None, "{what}: {:?}", o.finding.map(|f| f.report));
                assert_eq!(o.status, crate::exec::RunStatus::Ok, "{what}");
            }
            Expect::Kind(k) => assert_eq!(got, Some(k), "{what}"),
        }
    }

    /// Runs `code` as the body of the one thread of the test program (see `run`).
    pub(crate) fn outcome(code: &[&str]) -> crate::outcome::Outcome {
        let mut instrs = vec![r#"["int", 9, 3264]"#, r#"["global", 8, 0]"#];
        instrs.extend_from_slice(code);
        instrs.push(r#"["retnone"]"#);
        let lines = vec!["1"; instrs.len()].join(", ");
        let ir = format!(
            r#"{{"version": 1, "files": ["t.py"],
            "strings": ["inner", "val", "lock", "spin", "sem", "done", "wq", "node", "ref", "work", "x"],
            "structs": [
              {{"name": "Node", "fields": [
                {{"name": "inner", "type": {{"embed": 1}}}}, {{"name": "val", "type": "int"}},
                {{"name": "lock", "type": "mutex"}}, {{"name": "spin", "type": "spinlock"}},
                {{"name": "sem", "type": "rwsem"}}, {{"name": "done", "type": "completion"}},
                {{"name": "wq", "type": "waitqueue"}}, {{"name": "node", "type": "list"}},
                {{"name": "ref", "type": "kref"}}, {{"name": "work", "type": "work"}}]}},
              {{"name": "Inner", "fields": [{{"name": "x", "type": "int"}}]}}],
            "functions": [{{"name": "f", "file": 0, "line": 1, "params": 0, "locals": 16,
                            "code": [{}], "lines": [{lines}]}}],
            "globals": [{{"name": "g", "struct": 0}}],
            "threads": [{{"name": "t", "actions": [{{"func": 0}}], "default": [0],
                          "min": 1, "max": 1}}]}}"#,
            instrs.join(", ")
        );
        let prog = load_program(ir.as_bytes()).expect("valid test IR");
        let mut ex = Execution::new(&prog).expect("boots");
        crate::runner::run_bytes(&mut ex, b"", false)
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        for (i, p) in Prim::ALL.iter().enumerate() {
            assert_eq!(Prim::from_name(p.name()), Some(*p));
            assert!(Prim::ALL[..i].iter().all(|q| q.name() != p.name()));
            assert!(!p.doc().is_empty() && p.arity() <= 3);
        }
        assert_eq!(Prim::ALL.len(), 100);
    }

    #[test]
    fn global_reach_is_exactly_the_yield_rcu_work_and_kthread_points() {
        let global: Vec<&str> = Prim::ALL
            .iter()
            .filter(|p| p.reach() == Reach::Global)
            .map(|p| p.name())
            .collect();
        assert_eq!(
            global,
            [
                "rcu_read_lock",
                "rcu_read_unlock",
                "synchronize_rcu",
                "schedule_work",
                "schedule_delayed_work",
                "mod_delayed_work",
                "kthread_run",
                "kthread_should_stop",
                "kthread_stop",
                "signal_pending",
                "msleep",
                "schedule",
                "cond_resched",
                "yield_cpu"
            ]
        );
    }
}
