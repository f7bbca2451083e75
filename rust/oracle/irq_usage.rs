//! Lockdep's IRQ-safety state: the usage bits of every lock class (kernel/locking/lockdep.c,
//! `enum lock_usage_bit` from lockdep_states.h: USED_IN_HARDIRQ, ENABLED_HARDIRQ, the SOFTIRQ
//! pair, each with a READ twin, then USED), the first stack that set each bit (the "... state
//! was registered at:" trace), and the kernel's bit arithmetic (`exclusive_bit`,
//! `exclusive_mask`, `original_mask`, `find_exclusive_match`, `get_usage_chars`, `usage_str`,
//! `state_name`). Like the lock-order graph, the bits set during boot are kept and reset clears
//! just the ones set by the last execution; the checks themselves are in `prims::lockdep_irq`.

use crate::world::NONE;

pub const USED_IN_HARDIRQ: u8 = 0;
pub const USED_IN_HARDIRQ_READ: u8 = 1;
pub const ENABLED_HARDIRQ: u8 = 2;
pub const ENABLED_HARDIRQ_READ: u8 = 3;
pub const USED_IN_SOFTIRQ: u8 = 4;
pub const USED_IN_SOFTIRQ_READ: u8 = 5;
pub const ENABLED_SOFTIRQ: u8 = 6;
pub const ENABLED_SOFTIRQ_READ: u8 = 7;
pub const USED: u8 = 8;
pub const USED_READ: u8 = 9;
/// LOCK_USAGE_STATES (= LOCK_TRACE_STATES): the bits with a trace.
pub const NBITS: usize = 10;

const READ_MASK: u8 = 1;
const DIR_MASK: u8 = 2;
const STATE_MASK: u8 = !(READ_MASK | DIR_MASK);

/// LOCKF_USED_IN_IRQ_ALL, LOCKF_ENABLED_IRQ_ALL, LOCKF_IRQ (write bits), LOCKF_IRQ_READ.
pub const LOCKF_USED_IN_IRQ_ALL: u16 = 0x33;
pub const LOCKF_ENABLED_IRQ_ALL: u16 = 0xcc;
const LOCKF_IRQ: u16 = 0x55;
const LOCKF_IRQ_READ: u16 = 0xaa;

/// `lock_flag(bit)`.
#[inline]
pub fn flag(bit: u8) -> u16 {
    1 << bit
}

/// `usage_str[]`: the `{IN-HARDIRQ-W}` names.
pub fn usage_str(bit: u8) -> &'static str {
    [
        "IN-HARDIRQ-W",
        "IN-HARDIRQ-R",
        "HARDIRQ-ON-W",
        "HARDIRQ-ON-R",
        "IN-SOFTIRQ-W",
        "IN-SOFTIRQ-R",
        "SOFTIRQ-ON-W",
        "SOFTIRQ-ON-R",
        "INITIAL USE",
        "INITIAL READ USE",
    ][bit as usize]
}

/// `state_name()`: "HARDIRQ", "SOFTIRQ" or their "-READ" forms.
pub fn state_name(bit: u8) -> &'static str {
    let read = bit & READ_MASK != 0;
    match (bit >> DIR_MASK, read) {
        (0, false) => "HARDIRQ",
        (0, true) => "HARDIRQ-READ",
        (_, false) => "SOFTIRQ",
        (_, true) => "SOFTIRQ-READ",
    }
}

/// `exclusive_bit()`: keep the state, flip the direction, strip read.
pub fn exclusive_bit(bit: u8) -> u8 {
    (bit & STATE_MASK) | ((bit & DIR_MASK) ^ DIR_MASK)
}

fn invert_dir_mask(mask: u16) -> u16 {
    ((mask & LOCKF_ENABLED_IRQ_ALL) >> DIR_MASK) | ((mask & LOCKF_USED_IN_IRQ_ALL) << DIR_MASK)
}

/// `exclusive_mask()`: the usages that conflict with `mask` across a dependency.
pub fn exclusive_mask(mask: u16) -> u16 {
    let mut excl = invert_dir_mask(mask);
    excl |= (excl & LOCKF_IRQ_READ) >> READ_MASK;
    excl |= (excl & LOCKF_IRQ) << READ_MASK;
    excl
}

/// `original_mask()`: from an ENABLED mask back to the USED_IN usages it conflicts with.
pub fn original_mask(mask: u16) -> u16 {
    exclusive_mask(mask)
}

/// `find_exclusive_match()`: a bit of `mask` and the conflicting bit of `excl_mask`.
pub fn find_exclusive_match(mask: u16, excl_mask: u16) -> Option<(u8, u8)> {
    for bit in 0..USED {
        if mask & flag(bit) == 0 {
            continue;
        }
        let excl = exclusive_bit(bit);
        if excl_mask & flag(excl) != 0 {
            return Some((bit, excl));
        }
        if excl_mask & flag(excl | READ_MASK) != 0 {
            return Some((bit, excl | READ_MASK));
        }
    }
    None
}

/// `get_usage_chars()`: `{-.-.}` (hardirq write, read, softirq write, read); '.' unused in
/// irq and irqs never on, '-' used in irq, '+' taken with irqs on, '?' both.
pub fn usage_chars(mask: u16) -> String {
    let c = |bit: u8| match (mask & flag(bit + DIR_MASK) != 0, mask & flag(bit) != 0) {
        (true, true) => '?',
        (true, false) => '+',
        (false, true) => '-',
        (false, false) => '.',
    };
    [
        USED_IN_HARDIRQ,
        USED_IN_HARDIRQ_READ,
        USED_IN_SOFTIRQ,
        USED_IN_SOFTIRQ_READ,
    ]
    .iter()
    .map(|&b| c(b))
    .collect()
}

