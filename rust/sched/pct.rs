//! PCT (Burckhardt et al., ASPLOS 2010): random distinct thread priorities and d-1 priority
//! change points drawn uniformly over the expected run length k; the highest-priority
//! runnable thread always runs. A bug of depth d is found with probability at least
//! 1/(n * k^(d-1)) per execution.

use super::{ChoiceKind, Decider, Point};
use crate::rng::Rng;

/// The PCT decider.
pub struct Pct {
    rng: Rng,
    depth: u32,
    /// Estimated steps per execution (k); updated by the runner from observed runs.
    pub k: u64,
    prio: [u64; 64],
    change_points: Vec<u64>,
    next_low: u64,
}

impl Pct {
    /// PCT with bug depth `depth` (>= 1) from `seed`.
    pub fn new(seed: u64, depth: u32) -> Pct {
        Pct {
            rng: Rng::new(seed),
            depth: depth.max(1),
            k: 64,
            prio: [0; 64],
            change_points: Vec::new(),
            next_low: 0,
        }
    }
}

impl Decider for Pct {
    fn begin(&mut self) {
        // Initial priorities in d..d+64, distinct and random; lowered ones go below d.
        let mut order: [u64; 64] = std::array::from_fn(|i| i as u64);
        for i in (1..64).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            order.swap(i, j);
        }
        for (t, p) in self.prio.iter_mut().enumerate() {
            *p = self.depth as u64 + order[t];
        }
        self.change_points.clear();
        for _ in 1..self.depth {
            self.change_points.push(1 + self.rng.below(self.k.max(1)));
        }
        self.next_low = self.depth as u64 - 1;
    }

    fn choose(&mut self, _kind: ChoiceKind, n: u32, _default: u32) -> u32 {
        self.rng.below(n as u64) as u32
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let best = |prio: &[u64; 64]| {
            let mut m = p.runnable;
            let mut best = m.trailing_zeros();
            while m != 0 {
                let t = m.trailing_zeros();
                if prio[t as usize] > prio[best as usize] {
                    best = t;
                }
                m &= m - 1;
            }
            best
        };
        let mut t = best(&self.prio);
        if self.change_points.contains(&p.step) {
            // Lower the running thread's priority below every initial one.
            self.prio[t as usize] = self.next_low;
            self.next_low = self.next_low.saturating_sub(1);
            t = best(&self.prio);
        }
        t
    }
}
