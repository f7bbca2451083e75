//! Model-state coverage for libFuzzer: features of the model's own behaviour, not of the
//! interpreter's code. Each family has its own sub-range of the counter region so families
//! never alias each other:
//!
//! - `OpSite`: an IR operation site by context (process, hardirq, softirq, work) and by
//!   whether locks are held;
//! - `ReadsFrom`: a load of a shared field paired with the store site whose value it read (as
//!   reads-from fuzzing does);
//! - `LockOrder`: lock-class edges (the class held innermost, the class acquired);
//! - `Preemption`: which operation was preempted by which (the two threads' next sites);
//! - `Lifecycle`: object transitions by struct type (allocated, published, freed, used after
//!   free).
//!
//! Every feature is a deterministic function of the execution, hence of the input. Recording
//! is off unless the run asks for it (`Execution::feedback`), so batch strategies pay nothing.

pub mod sancov;

/// A feature family and its counter sub-range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    OpSite,
    ReadsFrom,
    LockOrder,
    Preemption,
    Lifecycle,
}

impl Family {
    /// (first slot, number of slots, a power of two).
    const fn range(self) -> (usize, usize) {
        const K: usize = sancov::COUNTERS / 16;
        match self {
            Family::OpSite => (0, 4 * K),
            Family::ReadsFrom => (4 * K, 4 * K),
            Family::Preemption => (8 * K, 4 * K),
            Family::LockOrder => (12 * K, 2 * K),
            Family::Lifecycle => (14 * K, 2 * K),
        }
    }

    /// The counter slot of `key` in this family.
    #[inline]
    pub fn slot(self, key: u64) -> usize {
        let (base, len) = self.range();
        base + (mix(key) as usize & (len - 1))
    }
}

/// Object lifecycle transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Allocated = 1,
    Published = 2,
    Freed = 3,
    UsedAfterFree = 4,
}

/// Records one feature.
#[inline]
pub fn hit(family: Family, key: u64) {
    sancov::bump(family.slot(key));
}

/// A code site as one word.
#[inline]
pub fn site(func: u32, pc: u32) -> u64 {
    ((func as u64) << 32) | pc as u64
}

/// splitmix64's finalizer: spreads structured keys over the slots.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_keep_to_their_ranges_and_cover_the_region() {
        let fams = [
            Family::OpSite,
            Family::ReadsFrom,
            Family::Preemption,
            Family::LockOrder,
            Family::Lifecycle,
        ];
        let mut total = 0;
        for f in fams {
            let (base, len) = f.range();
            assert!(len.is_power_of_two());
            total += len;
            for key in 0..1000u64 {
                let s = f.slot(key);
                assert!(s >= base && s < base + len);
            }
        }
        assert_eq!(total, sancov::COUNTERS);
    }

    #[test]
    fn hits_saturate_and_are_counted_once() {
        let s = Family::Lifecycle.slot(42);
        let before = sancov::seen();
        for _ in 0..300 {
            hit(Family::Lifecycle, 42);
        }
        assert!(sancov::seen() >= before.max(1));
        assert!(sancov::live() >= 1);
        let _ = s;
    }
}
