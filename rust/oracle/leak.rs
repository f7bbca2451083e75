//! kmemleak at the end of a run: every allocation not reachable from a global or from a live
//! thread's registers is an unreferenced object.

use crate::exec::thread::{Status, Thread};
use crate::ir::ObjKind;
use crate::world::{Value, World};

/// Returns the first unreachable, unfreed allocation base (lowest index), if any.
/// `marks` is scratch space reused between runs.
pub fn find_leak(world: &World, threads: &[Thread], marks: &mut Vec<bool>) -> Option<u32> {
    let live = threads.iter().filter(|t| t.status != Status::Done);
    let roots = world
        .globals
        .iter()
        .map(|&g| Value::Ref(g))
        .chain(live.flat_map(|t| t.regs.iter().copied()));
    mark_reachable(world, roots, marks);
    (0..world.objs.len())
        .find(|&i| {
            let o = &world.objs[i];
            o.base == i as u32
                && !o.freed
                && !marks[i]
                && !matches!(o.kind, ObjKind::Iomem | ObjKind::Task)
        })
        .map(|i| i as u32)
}

/// Marks (by allocation base, in `marks`, reused scratch space) every live allocation
/// reachable from `roots`.
pub fn mark_reachable(world: &World, roots: impl Iterator<Item = Value>, marks: &mut Vec<bool>) {
    marks.clear();
    marks.resize(world.objs.len(), false);
    let mut stack: Vec<u32> = Vec::new();
    let push = |v: Value, marks: &mut Vec<bool>, stack: &mut Vec<u32>| {
        if let Value::Ref(r) = v {
            if world.is_live(r) {
                let base = world.objs[r.idx as usize].base;
                if !marks[base as usize] {
                    marks[base as usize] = true;
                    stack.push(base);
                }
            }
        }
    };
    for v in roots {
        push(v, marks, &mut stack);
    }
    while let Some(base) = stack.pop() {
        let mut i = base as usize;
        while i < world.objs.len() && (i == base as usize || world.objs[i].base == base) {
            let o = world.objs[i];
            let s = o.vals_start as usize;
            for k in 0..o.vals_len as usize {
                push(world.vals[s + k], marks, &mut stack);
            }
            i += 1;
        }
    }
}
