//! The World: the model heap (objects, their field values, allocation records) of one
//! execution, plus the snapshot/reset machinery.
//!
//! Objects are never reused within an execution (a freed object stays as a tombstone, like
//! KASAN's quarantine), so a reference to freed memory is always detected. Reset copies the
//! post-boot snapshot into the existing buffers: no allocation in the hot loop once warm.

pub mod value;

use crate::ir::{ElemType, FieldType, ObjKind, Program};
use crate::prims::completion::CompletionState;
use crate::prims::kref::KrefState;
use crate::prims::kthread::TaskState;
use crate::prims::lock::LockState;
use crate::prims::work::WorkState;
pub use value::{ObjRef, Value};

/// `u32::MAX` as "none" for object indices.
pub const NONE: u32 = u32::MAX;

/// The task recorded for allocations made by the boot functions (before any actor runs).
pub const BOOT_TASK: u32 = u32::MAX - 1;

/// The typed state of a primitive object; each family module under `prims/` defines its own
/// state type and accessors. Set from the object's kind when it is allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjState {
    /// Structs, arrays, MMIO mappings, list heads, wait queues: nothing beyond their values.
    None,
    /// Mutex, spinlock, rw_semaphore.
    Lock(LockState),
    Completion(CompletionState),
    Kref(KrefState),
    Work(WorkState),
    /// A kthread's `task_struct` (`prims::kthread`).
    Task(TaskState),
}

impl ObjState {
    /// The initial state of a new object of `kind`.
    pub fn initial(kind: ObjKind) -> ObjState {
        match kind {
            ObjKind::Mutex | ObjKind::Spinlock | ObjKind::RwSem => {
                ObjState::Lock(LockState::default())
            }
            ObjKind::Completion => ObjState::Completion(CompletionState::default()),
            ObjKind::Kref => ObjState::Kref(KrefState { count: 1 }),
            ObjKind::Work => ObjState::Work(WorkState::default()),
            ObjKind::Task => ObjState::Task(TaskState::default()),
            _ => ObjState::None,
        }
    }
}

/// A heap object.
#[derive(Clone, Copy, Debug)]
pub struct Obj {
    /// Generation: bumped on free; references carry the generation they were made with.
    pub gen: u32,
    pub kind: ObjKind,
    /// Whether the object (its allocation) has been freed.
    pub freed: bool,
    /// Lock objects only: invisible to lockdep (`lockdep_set_novalidate_class`).
    pub novalidate: bool,
    /// Struct id (structs), element type (arrays: `ElemType::code`).
    pub sid: u32,
    /// The object this one is embedded in (`container_of`), or NONE.
    pub parent: u32,
    /// The allocation this object belongs to (itself for an allocation base).
    pub base: u32,
    /// The field through which it is embedded (a field index of the parent; an element
    /// index when the parent is an array), or NONE.
    pub parent_field: u32,
    /// The slice of `World::vals` holding its fields/elements.
    pub vals_start: u32,
    pub vals_len: u32,
    /// Lock class of a lock object.
    pub lock_class: u32,
    /// The state of a primitive object (lock owner, completion count, kref, work item).
    pub state: ObjState,
    /// Allocation records (allocation bases only): stack ids in `World::stacks`, or NONE.
    pub alloc_stack: u32,
    pub free_stack: u32,
    /// Allocation bases only: the thread that allocated the object while no other thread can
    /// reach it yet, or NONE once it is shared (globals, boot allocations, published objects).
    pub owner: u32,
}

/// A recorded call stack (for "Allocated by task" / "Freed by task").
#[derive(Clone, Copy, Debug)]
pub struct StackRec {
    pub tid: u32,
    pub start: u32,
    pub len: u32,
    /// Kernel frames above the recorded model frames, innermost first (a managed
    /// allocation's `ir::DEVM_KMALLOC_FRAMES`); empty: the report's own (`kzalloc`, `kfree`).
    pub top: &'static [&'static str],
}

/// The model heap.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub objs: Vec<Obj>,
    pub vals: Vec<Value>,
    /// Global objects (allocated before boot).
    pub globals: Vec<ObjRef>,
    /// Recorded stacks: `(function, pc)` frames, innermost first.
    pub stack_frames: Vec<(u32, u32)>,
    pub stacks: Vec<StackRec>,
}

impl World {
    /// Copies `snapshot` into `self`, reusing the buffers.
    pub fn reset_from(&mut self, snapshot: &World) {
        self.objs.clone_from(&snapshot.objs);
        self.vals.clone_from(&snapshot.vals);
        self.globals.clone_from(&snapshot.globals);
        self.stack_frames.clone_from(&snapshot.stack_frames);
        self.stacks.clone_from(&snapshot.stacks);
    }

    /// A live reference to object `idx`.
    #[inline]
    pub fn ref_of(&self, idx: u32) -> ObjRef {
        ObjRef {
            idx,
            gen: self.objs[idx as usize].gen,
        }
    }

