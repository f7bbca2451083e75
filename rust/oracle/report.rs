//! Rendering helpers for kernel-style reports: call-trace lines with model file:line, task
//! names, the separator lines KASAN and lockdep print.

use crate::exec::thread::Thread;
use crate::ir::{Context, ObjKind, Program};
use crate::world::NONE;

/// The `====...` line KASAN and kmemleak reports are framed with.
pub const RULE: &str = "==================================================================";
/// lockdep's `------` line.
pub const DASHES: &str = "------------------------------------------------------";
/// The kernel version string of the modelled kernel.
pub const UNAME: &str = "Not tainted 6.12.0-pyfuzz #1";

/// One call-trace line: ` func+0xoff/0xsize file:line`.
pub fn frame_line(prog: &Program, func: u32, pc: u32) -> String {
    let f = &prog.functions[func as usize];
    let (file, line) = prog.location(func, pc.min(f.code.len().saturating_sub(1) as u32));
    format!(
        " {}+0x{:x}/0x{:x} {}:{}",
        f.name,
        pc as usize * 4,
        (f.code.len().max(1)) * 4,
        file,
        line
    )
}

/// `func+0xoff/0xsize` for first lines.
pub fn symbol(prog: &Program, func: u32, pc: u32) -> String {
    let f = &prog.functions[func as usize];
    format!(
        "{}+0x{:x}/0x{:x}",
        f.name,
        pc as usize * 4,
        f.code.len().max(1) * 4
    )
}

/// The frames of a thread, innermost first, with callers pointing at their call site.
pub fn frames_of(t: &Thread) -> Vec<(u32, u32)> {
    let n = t.frames.len();
    t.frames
        .iter()
        .enumerate()
        .rev()
        .map(|(i, f)| {
            let pc = if i + 1 == n {
                f.pc
            } else {
                f.pc.saturating_sub(1)
            };
            (f.func, pc)
        })
        .collect()
}

/// A comm given at run time (`Thread::comm`, a string id, NONE if none), with the IRQ number
/// of an IRQ thread (`Thread::comm_irq`, -1 if not one): `name`, or `irq/<n>-<name>` as
/// setup_irq_thread names the IRQ thread. Not yet cut to TASK_COMM_LEN.
pub fn given_comm(prog: &Program, comm: u32, irq: i64) -> Option<String> {
    let name = prog.strings.get(comm as usize)?;
    Some(if irq >= 0 {
        format!("irq/{irq}-{name}")
    } else {
        name.clone()
    })
}

/// The task's comm (at most 15 characters, like TASK_COMM_LEN) and a stable pid: a kthread's
/// name, an IRQ thread's `irq/<n>-<name>`, an actor's name, `kworker/0:N` for a worker.
pub fn task(prog: &Program, t: &Thread, tid: usize) -> (String, u32) {
    let comm = if let Some(c) = given_comm(prog, t.comm, t.comm_irq) {
        c
    } else if t.name_actor != NONE {
        prog.actors[t.name_actor as usize].name.clone()
    } else if t.ctx == Context::Work {
        format!("kworker/0:{tid}")
    } else {
        "swapper/0".to_string()
    };
    let comm: String = comm.chars().take(15).collect();
    (comm, 1000 + tid as u32)
}

/// A `Call Trace:` block for the given frames (innermost first), with an optional primitive
/// frame on top (the kernel function the model called).
pub fn call_trace(prog: &Program, frames: &[(u32, u32)], top: Option<&str>) -> String {
    let mut s = String::from("Call Trace:\n <TASK>\n");
    if let Some(p) = top {
        s.push_str(&format!(" {p}\n"));
    }
    for &(f, pc) in frames {
        if prog.functions[f as usize].frameless {
            continue;
        }
        s.push_str(&frame_line(prog, f, pc));
        s.push('\n');
    }
    s.push_str(" </TASK>\n");
    s
}

