//! How the kernel library's managed memory (pyfuzz/kernel/base_devres.py) shows in KASAN's
//! and kmemleak's stacks. The model cannot pass a size, so a driver writes
//! `devm_kzalloc(dev, kzalloc(T, gfp))`: the compiled `alloc` immediately followed by the call
//! of the allocator whose last argument it is stands for the one allocation the kernel's
//! devm_kmalloc makes (drivers/base/devres.c: alloc_dr, __always_inline, calls
//! kmalloc_node_track_caller; devm_kzalloc is a static inline of it), so its "Allocated by
//! task" stack starts with that call chain's out-of-line frames above the driver's. The rule
//! and the frames are those of pyfuzz/model/_faults.py `MANAGED_ALLOCATORS`, which names such
//! an allocation when fault injection fails it. And the library's `devm_kmalloc_release`,
//! which frees the payload the model keeps as an object of its own, stands for no kernel code
//! (the kernel's is a no-op: release_nodes kfree()s node and payload at once): stacks leave
//! its frame out, so the payload is freed by release_nodes, as in the kernel.

use super::program::{Function, Instr, Reg};

/// The kernel frames above the driver's in the stack of a devm_kzalloc/devm_kmalloc
/// allocation, innermost first (6.12: the allocation-profiling rename added `_noprof`).
pub const DEVM_KMALLOC_FRAMES: &[&str] = &["__kmalloc_node_track_caller_noprof", "devm_kmalloc"];

/// The kernel library's managed allocators.
const MANAGED_ALLOCATORS: &[&str] = &["devm_kzalloc", "devm_kmalloc"];

/// Kernel library functions that stand for no kernel function: reports show no frame of
/// theirs.
const FRAMELESS: &[&str] = &["devm_kmalloc_release"];

/// The file every kernel library function comes from.
const LIBRARY: &str = "pyfuzz/kernel/";

fn in_library(files: &[String], f: &Function) -> bool {
    files
        .get(f.file as usize)
        .is_some_and(|p| p.contains(LIBRARY))
}

/// Marks the library functions that have no frame in reports (`Function::frameless`).
pub(super) fn mark_frameless(files: &[String], functions: &mut [Function]) {
    for f in functions.iter_mut() {
        f.frameless = FRAMELESS.contains(&f.name.as_str()) && in_library(files, f);
    }
}

/// The `alloc` instructions, as (function, pc) in ascending order, that are a managed
/// allocator's allocation.
pub(super) fn managed_allocs(
    files: &[String],
    functions: &[Function],
    args: &[Reg],
) -> Vec<(u32, u32)> {
    let allocator = |f: u32| {
        functions
            .get(f as usize)
            .is_some_and(|g| MANAGED_ALLOCATORS.contains(&g.name.as_str()) && in_library(files, g))
    };
    let mut sites = Vec::new();
    for (fi, func) in functions.iter().enumerate() {
        for (pc, pair) in func.code.windows(2).enumerate() {
            if let [Instr::Alloc { d, .. }, Instr::Call { f, args: a, .. }] = *pair {
                let regs = &args[a.start as usize..a.start as usize + a.len as usize];
                if allocator(f) && regs.last() == Some(&d) {
                    sites.push((fi as u32, pc as u32));
                }
            }
        }
    }
    sites
}

#[cfg(test)]
mod tests {
    use crate::ir::load_program;

    /// A driver function (file 0) calling the library's devm_kzalloc (file 1) on a fresh
    /// allocation, and on a value that is not one; the library's devm_kmalloc_release.
    #[test]
    fn finds_the_allocation_passed_straight_to_a_managed_allocator() {
        let ir = r#"{"version": 1, "files": ["drv.py", "pyfuzz/kernel/base_devres.py"],
            "strings": ["x"], "globals": [], "boot": [],
            "structs": [{"name": "T", "fields": [{"name": "x", "type": "int"}]}],
            "functions": [
              {"name": "probe", "file": 0, "line": 1, "params": 1, "locals": 4,
               "code": [["int", 1, 3264], ["alloc", 2, 0, 1], ["call", 3, 1, [0, 2]],
                        ["call", 3, 1, [0, 1]], ["alloc", 2, 0, 1], ["retnone"]],
               "lines": [1, 1, 1, 2, 3, 4]},
              {"name": "devm_kzalloc", "file": 1, "line": 1, "params": 2, "locals": 2,
               "code": [["ret", 1]], "lines": [1]},
              {"name": "devm_kmalloc_release", "file": 1, "line": 5, "params": 2,
               "locals": 2, "code": [["retnone"]], "lines": [5]}],
            "threads": [{"name": "t", "actions": [{"func": 0, "args": [null]}],
                         "default": [0], "min": 1, "max": 1}]}"#;
        let prog = load_program(ir.as_bytes()).expect("valid IR");
        assert_eq!(prog.managed_allocs, vec![(0, 1)]);
        assert_eq!(prog.alloc_frames(0, 1), super::DEVM_KMALLOC_FRAMES);
        assert!(prog.alloc_frames(0, 4).is_empty());
        let frameless: Vec<bool> = prog.functions.iter().map(|f| f.frameless).collect();
        assert_eq!(frameless, [false, false, true]);
    }
}