    /// The thread that privately owns object `idx`'s allocation, or NONE if it is shared.
    #[inline]
    pub fn owner_of(&self, idx: u32) -> u32 {
        self.objs[self.objs[idx as usize].base as usize].owner
    }

    /// Whether `r` still designates a live object.
    #[inline]
    pub fn is_live(&self, r: ObjRef) -> bool {
        let o = &self.objs[r.idx as usize];
        o.gen == r.gen && !o.freed
    }

    fn push_obj(&mut self, kind: ObjKind, sid: u32, parent: u32, parent_field: u32, n: u32) -> u32 {
        let idx = self.objs.len() as u32;
        let base = if parent == NONE {
            idx
        } else {
            self.objs[parent as usize].base
        };
        let start = self.vals.len() as u32;
        self.vals.resize(self.vals.len() + n as usize, Value::Null);
        self.objs.push(Obj {
            gen: 1,
            kind,
            freed: false,
            novalidate: false,
            sid,
            parent,
            base,
            parent_field,
            vals_start: start,
            vals_len: n,
            lock_class: NONE,
            state: ObjState::initial(kind),
            alloc_stack: NONE,
            free_stack: NONE,
            owner: NONE,
        });
        idx
    }

    /// Allocates a zeroed struct with its embedded children initialised; returns its index.
    pub fn alloc_struct(&mut self, prog: &Program, sid: u32) -> u32 {
        self.alloc_struct_in(prog, sid, NONE, NONE)
    }

    fn alloc_struct_in(&mut self, prog: &Program, sid: u32, parent: u32, pfield: u32) -> u32 {
        let decl = &prog.structs[sid as usize];
        let n = decl.fields.len() as u32;
        let idx = self.push_obj(ObjKind::Struct, sid, parent, pfield, n);
        for (fi, f) in decl.fields.iter().enumerate() {
            let child = match f.ty {
                FieldType::Int => {
                    self.vals[(self.objs[idx as usize].vals_start as usize) + fi] = Value::Int(0);
                    continue;
                }
                FieldType::Func | FieldType::Ref => continue,
                FieldType::Prim(kind) => self.alloc_prim(kind, idx, fi as u32, f.lock_class),
                FieldType::Embed(t) => self.alloc_struct_in(prog, t, idx, fi as u32),
                FieldType::Array { elem, len } => {
                    let c = self.push_obj(ObjKind::Array, elem.code(), idx, fi as u32, len);
                    let s = self.objs[c as usize].vals_start as usize;
                    match elem {
                        ElemType::Int => self.vals[s..s + len as usize].fill(Value::Int(0)),
                        // Element i is the child embedded at index i (`parent_field`).
                        ElemType::Prim(kind) => {
                            for i in 0..len {
                                let e = self.alloc_prim(kind, c, i, f.lock_class);
                                let s = self.objs[c as usize].vals_start as usize;
                                self.vals[s + i as usize] = Value::Ref(self.ref_of(e));
                            }
                        }
                        ElemType::Ref | ElemType::Func => {}
                    }
                    c
                }
            };
            let r = Value::Ref(self.ref_of(child));
            let s = self.objs[idx as usize].vals_start as usize;
            self.vals[s + fi] = r;
        }
        idx
    }

    fn alloc_prim(&mut self, kind: ObjKind, parent: u32, pfield: u32, class: u32) -> u32 {
        let nvals = match kind {
            ObjKind::List => 2,
            ObjKind::Work => 1,
            _ => 0,
        };
        let idx = self.push_obj(kind, 0, parent, pfield, nvals);
        let o = &mut self.objs[idx as usize];
        o.lock_class = class;
        if kind == ObjKind::List {
            let r = Value::Ref(ObjRef { idx, gen: 1 });
            let s = o.vals_start as usize;
            self.vals[s] = r;
            self.vals[s + 1] = r;
        }
        idx
    }

    /// Allocates an MMIO mapping of `words` registers.
    pub fn alloc_iomem(&mut self, words: u32) -> u32 {
        let idx = self.push_obj(ObjKind::Iomem, 0, NONE, NONE, words);
        let s = self.objs[idx as usize].vals_start as usize;
        self.vals[s..s + words as usize].fill(Value::Int(0));
        idx
    }

    /// Allocates the `task_struct` of a new kthread (no values: its state is typed).
    pub fn alloc_task(&mut self) -> u32 {
        self.push_obj(ObjKind::Task, 0, NONE, NONE, 0)
    }

    /// Frees the allocation `base` and every object embedded in it (they follow it in
    /// `objs`, contiguously, because allocation is depth-first).
    pub fn free_allocation(&mut self, base: u32) {
        let mut i = base as usize;
        while i < self.objs.len() && (i == base as usize || self.objs[i].base == base) {
            let o = &mut self.objs[i];
            o.freed = true;
            o.gen = o.gen.wrapping_add(1);
            i += 1;
        }
    }