/// The usage bits of every class, with the stack (a `World::stacks` id) that set each.
#[derive(Clone, Debug, Default)]
pub struct IrqUsage {
    mask: Vec<u16>,
    trace: Vec<u32>,
    /// (class, bit) in the order they were set, to undo an execution's marks.
    log: Vec<(u32, u8)>,
    base_len: usize,
    /// The union of every class's mask (and its value after boot): most models never take
    /// a lock in IRQ context, and then the graph searches can be skipped altogether.
    any: u16,
    base_any: u16,
}

impl IrqUsage {
    /// The table for `n` lock classes, every bit clear.
    pub fn new(n: usize) -> IrqUsage {
        IrqUsage {
            mask: vec![0; n],
            trace: vec![NONE; n * NBITS],
            log: Vec::new(),
            base_len: 0,
            any: 0,
            base_any: 0,
        }
    }

    /// Keeps the current bits across resets (call after boot).
    /// An order-free hash of the usage bits set (the stateful search's state fingerprint).
    pub fn fingerprint(&self) -> u64 {
        self.log.iter().fold(0u64, |acc, &(c, b)| {
            let x = ((c as u64) << 8) | b as u64;
            acc.wrapping_add(crate::exec::state::set_element(x))
        })
    }

    pub fn mark_base(&mut self) {
        self.base_len = self.log.len();
        self.base_any = self.any;
    }

    /// Clears the bits set since `mark_base`.
    pub fn reset(&mut self) {
        for &(c, b) in &self.log[self.base_len..] {
            self.mask[c as usize] &= !flag(b);
            self.trace[c as usize * NBITS + b as usize] = NONE;
        }
        self.log.truncate(self.base_len);
        self.any = self.base_any;
    }

    /// The union of every class's usage bits.
    #[inline]
    pub fn any(&self) -> u16 {
        self.any
    }

    /// The class's usage mask.
    #[inline]
    pub fn mask(&self, class: u32) -> u16 {
        self.mask[class as usize]
    }

    /// The stack that set `bit` on `class` (NONE if unset).
    pub fn trace(&self, class: u32, bit: u8) -> u32 {
        self.trace[class as usize * NBITS + bit as usize]
    }

    /// Sets a bit with the stack that set it (a no-op when it is set already).
    pub fn set(&mut self, class: u32, bit: u8, stack: u32) {
        if self.mask[class as usize] & flag(bit) != 0 {
            return;
        }
        self.mask[class as usize] |= flag(bit);
        self.any |= flag(bit);
        self.trace[class as usize * NBITS + bit as usize] = stack;
        self.log.push((class, bit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_arithmetic_matches_the_kernel() {
        assert_eq!(exclusive_bit(USED_IN_HARDIRQ), ENABLED_HARDIRQ);
        assert_eq!(exclusive_bit(ENABLED_HARDIRQ_READ), USED_IN_HARDIRQ);
        assert_eq!(exclusive_bit(USED_IN_SOFTIRQ_READ), ENABLED_SOFTIRQ);
        assert_eq!(
            exclusive_mask(flag(USED_IN_HARDIRQ)),
            flag(ENABLED_HARDIRQ) | flag(ENABLED_HARDIRQ_READ)
        );
        assert_eq!(
            original_mask(flag(ENABLED_SOFTIRQ)),
            flag(USED_IN_SOFTIRQ) | flag(USED_IN_SOFTIRQ_READ)
        );
        assert_eq!(
            find_exclusive_match(flag(USED_IN_HARDIRQ), flag(ENABLED_HARDIRQ_READ)),
            Some((USED_IN_HARDIRQ, ENABLED_HARDIRQ_READ))
        );
        assert_eq!(
            find_exclusive_match(flag(USED_IN_SOFTIRQ), flag(ENABLED_HARDIRQ)),
            None
        );
        assert_eq!(usage_str(ENABLED_HARDIRQ), "HARDIRQ-ON-W");
        assert_eq!(state_name(USED_IN_SOFTIRQ_READ), "SOFTIRQ-READ");
        assert_eq!(state_name(ENABLED_HARDIRQ), "HARDIRQ");
    }

    #[test]
    fn usage_chars_and_reset() {
        let mut u = IrqUsage::new(2);
        assert_eq!(usage_chars(u.mask(0)), "....");
        u.set(0, USED_IN_HARDIRQ, 7);
        u.mark_base();
        u.set(0, ENABLED_HARDIRQ, 8);
        u.set(0, ENABLED_SOFTIRQ, 9);
        u.set(1, ENABLED_HARDIRQ_READ, 10);
        assert_eq!(usage_chars(u.mask(0)), "?.+.");
        assert_eq!(usage_chars(u.mask(1)), ".+..");
        u.set(0, ENABLED_HARDIRQ, 11);
        assert_eq!(u.trace(0, ENABLED_HARDIRQ), 8);
        u.reset();
        assert_eq!(usage_chars(u.mask(0)), "-...");
        assert_eq!(u.trace(0, USED_IN_HARDIRQ), 7);
        assert_eq!(u.trace(0, ENABLED_HARDIRQ), NONE);
        assert_eq!(u.mask(1), 0);
    }
}
