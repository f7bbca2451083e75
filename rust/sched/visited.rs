//! The states a stateful search has explored from (`exec::state` fingerprints them): a
//! scheduling point whose state was seen before, with no more steps and no shorter streak
//! than then, can reach nothing new (the same threads, memory and locks go on the same
//! ways), so the search need not go on from it. The step count and the streak are compared
//! rather than hashed: fewer steps leave more room under the step limit and a shorter
//! streak more room before fair scheduling switches away, so a revisit with either smaller
//! is explored again. Lookups only, never iteration: the map's order cannot leak into a run.

use crate::exec::state::StateKey;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The fingerprints are already uniform hashes: their low 64 bits serve as the map's hash.
#[derive(Default)]
struct TakeLow(u64);

impl Hasher for TakeLow {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u128(&mut self, x: u128) {
        self.0 = x as u64;
    }
}

/// Explored states: per fingerprint, the (steps, streak) of each visit none of the others
/// covers.
#[derive(Default)]
pub struct Visited {
    map: HashMap<u128, Vec<(u64, u64)>, BuildHasherDefault<TakeLow>>,
}

impl Visited {
    /// Records a visit of `k`; false when an earlier visit covers it (nothing new beyond).
    pub fn visit(&mut self, k: StateKey) -> bool {
        let seen = self.map.entry(k.hash).or_default();
        if seen.iter().any(|&(s, r)| s <= k.steps && r <= k.streak) {
            return false;
        }
        seen.retain(|&(s, r)| !(k.steps <= s && k.streak <= r));
        seen.push((k.steps, k.streak));
        true
    }

    /// Distinct states explored.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revisit_is_new_only_with_fewer_steps_or_a_shorter_streak() {
        let key = |hash, steps, streak| StateKey {
            hash,
            steps,
            streak,
        };
        let mut v = Visited::default();
        assert!(v.visit(key(7, 10, 3)));
        assert!(!v.visit(key(7, 10, 3)));
        assert!(
            !v.visit(key(7, 12, 5)),
            "more steps, longer streak: covered"
        );
        assert!(
            v.visit(key(7, 9, 5)),
            "fewer steps: more room under the step limit"
        );
        assert!(
            v.visit(key(7, 12, 1)),
            "shorter streak: more room before a fair switch"
        );
        assert!(!v.visit(key(7, 13, 4)), "covered by the first visit");
        assert!(v.visit(key(7, 11, 2)), "no single earlier visit covers it");
        assert!(v.visit(key(8, 50, 50)), "another state");
        assert_eq!(v.len(), 2);
    }
}
