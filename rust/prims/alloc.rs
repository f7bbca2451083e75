//! Family `alloc`: kzalloc (the `alloc` instruction), kfree with KASAN's double-free and
//! invalid-free checks, and container_of. Allocation and free stacks are recorded here for
//! the KASAN reports; an allocation made by an actor stays private to it (no scheduling
//! point for its accesses) until it is published (`exec::private`).

use super::Operands;
use crate::cov::Transition;
use crate::exec::interp::Access;
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::world::{Obj, Value, BOOT_TASK, NONE};

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Kfree,
    ContainerOf,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [a, ..]: Operands) {
    match op {
        Op::Kfree => {
            if ex.prim_kfree(tid, a) {
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::ContainerOf => {
            // Pointer arithmetic, as the kernel's macro: no memory is read, so a freed
            // object is not an access here; the dereference that follows is reported.
            let r = match a {
                Value::Ref(r) => r,
                other => {
                    let Access::Ok(r) = ex.check_ref(tid, other, None, false, 0) else {
                        return;
                    };
                    r
                }
            };
            let mut parent = ex.world.objs[r.idx as usize].parent;
            // An element of an array of primitives (`works[i]`) belongs to the struct that
            // holds the array: `container_of(w, T, "works")` is that struct.
            if parent != NONE && ex.world.objs[parent as usize].kind == ObjKind::Array {
                parent = ex.world.objs[parent as usize].parent;
            }
            let v = if parent == NONE {
                Value::Null
            } else {
                Value::Ref(ex.world.ref_of(parent))
            };
            ex.finish_op(tid, d, v);
        }
    }
}

impl Execution<'_> {
    /// Records the thread's call stack (for KASAN's "Allocated by"/"Freed by" sections)
    /// straight into the World's stack buffer: no allocation once the buffer is warm.
    pub(crate) fn current_stack(&mut self, tid: usize) -> u32 {
        self.current_stack_under(tid, &[])
    }

    /// `current_stack` with kernel frames `top` above the model's. Frames of library
    /// functions that stand for no kernel function (`ir::Function::frameless`) are left out.
    fn current_stack_under(&mut self, tid: usize, top: &'static [&'static str]) -> u32 {
        let owner = if self.booting { BOOT_TASK } else { tid as u32 };
        let prog = self.prog;
        let frames = self.threads[tid]
            .frames
            .iter()
            .rev()
            .filter(|f| !prog.functions[f.func as usize].frameless)
            .map(|f| (f.func, f.pc));
        self.world.record_stack(owner, frames, top)
    }

    /// `alloc d, s, g`: kzalloc of struct `s` with the gfp flags in register `g`.
    pub(crate) fn exec_alloc(&mut self, tid: usize, d: u8, s: u32, g: u8) {
        let gfp = match self.reg(tid, g) {
            Value::Int(v) => v,
            other => {
                self.model_error(tid, format!("gfp flags are a {} value", other.type_name()));
                return;
            }
        };
        if gfp & 0x400 != 0 && !self.might_sleep(tid) {
            return;
        }
        if self.alloc_fails(tid, s) {
            // Fault injection (failslab): this kzalloc returns NULL.
            self.finish_op(tid, d, Value::Null);
            return;
        }
        if !self.heap_has_room(tid) {
            return;
        }
        let idx = self.world.alloc_struct(self.prog, s);
        if !self.booting {
            self.world.objs[idx as usize].owner = tid as u32;
        }
        // A devm_kzalloc's allocation shows the kernel's devm_kmalloc frames (`ir::managed`).
        let top = match self.threads[tid].frames.last() {
            Some(fr) => self.prog.alloc_frames(fr.func, fr.pc),
            None => &[],
        };
        let st = self.current_stack_under(tid, top);
        self.world.objs[idx as usize].alloc_stack = st;
        if self.feedback {
            self.fb_life(s, Transition::Allocated);
        }
        let r = self.world.ref_of(idx);
        self.finish_op(tid, d, Value::Ref(r));
    }

    /// Whether the model heap is under its cap (config `heap_objects`, `heap_bytes`); if not,
    /// a model error at the allocating line (a struct is at most a few thousand words, so
    /// checking before each allocation bounds the heap).
    pub(crate) fn heap_has_room(&mut self, tid: usize) -> bool {
        let c = &self.prog.config;
        let objects = self.world.objs.len() as u64;
        let bytes = self.world.vals.len() as u64 * 8;
        if objects < c.heap_objects && bytes < c.heap_bytes {
            return true;
        }
        let (objs_cap, bytes_cap) = (c.heap_objects, c.heap_bytes);
        self.model_error(
            tid,
            format!(
                "the model heap is full ({objects} objects, {bytes} bytes; the caps are config \
                 heap_objects={objs_cap}, heap_bytes={bytes_cap}): does something allocate in \
                 a loop without freeing?"
            ),
        );
        false
    }

    /// kfree; returns false after reporting (double free, invalid free, not a reference).
    fn prim_kfree(&mut self, tid: usize, v: Value) -> bool {
        let r = match v {
            Value::Null => return true,
            Value::Ref(r) => r,
            other => {
                self.model_error(tid, format!("kfree of a {} value", other.type_name()));
                return false;
            }
        };
        let o = self.world.objs[r.idx as usize];
        if o.gen != r.gen || o.freed {
            self.fail_double_free(tid, r);
            return false;
        }
        if o.base != r.idx || o.kind == ObjKind::Iomem {
            self.fail_invalid_free(tid, r);
            return false;
        }
        let st = self.current_stack(tid);
        self.world.objs[r.idx as usize].free_stack = st;
        if self.feedback {
            self.fb_life(life_key(&o), Transition::Freed);
        }
        self.world.free_allocation(r.idx);
        true
    }
}

