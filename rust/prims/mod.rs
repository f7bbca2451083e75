//! Kernel primitives. `table.rs` lists them; this module expands the table into the `Prim`
//! enum (name, arity, reach, family, doc, used by the IR loader, the partial-order reduction
//! and `_core.PRIMITIVES`). Adding a primitive touches the table, its family, docs/ir.md and
//! a test model, and nothing else (see docs/ir.md, "Adding a primitive").

mod table;

use table::primitive_table;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for (i, p) in Prim::ALL.iter().enumerate() {
            assert_eq!(Prim::from_name(p.name()), Some(*p));
            assert!(Prim::ALL[..i].iter().all(|q| q.name() != p.name()));
            assert!(!p.doc().is_empty() && p.arity() <= 3);
        }
        assert_eq!(Prim::ALL.len(), 83);
    }

    #[test]
    fn global_reach_is_exactly_the_yield_rcu_and_work_points() {
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
                "msleep",
                "schedule",
                "cond_resched",
                "yield_cpu"
            ]
        );
    }
}