    /// Records a stack and returns its id.
    pub fn record_stack(
        &mut self,
        tid: u32,
        frames: impl Iterator<Item = (u32, u32)>,
        top: &'static [&'static str],
    ) -> u32 {
        let start = self.stack_frames.len() as u32;
        self.stack_frames.extend(frames);
        let len = self.stack_frames.len() as u32 - start;
        self.stacks.push(StackRec {
            tid,
            start,
            len,
            top,
        });
        self.stacks.len() as u32 - 1
    }

    /// A human-readable name of an object, e.g. `switchtec_dev#3.mrpc_mutex`.
    pub fn describe(&self, prog: &Program, idx: u32) -> String {
        let o = &self.objs[idx as usize];
        if o.parent != NONE {
            let p = &self.objs[o.parent as usize];
            if p.kind == ObjKind::Array {
                return format!("{}[{}]", self.describe(prog, o.parent), o.parent_field);
            }
            let fname = if p.kind == ObjKind::Struct {
                prog.structs[p.sid as usize].fields[o.parent_field as usize]
                    .name
                    .clone()
            } else {
                "?".to_string()
            };
            return format!("{}.{}", self.describe(prog, o.parent), fname);
        }
        match o.kind {
            ObjKind::Struct => {
                let name = &prog.structs[o.sid as usize].name;
                if let Some(g) = self.globals.iter().position(|g| g.idx == idx) {
                    return prog.global_names[g].clone();
                }
                format!("{name}#{idx}")
            }
            k => format!("{}#{idx}", k.c_name()),
        }
    }

    /// A fake kernel address for object `idx`, stable across runs of the same schedule.
    pub fn address(&self, idx: u32, offset: u32) -> u64 {
        let base = self.objs[idx as usize].base;
        0xffff_8881_0000_0000u64
            + (base as u64) * 0x400
            + (idx - base) as u64 * 0x40
            + offset as u64 * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::load_program;

    fn program(fields: &str) -> Program {
        let ir = format!(
            r#"{{"version": 1, "files": ["t.py"], "strings": [],
            "structs": [{{"name": "S", "fields": [{fields}]}}],
            "functions": [{{"name": "f", "file": 0, "line": 1, "params": 0, "locals": 1,
                            "code": [["retnone"]], "lines": [1]}}],
            "globals": [{{"name": "g", "struct": 0}}],
            "threads": [{{"name": "t", "actions": [{{"func": 0}}], "default": [0],
                          "min": 1, "max": 1}}]}}"#
        );
        load_program(ir.as_bytes()).expect("valid test IR")
    }

    #[test]
    fn arrays_of_primitives_embed_one_object_per_element_sharing_the_field_class() {
        let prog = program(
            r#"{"name": "locks", "type": {"array": "mutex", "len": 3}},
               {"name": "works", "type": {"array": "work", "len": 2}}"#,
        );
        assert_eq!(prog.lock_classes.len(), 1);
        assert_eq!(prog.lock_classes[0].name, "&S->locks[i]");
        let mut world = World::default();
        let s = world.alloc_struct(&prog, 0);
        let field = |fi: usize| match world.vals[world.objs[s as usize].vals_start as usize + fi] {
            Value::Ref(r) => r.idx,
            other => panic!("field {fi} is {other:?}"),
        };
        let (locks, works) = (field(0), field(1));
        let elements = |arr: u32| -> Vec<u32> {
            let o = world.objs[arr as usize];
            world.vals[o.vals_start as usize..(o.vals_start + o.vals_len) as usize]
                .iter()
                .map(|v| match v {
                    Value::Ref(r) => r.idx,
                    other => panic!("element is {other:?}"),
                })
                .collect()
        };
        let lock_elems = elements(locks);
        assert_eq!(lock_elems.len(), 3);
        for (i, &e) in lock_elems.iter().enumerate() {
            let o = world.objs[e as usize];
            assert_eq!(o.kind, ObjKind::Mutex);
            assert_eq!((o.parent, o.parent_field, o.base), (locks, i as u32, s));
            assert_eq!(o.lock_class, 0);
            assert_eq!(o.state, ObjState::initial(ObjKind::Mutex));
        }
        assert_eq!(
            lock_elems
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
        let work_elems = elements(works);
        assert!(work_elems
            .iter()
            .all(|&e| world.objs[e as usize].kind == ObjKind::Work));
        assert_eq!(world.describe(&prog, lock_elems[2]), "S#0.locks[2]");
        // Freeing the struct frees every element with it.
        world.free_allocation(s);
        assert!(lock_elems.iter().all(|&e| world.objs[e as usize].freed));
    }

    #[test]
    fn an_unknown_array_element_type_is_rejected() {
        let ir = r#"{"version": 1, "files": ["t.py"], "strings": [],
            "structs": [{"name": "S", "fields": [
                {"name": "x", "type": {"array": "semaphore", "len": 2}}]}],
            "functions": [], "threads": []}"#;
        let err = load_program(ir.as_bytes()).expect_err("invalid");
        assert!(
            format!("{err:?}").contains("array element must be"),
            "{err:?}"
        );
    }
}
