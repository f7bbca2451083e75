//! PCT (Burckhardt et al., ASPLOS 2010): random distinct thread priorities and d-1 priority
//! change points drawn uniformly over the expected run length k; the highest-priority
//! runnable thread always runs. A bug of depth d is found with probability at least
//! 1/(n * k^(d-1)) per execution. The run length is counted in decisions (scheduling
//! points with more than one runnable thread), not in steps: a change point on a step where
//! one thread alone can run would lower that thread's priority for the next decision, which
//! the first decision after it does just as well, so counting decisions loses nothing and
//! makes k, and the odds against a bug, smaller.

use super::fault::FailNth;
use super::{ChoiceKind, Decider, Point};
use crate::rng::Rng;

/// The run-length guess for the first execution, before any run was observed.
const FIRST_K: u64 = 64;

/// Threads that get a priority at the start of an execution until a run shows more.
const FIRST_SPAN: usize = 64;

/// The span once a run used a thread beyond `FIRST_SPAN`: 128, then doubled as often as the
/// highest thread needs (so that programs of up to 128 threads draw the same priorities as
/// when 128 was the most threads a program could have).
pub(crate) fn grown_span(highest: u32) -> usize {
    (highest as usize + 1).next_power_of_two().max(128)
}

/// The PCT decider.
pub struct Pct {
    rng: Rng,
    depth: u32,
    /// Estimated decisions per execution (k): the most a run has had so far, or `FIRST_K`
    /// before the first run ends.
    k: u64,
    /// Decisions of the current run.
    decisions: u64,
    /// Whether a run has ended (then `k` is an observed length).
    observed: bool,
    /// Per thread: its priority (`span` entries).
    prio: Vec<u64>,
    /// Threads that get a shuffled initial priority: 64, or more once a run used a thread
    /// id beyond that (`grown_span`), so programs with few threads keep a cheap `begin`.
    span: usize,
    /// Scratch for the shuffle.
    order: Vec<u64>,
    change_points: Vec<u64>,
    next_low: u64,
    fail: FailNth,
}

impl Pct {
    /// PCT with bug depth `depth` (>= 1) from `seed`.
    pub fn new(seed: u64, depth: u32) -> Pct {
        Pct {
            rng: Rng::new(seed),
            depth: depth.max(1),
            k: FIRST_K,
            decisions: 0,
            observed: false,
            prio: vec![0; FIRST_SPAN],
            span: FIRST_SPAN,
            order: Vec::with_capacity(FIRST_SPAN),
            change_points: Vec::new(),
            next_low: 0,
            fail: FailNth::default(),
        }
    }
}

impl Pct {
    /// Distinct random priorities `d + from .. d + span` for the threads `from..span`.
    fn shuffle_priorities(&mut self, from: usize) {
        let order = &mut self.order;
        order.clear();
        order.extend(from as u64..self.span as u64);
        for i in (1..order.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            order.swap(i, j);
        }
        for (p, o) in self.prio[from..self.span].iter_mut().zip(order.iter()) {
            *p = self.depth as u64 + o;
        }
    }
}

impl super::registry::Strategy for Pct {
    fn build(p: &super::registry::Params) -> Pct {
        Pct::new(p.seed, p.depth)
    }
}

impl Decider for Pct {
    fn begin(&mut self) {
        // Initial priorities in d..d+span, distinct and random; lowered ones go below d.
        self.shuffle_priorities(0);
        self.change_points.clear();
        for _ in 1..self.depth {
            self.change_points.push(1 + self.rng.below(self.k.max(1)));
        }
        self.next_low = self.depth as u64 - 1;
        self.decisions = 0;
    }

    fn end(&mut self, run: &super::RunEnd) -> bool {
        self.fail.end(run);
        self.k = if self.observed {
            self.k.max(self.decisions)
        } else {
            self.decisions
        };
        self.observed = true;
        true
    }

    fn choose(&mut self, kind: ChoiceKind, n: u32, _default: u32) -> u32 {
        match kind {
            ChoiceKind::FailNth => self.fail.draw(&mut self.rng, n),
            _ => self.rng.below(n as u64) as u32,
        }
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let highest = p.runnable.last().unwrap_or(0);
        if highest as usize >= self.span {
            // A thread beyond the span: from now on it gets a shuffled priority; in this run
            // the new ones rank above the others, in random order.
            let old = self.span;
            self.span = grown_span(highest);
            self.prio.resize(self.span, 0);
            self.shuffle_priorities(old);
        }
        let best = |prio: &[u64]| {
            let mut best = p.runnable.first().unwrap_or(0);
            for t in p.runnable {
                if prio[t as usize] > prio[best as usize] {
                    best = t;
                }
            }
            best
        };
        let mut t = best(&self.prio);
        self.decisions += 1;
        if self.change_points.contains(&self.decisions) {
            // Lower the running thread's priority below every initial one.
            self.prio[t as usize] = self.next_low;
            self.next_low = self.next_low.saturating_sub(1);
            t = best(&self.prio);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::ThreadSet;
    use crate::world::NONE;

    fn pick(d: &mut Pct, runnable: &[u32]) -> u32 {
        d.pick(&Point {
            runnable: &runnable.iter().copied().collect::<ThreadSet>(),
            current: NONE,
            voluntary: false,
            sleeping: &crate::sched::NO_THREADS,
            step: 0,
            pending: &[],
            twins: None,
        })
    }

    #[test]
    fn threads_beyond_64_get_random_distinct_priorities_once_seen() {
        let mut d = Pct::new(3, 1);
        d.begin();
        assert_eq!(d.span, FIRST_SPAN);
        pick(&mut d, &[0, 100]);
        assert_eq!(d.span, 128, "the span of programs of up to 128 threads");
        pick(&mut d, &[0, 100, 1000]);
        assert_eq!(d.span, 1024);
        let mut wins = [0u32; 3];
        for _ in 0..300 {
            d.begin();
            let mut sorted = d.prio.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 1024, "distinct priorities");
            wins[match pick(&mut d, &[0, 100, 1000]) {
                0 => 0,
                100 => 1,
                _ => 2,
            }] += 1;
        }
        // Each thread comes first about a third of the time.
        assert!(wins.iter().all(|&w| w > 60), "{wins:?}");
    }

    #[test]
    fn the_run_length_estimate_follows_the_longest_run() {
        let mut d = Pct::new(1, 3);
        assert_eq!(d.k, FIRST_K);
        // Short runs bring the estimate down to their decisions (change points inside the
        // run): at least the steps taken while two threads were left, at most all steps.
        crate::sched::toy::run(&mut d, &[3, 4, 5]);
        assert_eq!(d.k, d.decisions);
        assert!((7..=12).contains(&d.k), "{}", d.k);
        let k = d.k;
        d.begin();
        assert!(d.change_points.iter().all(|&c| (1..=k).contains(&c)));
        let mut most = 0;
        for _ in 0..3 {
            crate::sched::toy::run(&mut d, &[40, 50, 60]);
            most = most.max(d.decisions);
        }
        assert_eq!(d.k, most);
        assert!((90..=150).contains(&d.k), "{}", d.k);
    }
}
