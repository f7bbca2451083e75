//! POS, partial order sampling (Yuan et al., CAV 2018): every pending operation gets a random
//! priority; the highest runs; after it runs, the priorities of the threads whose pending
//! operation touches the same object (the racing ones) are redrawn, as is the runner's.

use super::fault::FailNth;
use super::pct::grown_span;
use super::{ChoiceKind, Decider, Point};
use crate::rng::Rng;
use crate::world::NONE;

/// The POS decider.
pub struct Pos {
    rng: Rng,
    /// Per thread: its priority (`span` entries).
    prio: Vec<u64>,
    /// Threads that get a priority in `begin`: 64, or more once a run used more
    /// (`pct::grown_span`).
    span: usize,
    fail: FailNth,
}

impl Pos {
    /// POS from `seed`.
    pub fn new(seed: u64) -> Pos {
        Pos {
            rng: Rng::new(seed),
            prio: vec![0; 64],
            span: 64,
            fail: FailNth::default(),
        }
    }
}

impl super::registry::Strategy for Pos {
    fn build(p: &super::registry::Params) -> Pos {
        Pos::new(p.seed)
    }
}

impl Decider for Pos {
    fn begin(&mut self) {
        for p in self.prio[..self.span].iter_mut() {
            *p = self.rng.next_u64();
        }
    }

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

    fn wants_pending(&self) -> bool {
        true
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let highest = p.runnable.last().unwrap_or(0);
        if highest as usize >= self.span {
            let old = self.span;
            self.span = grown_span(highest);
            self.prio.resize(self.span, 0);
            for q in self.prio[old..].iter_mut() {
                *q = self.rng.next_u64();
            }
        }
        let mut best = p.runnable.first().unwrap_or(0);
        for t in p.runnable {
            if self.prio[t as usize] > self.prio[best as usize] {
                best = t;
            }
        }
        best
    }

    fn after_step(&mut self, tid: u32, p: &Point) {
        let obj = p.pending.get(tid as usize).copied().unwrap_or(NONE);
        if let Some(q) = self.prio.get_mut(tid as usize) {
            *q = self.rng.next_u64();
        }
        if obj == NONE {
            return;
        }
        for (t, &o) in p.pending.iter().enumerate() {
            if t as u32 != tid && o == obj && t < self.prio.len() {
                self.prio[t] = self.rng.next_u64();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::{toy, ThreadSet};

    #[test]
    fn a_seed_repeats_its_runs_and_runs_differ() {
        let runs = |seed| {
            let mut d = Pos::new(seed);
            (0..20)
                .map(|_| toy::run(&mut d, &[3, 2, 4]).0)
                .collect::<Vec<_>>()
        };
        assert_eq!(runs(9), runs(9));
        let mut distinct = runs(9);
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 5, "POS samples many orders: {distinct:?}");
    }

    #[test]
    fn after_a_step_the_racing_threads_priorities_are_redrawn() {
        let mut d = Pos::new(1);
        d.begin();
        let before = d.prio.clone();
        // Threads 0 and 2 touch object 7; thread 1 touches object 8.
        let pending = [7, 8, 7];
        let p = Point {
            runnable: &ThreadSet::below(3),
            current: NONE,
            voluntary: false,
            sleeping: &crate::sched::NO_THREADS,
            step: 0,
            pending: &pending,
            twins: None,
        };
        d.after_step(0, &p);
        assert_ne!(d.prio[0], before[0]);
        assert_ne!(d.prio[2], before[2]);
        assert_eq!(
            d.prio[1], before[1],
            "a thread on another object keeps its priority"
        );
    }
}
