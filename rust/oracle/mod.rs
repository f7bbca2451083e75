//! Findings: what an oracle reports, how it is titled (syzkaller style) and signed.
//!
//! The checks themselves run inside the primitives (`prims::*`) and at quiescence; the graph
//! oracles (lockdep, wait-for cycles, leaks) live beside this file. An oracle only reads the
//! World; building a `Finding` stops the execution.

pub mod deadlock;
pub mod irq_usage;
pub mod leak;
pub mod lockdep;
pub mod render;
pub mod render_irq;
pub mod render_locks;
pub mod report;

/// The closed set of finding kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    UseAfterFree,
    DoubleFree,
    InvalidFree,
    OutOfBounds,
    NullDeref,
    PageFault,
    Bug,
    Warning,
    SleepInAtomic,
    LockdepCircular,
    LockdepRecursive,
    LockdepAssert,
    LockdepInconsistent,
    LockdepIrqOrder,
    LockdepIrqInversion,
    BadUnlock,
    LockHeldReturn,
    Deadlock,
    HungTask,
    SoftLockup,
    StrandedWaiter,
    Refcount,
    ListCorruption,
    MemoryLeak,
    Report,
    DivideError,
    ModelError,
}

impl Kind {
    /// The stable kind name exposed to Python and written to crash.json.
    pub fn name(self) -> &'static str {
        match self {
            Kind::UseAfterFree => "use-after-free",
            Kind::DoubleFree => "double-free",
            Kind::InvalidFree => "invalid-free",
            Kind::OutOfBounds => "out-of-bounds",
            Kind::NullDeref => "null-deref",
            Kind::PageFault => "page-fault",
            Kind::Bug => "bug",
            Kind::Warning => "warning",
            Kind::SleepInAtomic => "sleep-in-atomic",
            Kind::LockdepCircular => "lockdep-circular",
            Kind::LockdepRecursive => "lockdep-recursive",
            Kind::LockdepAssert => "lockdep-assert",
            Kind::LockdepInconsistent => "lockdep-inconsistent",
            Kind::LockdepIrqOrder => "lockdep-irq-order",
            Kind::LockdepIrqInversion => "lockdep-irq-inversion",
            Kind::BadUnlock => "bad-unlock",
            Kind::LockHeldReturn => "lock-held-return",
            Kind::Deadlock => "deadlock",
            Kind::HungTask => "hung-task",
            Kind::SoftLockup => "soft-lockup",
            Kind::StrandedWaiter => "stranded-waiter",
            Kind::Refcount => "refcount",
            Kind::ListCorruption => "list-corruption",
            Kind::MemoryLeak => "memory-leak",
            Kind::Report => "report",
            Kind::DivideError => "divide-error",
            Kind::ModelError => "model-error",
        }
    }

    /// Every kind name, for the Python side's `ORACLES`.
    /// (A model error stops a run like a finding, but is a run status, not a kind listed
    /// here.)
    pub const ALL: [Kind; 26] = [
        Kind::UseAfterFree,
        Kind::DoubleFree,
        Kind::InvalidFree,
        Kind::OutOfBounds,
        Kind::NullDeref,
        Kind::PageFault,
        Kind::Bug,
        Kind::Warning,
        Kind::SleepInAtomic,
        Kind::LockdepCircular,
        Kind::LockdepRecursive,
        Kind::LockdepAssert,
        Kind::LockdepInconsistent,
        Kind::LockdepIrqOrder,
        Kind::LockdepIrqInversion,
        Kind::BadUnlock,
        Kind::LockHeldReturn,
        Kind::Deadlock,
        Kind::HungTask,
        Kind::SoftLockup,
        Kind::StrandedWaiter,
        Kind::Refcount,
        Kind::ListCorruption,
        Kind::MemoryLeak,
        Kind::Report,
        Kind::DivideError,
    ];
}

/// A finding: the first oracle that fired in an execution.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: Kind,
    /// Deduplicated title, `<what> in <first non-infrastructure model function>`.
    pub title: String,
    /// A stable hash of the title (16 hex digits).
    pub signature: String,
    /// The thread that triggered it, and its name.
    pub tid: u32,
    pub thread: String,
    /// The visible step at which it fired.
    pub step: u64,
    /// The kernel-style report text; its first line is the kernel's own first line.
    pub report: String,
}

/// FNV-1a, 64 bit: the stable signature hash (no dependence on process or platform).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The signature of a title.
pub fn signature(title: &str) -> String {
    format!("{:016x}", fnv1a64(title.as_bytes()))
}

/// Replaces every run of digits (and hex literals) by `N`, as syzkaller strips ids from
/// titles, so that the same bug at a different IRQ number dedups to one title.
pub fn strip_numbers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        let hex = c == '0' && chars.peek() == Some(&'x');
        if hex {
            chars.next();
        }
        while let Some(&n) = chars.peek() {
            if n.is_ascii_digit() || (hex && n.is_ascii_hexdigit()) {
                chars.next();
            } else {
                break;
            }
        }
        out.push('N');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_stable_and_numbers_are_stripped() {
        assert_eq!(signature("WARNING in foo"), signature("WARNING in foo"));
        assert_ne!(signature("WARNING in foo"), signature("WARNING in bar"));
        assert_eq!(
            strip_numbers("Trying to free already-free IRQ 42 at 0xffff12"),
            "Trying to free already-free IRQ N at N"
        );
    }
}
