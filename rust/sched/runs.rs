//! Decisions from fuzzer bytes in the compact "switch points" encoding, for coverage-guided
//! fuzzing: the input lists where the schedule departs from the non-preemptive default, so a
//! one-byte mutation moves, adds or removes one context switch and everything else stays the
//! serial schedule (no random fallback: an empty input is the serial run).
//!
//! Layout: one byte per workload choice (taken modulo the choice's range; when the bytes run
//! out, the default workload), then pairs `(gap, target)`: follow the default for `gap`
//! scheduling points, then run the `target % n`-th runnable thread. After the last pair, the
//! default schedule to the end.

use super::{default_pick, ChoiceKind, Decider, Point};

/// The switch-point decider.
pub struct FromRuns<'a> {
    data: &'a [u8],
    pos: usize,
    /// Scheduling points left to follow the default before the next switch.
    gap: Option<u32>,
}

impl<'a> FromRuns<'a> {
    /// Decisions from `data` (see the module documentation).
    pub fn new(data: &'a [u8]) -> FromRuns<'a> {
        FromRuns {
            data,
            pos: 0,
            gap: None,
        }
    }

    fn next_byte(&mut self) -> Option<u8> {
        let b = self.data.get(self.pos).copied();
        if b.is_some() {
            self.pos += 1;
        }
        b
    }
}

impl Decider for FromRuns<'_> {
    fn begin(&mut self) {
        self.pos = 0;
        self.gap = None;
    }

    fn choose(&mut self, _kind: ChoiceKind, n: u32, default: u32) -> u32 {
        match self.next_byte() {
            Some(b) => b as u32 % n,
            None => default,
        }
    }

    fn pick(&mut self, p: &Point) -> u32 {
        if self.gap.is_none() {
            match self.next_byte() {
                Some(g) => self.gap = Some(g as u32),
                None => return default_pick(p),
            }
        }
        match self.gap {
            Some(0) => {
                self.gap = None;
                match self.next_byte() {
                    Some(t) => {
                        let k = t as u32 % p.runnable.len();
                        p.runnable.nth(k).unwrap_or_else(|| default_pick(p))
                    }
                    None => default_pick(p),
                }
            }
            Some(g) => {
                self.gap = Some(g - 1);
                default_pick(p)
            }
            None => default_pick(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::NONE;

    fn point(runnable: &crate::sched::ThreadSet, current: u32) -> Point<'_> {
        Point {
            runnable,
            current,
            voluntary: false,
            sleeping: &crate::sched::NO_THREADS,
            step: 0,
            pending: &[],
            twins: None,
        }
    }

    #[test]
    fn an_empty_input_is_the_serial_schedule_and_a_pair_is_one_switch() {
        let mut d = FromRuns::new(&[]);
        d.begin();
        let both = crate::sched::ThreadSet::below(2);
        assert_eq!(d.choose(ChoiceKind::ActorEnabled { actor: 0 }, 2, 1), 1);
        assert_eq!(d.pick(&point(&both, NONE)), 0);
        assert_eq!(d.pick(&point(&both, 0)), 0);

        // Follow the default for two points, then switch to the second runnable thread.
        let data = [2u8, 1];
        let mut d = FromRuns::new(&data);
        d.begin();
        let picks: Vec<u32> = (0..5).map(|_| d.pick(&point(&both, 0))).collect();
        assert_eq!(picks, vec![0, 0, 1, 0, 0]);
    }
}
