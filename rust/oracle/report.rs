//! Rendering helpers for kernel-style reports: call-trace lines with model file:line, task
//! names, the separator lines KASAN and lockdep print.

use crate::exec::thread::Thread;
use crate::ir::{Context, Program};
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

/// The task's comm (at most 15 characters, like TASK_COMM_LEN) and a stable pid: a kthread's
/// name, an actor's name, `kworker/0:N` for a worker.
pub fn task(prog: &Program, t: &Thread, tid: usize) -> (String, u32) {
    let comm = if t.comm != NONE {
        prog.strings[t.comm as usize].clone()
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
        s.push_str(&frame_line(prog, f, pc));
        s.push('\n');
    }
    s.push_str(" </TASK>\n");
    s
}

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
