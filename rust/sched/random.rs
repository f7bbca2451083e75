//! Uniform random walk: every scheduling point picks a runnable thread uniformly; workload
//! choices are uniform too.

use super::{nth_set_bit, ChoiceKind, Decider, Point};
use crate::rng::Rng;

/// The random-walk decider.
pub struct RandomWalk {
    rng: Rng,
}

impl RandomWalk {
    /// A random walk from `seed`; consecutive executions continue the same stream.
    pub fn new(seed: u64) -> RandomWalk {
        RandomWalk {
            rng: Rng::new(seed),
        }
    }
}

impl Decider for RandomWalk {
    fn choose(&mut self, _kind: ChoiceKind, n: u32, _default: u32) -> u32 {
        self.rng.below(n as u64) as u32
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let k = self.rng.below(p.runnable.count_ones() as u64) as u32;
        nth_set_bit(p.runnable, k)
    }
}
