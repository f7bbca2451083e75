//! Replays a recorded choice list. In strict mode a choice that cannot be applied (a thread
//! that is not runnable, a workload value out of range) marks the run diverged, which the
//! execution reports as status "invalid"; in lenient mode (used by the minimizer) it falls
//! back to the default. When the list runs out, the run continues without preemptions.

use super::{default_pick, ChoiceKind, Decider, Point};

/// The replay decider.
pub struct Replay<'a> {
    choices: &'a [u32],
    pos: usize,
    strict: bool,
    diverged: bool,
}

impl<'a> Replay<'a> {
    /// Replays `choices`; `strict` makes inapplicable choices an error.
    pub fn new(choices: &'a [u32], strict: bool) -> Replay<'a> {
        Replay {
            choices,
            pos: 0,
            strict,
            diverged: false,
        }
    }

    fn next(&mut self) -> Option<u32> {
        let c = self.choices.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }
}

impl Decider for Replay<'_> {
    fn begin(&mut self) {
        self.pos = 0;
        self.diverged = false;
    }

    fn choose(&mut self, _kind: ChoiceKind, n: u32, default: u32) -> u32 {
        match self.next() {
            Some(c) if c < n => c,
            Some(_) => {
                self.diverged |= self.strict;
                default.min(n - 1)
            }
            None => default.min(n - 1),
        }
    }

    fn pick(&mut self, p: &Point) -> u32 {
        match self.next() {
            Some(t) if p.runnable.contains(t) => t,
            Some(_) => {
                self.diverged |= self.strict;
                default_pick(p)
            }
            None => default_pick(p),
        }
    }

    fn diverged(&self) -> bool {
        self.diverged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::toy;

    #[test]
    fn a_recorded_schedule_replays_and_a_bad_choice_diverges_only_when_strict() {
        let choices = [1, 0, 1];
        let mut d = Replay::new(&choices, true);
        let (order, _) = toy::run(&mut d, &[2, 2]);
        assert_eq!(order, vec![1, 0, 1, 0]);
        assert!(!d.diverged());

        // Thread 5 does not exist: strict replay diverges, lenient replay takes the default.
        let bad = [5];
        let mut strict = Replay::new(&bad, true);
        toy::run(&mut strict, &[1, 1]);
        assert!(strict.diverged());
        let mut lenient = Replay::new(&bad, false);
        assert_eq!(toy::run(&mut lenient, &[1, 1]).0, vec![0, 1]);
        assert!(!lenient.diverged());
    }
}
