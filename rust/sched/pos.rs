//! POS, partial order sampling (Yuan et al., CAV 2018): every pending operation gets a random
//! priority; the highest runs; after it runs, the priorities of the threads whose pending
//! operation touches the same object (the racing ones) are redrawn, as is the runner's.

use super::{ChoiceKind, Decider, Point};
use crate::limits::MAX_THREADS;
use crate::rng::Rng;
use crate::world::NONE;

/// The POS decider.
pub struct Pos {
    rng: Rng,
    prio: [u64; MAX_THREADS],
    /// Threads that get a priority in `begin`: 64, or all once a run used more.
    span: usize,
}

impl Pos {
    /// POS from `seed`.
    pub fn new(seed: u64) -> Pos {
        Pos {
            rng: Rng::new(seed),
            prio: [0; MAX_THREADS],
            span: 64,
        }
    }
}

impl Decider for Pos {
    fn begin(&mut self) {
        for p in self.prio[..self.span].iter_mut() {
            *p = self.rng.next_u64();
        }
    }

    fn choose(&mut self, _kind: ChoiceKind, n: u32, _default: u32) -> u32 {
        self.rng.below(n as u64) as u32
    }

    fn wants_pending(&self) -> bool {
        true
    }

    fn pick(&mut self, p: &Point) -> u32 {
        if p.runnable.checked_shr(self.span as u32).unwrap_or(0) != 0 {
            for q in self.prio[self.span..].iter_mut() {
                *q = self.rng.next_u64();
            }
            self.span = MAX_THREADS;
        }
        let mut m = p.runnable;
        let mut best = m.trailing_zeros();
        while m != 0 {
            let t = m.trailing_zeros();
            if self.prio[t as usize] > self.prio[best as usize] {
                best = t;
            }
            m &= m - 1;
        }
        best
    }

    fn after_step(&mut self, tid: u32, p: &Point) {
        let obj = p.pending.get(tid as usize).copied().unwrap_or(NONE);
        self.prio[tid as usize] = self.rng.next_u64();
        if obj == NONE {
            return;
        }
        for (t, &o) in p.pending.iter().enumerate() {
            if t as u32 != tid && o == obj {
                self.prio[t] = self.rng.next_u64();
            }
        }
    }
}