/// How a primitive shows in a kernel report: `None` when the kernel implements it as a macro
/// or a `static inline` function, whose code is compiled into its caller (the report then
/// names the caller, at the caller's offset); otherwise the out-of-line kernel function that
/// has a frame of its own. The one place this is decided, from the kernel's headers:
/// `include/linux/list.h` (the list operations are inline; with CONFIG_DEBUG_LIST the
/// checks, which make the first accesses of `list_add`/`list_del`, are the out-of-line
/// `__list_add_valid_or_report`/`__list_del_entry_valid_or_report` of lib/list_debug.c),
/// `include/linux/kref.h` (all inline: refcount_t atomics), `include/linux/container_of.h`,
/// `include/linux/completion.h` (`init_completion`/`reinit_completion` inline; the rest in
/// kernel/sched/completion.c), `include/linux/workqueue.h` (`INIT_*WORK` macros;
/// `schedule_work` and friends inline wrappers of `queue_work_on`,
/// `queue_delayed_work_on`, `mod_delayed_work_on`), `include/linux/spinlock.h` (the
/// `spin_*` wrappers are inline around `_raw_spin_*` of kernel/locking/spinlock.c),
/// `asm/io.h` (`readl`/`writel` inline), and the macros of `bug.h`, `lockdep.h`,
/// `irqflags.h`, `preempt.h`, `rcupdate.h` and `kernel.h`. `kind` is the object the first
/// argument references (the generic `lock`/`unlock` of `with l:` are the lock kind's
/// functions). A primitive not listed keeps its own name as an out-of-line function.
pub fn kernel_frame(prim: &str, kind: Option<ObjKind>) -> Option<&'static str> {
    if INLINE_PRIMITIVES.contains(&prim) {
        return None;
    }
    let name = match (prim, kind) {
        ("lock", Some(ObjKind::Spinlock)) => "_raw_spin_lock",
        ("lock", Some(ObjKind::RwSem)) => "down_write",
        ("lock", _) => "mutex_lock",
        ("unlock", Some(ObjKind::Spinlock)) => "_raw_spin_unlock",
        ("unlock", Some(ObjKind::RwSem)) => "up_write",
        ("unlock", _) => "mutex_unlock",
        _ => match KERNEL_FUNCTIONS.iter().find(|(p, _)| *p == prim) {
            Some((_, f)) => f,
            None => crate::prims::Prim::from_name(prim).map_or("<unknown>", |p| p.name()),
        },
    };
    Some(name)
}

/// The primitives the kernel implements as macros or static inline functions.
pub const INLINE_PRIMITIVES: &[&str] = &[
    "container_of",
    "kref_init",
    "kref_get",
    "kref_put",
    "kref_read",
    "list_init",
    "list_empty",
    "list_first",
    "list_next",
    "init_completion",
    "reinit_completion",
    "init_work",
    "name_irq_thread",
    "init_delayed_work",
    "mmio_read",
    "mmio_write",
    "BUG_ON",
    "WARN_ON",
    "WARN",
    "__WARN_printf",
    "report",
    "lockdep_assert_held",
    "lockdep_set_novalidate_class",
    "local_irq_disable",
    "local_irq_enable",
    "local_irq_save",
    "local_irq_restore",
    "preempt_disable",
    "preempt_enable",
    "might_sleep",
    "in_atomic",
    "in_interrupt",
    "irqs_disabled",
    "current_context",
    "rcu_read_lock",
    "rcu_read_unlock",
];

/// Primitives whose out-of-line kernel function has another name: the CONFIG_DEBUG_LIST
/// checks (the first accesses of `list_add`/`list_del`), and the functions inline wrappers
/// call.
pub const KERNEL_FUNCTIONS: &[(&str, &str)] = &[
    ("list_add", "__list_add_valid_or_report"),
    ("list_add_tail", "__list_add_valid_or_report"),
    ("list_del", "__list_del_entry_valid_or_report"),
    ("list_del_init", "__list_del_entry_valid_or_report"),
    ("schedule_work", "queue_work_on"),
    ("schedule_delayed_work", "queue_delayed_work_on"),
    ("mod_delayed_work", "mod_delayed_work_on"),
    ("spin_lock", "_raw_spin_lock"),
    ("spin_unlock", "_raw_spin_unlock"),
    ("spin_lock_irq", "_raw_spin_lock_irq"),
    ("spin_unlock_irq", "_raw_spin_unlock_irq"),
    ("spin_lock_bh", "_raw_spin_lock_bh"),
    ("spin_unlock_bh", "_raw_spin_unlock_bh"),
    ("spin_lock_irqsave", "_raw_spin_lock_irqsave"),
    ("spin_unlock_irqrestore", "_raw_spin_unlock_irqrestore"),
    ("wq_prepare", "prepare_to_wait_event"),
    ("wq_finish", "finish_wait"),
    ("wake_up", "__wake_up"),
    ("wake_up_interruptible", "__wake_up"),
    ("wake_up_all", "__wake_up"),
    ("cond_resched", "__cond_resched"),
    ("yield_cpu", "yield"),
    ("local_bh_disable", "__local_bh_disable_ip"),
    ("local_bh_enable", "__local_bh_enable_ip"),
];

