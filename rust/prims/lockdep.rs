//! Family `lockdep`: the lock-class annotations (`lockdep_set_novalidate_class`, as for
//! device_lock) and `lockdep_assert_held`, plus lockdep's checks at every acquire: recursive
//! locking of a held class, and a new ordering edge that closes a cycle in the class graph
//! (`oracle::lockdep`) is a possible circular locking dependency.

use super::lockdep_irq::{AcquireMode, HeldRef};
use super::Operands;
use crate::exec::interp::Access;
use crate::exec::Execution;
use crate::oracle::lockdep::Edge;
use crate::world::{ObjRef, Value};

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    LockdepSetNovalidateClass,
    LockdepAssertHeld,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [l, ..]: Operands) {
    let Access::Ok(r) = ex.check_ref(tid, l, None, op == Op::LockdepSetNovalidateClass, 0) else {
        return;
    };
    let is_lock = ex.world.objs[r.idx as usize].kind.is_lock();
    match op {
        Op::LockdepSetNovalidateClass => {
            if !is_lock {
                ex.model_error(tid, "lockdep_set_novalidate_class needs a lock".into());
                return;
            }
            ex.world.objs[r.idx as usize].novalidate = true;
            ex.finish_op(tid, d, Value::Null);
        }
        Op::LockdepAssertHeld => {
            if !is_lock {
                ex.model_error(tid, "lock query on an object that is not a lock".into());
                return;
            }
            let held = ex.threads[tid].held.iter().any(|h| h.obj == r.idx);
            if !held && ex.prog.config.lockdep {
                ex.report_assert_held(tid, r);
                return;
            }
            ex.finish_op(tid, d, Value::Null);
        }
    }
}

impl Execution<'_> {
    /// Lockdep's checks at acquire time (`__lock_acquire`: `mark_usage`, then
    /// `validate_chain`: recursive locking, and for each new edge the cycle check and
    /// `check_irq_usage`); returns false after reporting.
    pub(crate) fn lockdep_acquire(&mut self, tid: usize, r: ObjRef, mode: AcquireMode) -> bool {
        if !self.prog.config.lockdep {
            return true;
        }
        let o = self.world.objs[r.idx as usize];
        if o.novalidate {
            return true;
        }
        let class = o.lock_class;
        let (func, pc) = self.threads[tid]
            .frames
            .last()
            .map(|f| (f.func, f.pc))
            .unwrap_or((0, 0));
        let next = HeldRef {
            obj: r.idx,
            class,
            func,
            pc,
            read: mode.read,
        };
        if !self.mark_usage(tid, next, mode) {
            return false;
        }
        if mode.trylock {
            return true;
        }
        let nheld = self.threads[tid].held.len();
        for i in 0..nheld {
            let h = self.threads[tid].held[i];
            if h.validated && h.class == class {
                self.report_recursive_locking(tid, r, i);
                return false;
            }
        }
        for i in 0..nheld {
            let h = self.threads[tid].held[i];
            if !h.validated {
                continue;
            }
            if self.lockgraph.has_edge(h.class, class) {
                continue;
            }
            if let Some(chain) = self.lockgraph.path(class, h.class) {
                self.report_circular(tid, r, i, &chain);
                return false;
            }
            let prev = HeldRef {
                obj: h.obj,
                class: h.class,
                func: h.func,
                pc: h.pc,
                read: h.read,
            };
            let st = self.irq_state(tid, mode);
            if !self.check_irq_usage(tid, prev, next, st) {
                return false;
            }
            self.lockgraph.add(Edge {
                from: h.class,
                to: class,
                tid: tid as u32,
                func,
                pc,
            });
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn assert_held_and_novalidate() {
        let held = [
            r#"["load", 1, 8, 2]"#,
            r#"["prim", 2, "mutex_lock", [1]]"#,
            r#"["prim", 2, "lockdep_assert_held", [1]]"#,
            r#"["prim", 2, "mutex_unlock", [1]]"#,
        ];
        run("held", &held, Expect::Clean);
        run(
            "not held",
            &[held[0], held[2]],
            Expect::Kind("lockdep-assert"),
        );
        let relock = [held[0], held[1], held[1]];
        run("relock", &relock, Expect::Kind("lockdep-recursive"));
        let novalidate = [
            held[0],
            r#"["prim", 2, "lockdep_set_novalidate_class", [1]]"#,
            held[1],
            held[1],
        ];
        run("relock, novalidate", &novalidate, Expect::Kind("deadlock"));
    }
}
