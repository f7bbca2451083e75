//! Thread-private objects: a sound partial-order reduction. An object allocated by a thread
//! is private to it until a reference to it is stored into an object another thread can
//! reach (or it is handed to a work item); operations that touch only private objects (or
//! only the thread's own context) commute with every other thread's operations, so they run
//! without a scheduling point. Which primitives have a global effect (always a scheduling
//! point) is the table's `reach` (`crate::prims`). Publication is tracked transitively at
//! store time.

use super::Execution;
use crate::ir::{Instr, Reach};
use crate::world::{Value, NONE};

impl Execution<'_> {
    /// Whether `ins` (a visible instruction) touches nothing another thread can observe.
    pub(crate) fn is_private_op(&self, tid: usize, ins: Instr) -> bool {
        let me = tid as u32;
        let private = |v: Value| match v {
            Value::Ref(r) => self.world.owner_of(r.idx) == me,
            _ => false,
        };
        match ins {
            Instr::Load { a, .. }
            | Instr::Store { a, .. }
            | Instr::ILoad { a, .. }
            | Instr::IStore { a, .. } => private(self.reg(tid, a)),
            Instr::Alloc { .. } => true,
            // The table's reach decides: a global effect is always a scheduling point.
            Instr::Prim { p, args, .. } => match p.reach() {
                Reach::Global => false,
                Reach::Local => true,
                Reach::Args => self.prog.arg_regs(args).iter().all(|&r| {
                    let v = self.reg(tid, r);
                    !matches!(v, Value::Ref(_)) || private(v)
                }),
            },
            _ => true,
        }
    }

    /// Called before `v` is stored into object `target`: if the target is not private to
    /// this thread, whatever `v` references becomes shared.
    #[inline]
    pub(crate) fn publish(&mut self, tid: usize, target: u32, v: Value) {
        if let Value::Ref(r) = v {
            let owner = self.world.owner_of(r.idx);
            if owner != NONE && self.world.owner_of(target) != tid as u32 {
                self.publish_allocation(r.idx);
            }
        }
    }

    /// Marks the allocation containing `idx`, and every private allocation reachable from
    /// it, as shared.
    pub(crate) fn publish_allocation(&mut self, idx: u32) {
        let mut work = std::mem::take(&mut self.scratch);
        work.clear();
        work.push(self.world.objs[idx as usize].base);
        while let Some(base) = work.pop() {
            if self.world.objs[base as usize].owner == NONE {
                continue;
            }
            self.world.objs[base as usize].owner = NONE;
            if self.feedback {
                let key = crate::prims::alloc::life_key(&self.world.objs[base as usize]);
                self.fb_life(key, crate::cov::Transition::Published);
            }
            let mut i = base as usize;
            while i < self.world.objs.len()
                && (i == base as usize || self.world.objs[i].base == base)
            {
                let o = self.world.objs[i];
                let s = o.vals_start as usize;
                for k in 0..o.vals_len as usize {
                    if let Value::Ref(r) = self.world.vals[s + k] {
                        if self.world.owner_of(r.idx) != NONE {
                            work.push(self.world.objs[r.idx as usize].base);
                        }
                    }
                }
                i += 1;
            }
        }
        self.scratch = work;
    }
}