/// The first function, innermost first, that is not marked infrastructure.
pub fn title_function(prog: &Program, frames: &[(u32, u32)]) -> String {
    frames
        .iter()
        .find(|(f, _)| !prog.functions[*f as usize].infra)
        .or(frames.first())
        .map(|(f, _)| prog.functions[*f as usize].name.clone())
        .unwrap_or_else(|| "<unknown>".to_string())
}

/// The name a title shows for model function `name`. The kernel library names each version
/// of a kernel function with a suffix (`free_msi_irqs_2017`, `pci_intx_hybrid_611`,
/// `sriov_del_vfs_05703271c3cd`: a year, a kernel version or a commit); a title names the
/// kernel's function, as the kernel's own report would. Driver functions keep their names.
pub fn title_name(prog: &Program, name: &str) -> String {
    let in_library = prog
        .functions
        .iter()
        .find(|f| f.name == name)
        .is_some_and(|f| prog.files[f.file as usize].contains("pyfuzz/kernel/"));
    if !in_library {
        return name.to_string();
    }
    match name.rsplit_once('_') {
        Some((base, tag)) if !base.is_empty() && is_version_tag(tag) => base.to_string(),
        _ => name.to_string(),
    }
}

/// A year or kernel version (3 or 4 digits) or a 12-digit commit id.
fn is_version_tag(tag: &str) -> bool {
    let digits = tag.bytes().all(|b| b.is_ascii_digit());
    let commit = tag.len() == 12 && tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (digits && (3..=4).contains(&tag.len())) || commit
}

#[cfg(test)]
mod version_tag_tests {
    use super::is_version_tag;

    #[test]
    fn years_kernel_versions_and_commit_ids_are_version_tags() {
        for tag in ["2017", "611", "05703271c3cd", "e0c0b1cb2e0d"] {
            assert!(is_version_tag(tag), "{tag}");
        }
        for tag in [
            "add",
            "v4",
            "12",
            "20201",
            "05703271c3c",
            "hybrid",
            "deadbeefcafe1",
        ] {
            assert!(!is_version_tag(tag), "{tag}");
        }
    }
}

#[cfg(test)]
mod kernel_frame_tests {
    use super::{kernel_frame, INLINE_PRIMITIVES, KERNEL_FUNCTIONS};
    use crate::ir::ObjKind;
    use crate::prims::Prim;

    #[test]
    fn inline_primitives_fold_and_functions_keep_a_frame() {
        for p in [
            "list_first",
            "list_next",
            "list_empty",
            "container_of",
            "kref_put",
        ] {
            assert_eq!(kernel_frame(p, None), None, "{p} is inline in the kernel");
        }
        for p in [
            "mutex_lock",
            "kfree",
            "wait_for_completion",
            "cancel_work_sync",
        ] {
            assert_eq!(
                kernel_frame(p, None),
                Some(p),
                "{p} is an exported function"
            );
        }
        assert_eq!(
            kernel_frame("list_del", None),
            Some("__list_del_entry_valid_or_report")
        );
        assert_eq!(kernel_frame("spin_lock", None), Some("_raw_spin_lock"));
        assert_eq!(
            kernel_frame("lock", Some(ObjKind::Spinlock)),
            Some("_raw_spin_lock")
        );
        assert_eq!(
            kernel_frame("lock", Some(ObjKind::Mutex)),
            Some("mutex_lock")
        );
        assert_eq!(
            kernel_frame("unlock", Some(ObjKind::RwSem)),
            Some("up_write")
        );
    }

    #[test]
    fn the_lists_name_real_primitives() {
        for p in INLINE_PRIMITIVES
            .iter()
            .chain(KERNEL_FUNCTIONS.iter().map(|(p, _)| p))
        {
            assert!(Prim::from_name(p).is_some(), "{p} is not a primitive");
        }
        for p in Prim::ALL {
            assert_ne!(
                kernel_frame(p.name(), None),
                Some("<unknown>"),
                "{}",
                p.name()
            );
        }
    }
}