/// The lifecycle feature key of an object: its struct id, or its kind for primitives.
pub(crate) fn life_key(o: &Obj) -> u32 {
    if o.kind == ObjKind::Struct {
        o.sid
    } else {
        0x8000_0000 | o.kind as u32
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn kfree_frees_once_and_container_of_finds_the_parent() {
        let ok = "p = kzalloc(Node); inner = &p->inner; assert container_of(inner) == p; kfree(p)";
        run(
            ok,
            &[
                r#"["alloc", 0, 0, 9]"#,
                r#"["load", 1, 0, 0]"#,
                r#"["prim", 2, "container_of", [1]]"#,
                r#"["bin", "eq", 3, 2, 0]"#,
                r#"["assert", 3]"#,
                r#"["prim", 2, "kfree", [0]]"#,
            ],
            Expect::Clean,
        );
        // container_of is pointer arithmetic: on a freed object it reads nothing, and the
        // dereference through its result is what KASAN reports.
        run(
            "inner = &p->inner; kfree(p); container_of(inner)",
            &[
                r#"["alloc", 0, 0, 9]"#,
                r#"["load", 1, 0, 0]"#,
                r#"["prim", 2, "kfree", [0]]"#,
                r#"["prim", 2, "container_of", [1]]"#,
            ],
            Expect::Clean,
        );
        run(
            "inner = &p->inner; kfree(p); container_of(inner)->val",
            &[
                r#"["alloc", 0, 0, 9]"#,
                r#"["load", 1, 0, 0]"#,
                r#"["prim", 2, "kfree", [0]]"#,
                r#"["prim", 2, "container_of", [1]]"#,
                r#"["load", 3, 2, 1]"#,
            ],
            Expect::Kind("use-after-free"),
        );
        run(
            "kfree(p) twice",
            &[
                r#"["alloc", 0, 0, 9]"#,
                r#"["prim", 2, "kfree", [0]]"#,
                r#"["prim", 2, "kfree", [0]]"#,
            ],
            Expect::Kind("double-free"),
        );
        run(
            "kfree(&p->inner)",
            &[
                r#"["alloc", 0, 0, 9]"#,
                r#"["load", 1, 0, 0]"#,
                r#"["prim", 2, "kfree", [1]]"#,
            ],
            Expect::Kind("invalid-free"),
        );
    }
}
