//! Uniform random walk: every scheduling point picks a runnable thread uniformly; workload
//! choices are uniform too, except fault injection's fail-nth (`sched::fault`).

use super::fault::FailNth;
use super::{default_pick, ChoiceKind, Decider, Point};
use crate::rng::Rng;

/// The random-walk decider.
pub struct RandomWalk {
    rng: Rng,
    fail: FailNth,
}

impl RandomWalk {
    /// A random walk from `seed`; consecutive executions continue the same stream.
    pub fn new(seed: u64) -> RandomWalk {
        RandomWalk {
            rng: Rng::new(seed),
            fail: FailNth::default(),
        }
    }
}

impl super::registry::Strategy for RandomWalk {
    fn build(p: &super::registry::Params) -> RandomWalk {
        RandomWalk::new(p.seed)
    }
}

impl Decider for RandomWalk {
    fn choose(&mut self, kind: ChoiceKind, n: u32, _default: u32) -> u32 {
        match kind {
            ChoiceKind::FailNth => self.fail.draw(&mut self.rng, n),
            _ => self.rng.below(n as u64) as u32,
        }
    }

    fn end(&mut self, run: &super::RunEnd) -> bool {
        self.fail.end(run);
        true
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let k = self.rng.below(p.runnable.len() as u64) as u32;
        p.runnable.nth(k).unwrap_or_else(|| default_pick(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::toy;

    #[test]
    fn picks_are_uniform_and_a_seed_repeats_its_runs() {
        let mut d = RandomWalk::new(11);
        let mut first = [0u32; 3];
        for _ in 0..3000 {
            first[toy::run(&mut d, &[1, 1, 1]).0[0] as usize] += 1;
        }
        assert!(first.iter().all(|&n| (850..1150).contains(&n)), "{first:?}");
        let runs = |seed| {
            let mut d = RandomWalk::new(seed);
            (0..20)
                .map(|_| toy::run(&mut d, &[3, 2, 4]).0)
                .collect::<Vec<_>>()
        };
        assert_eq!(runs(4), runs(4));
        assert_ne!(runs(4), runs(5));
    }
}
