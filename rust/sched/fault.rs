//! How the random strategies (random, PCT, POS) answer the fail-nth choice of fault
//! injection (`ChoiceKind::FailNth`): like the kernel's `/proc/<pid>/fail-nth`, one run fails
//! at most one failable call, the n-th; n is drawn uniformly from 0 (no failure) to the most
//! failable calls a run has made so far, so every call is failed about equally often and a
//! run without a failure stays as likely as a run failing any one call. Before a run was
//! observed the estimate is `FIRST_CALLS`. The draw takes the strategy's random stream only
//! when the choice is asked, so with fault injection off nothing changes.

use super::RunEnd;
use crate::rng::Rng;

/// The failable-call estimate before any run has ended.
pub const FIRST_CALLS: u32 = 4;

/// The fail-nth estimate a random strategy keeps across executions.
#[derive(Clone, Copy, Debug)]
pub struct FailNth {
    /// The most failable calls one run made (or `FIRST_CALLS` before any run ended).
    calls: u32,
    observed: bool,
}

impl Default for FailNth {
    fn default() -> Self {
        FailNth {
            calls: FIRST_CALLS,
            observed: false,
        }
    }
}

impl FailNth {
    /// n in `0..=calls` (0: no failure), below the choice's range `n`.
    pub fn draw(&self, rng: &mut Rng, n: u32) -> u32 {
        (rng.below(self.calls as u64 + 1) as u32).min(n - 1)
    }

    /// Learns from an ended run how many failable calls a run makes.
    pub fn end(&mut self, run: &RunEnd) {
        if run.failable == 0 && !self.observed {
            return;
        }
        self.calls = if self.observed {
            self.calls.max(run.failable)
        } else {
            run.failable
        };
        self.observed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_cover_no_failure_and_every_seen_call_uniformly() {
        let mut f = FailNth::default();
        let mut rng = Rng::new(3);
        assert!((0..200).all(|_| f.draw(&mut rng, 256) <= FIRST_CALLS));
        f.end(&RunEnd {
            steps: 10,
            failable: 2,
        });
        f.end(&RunEnd {
            steps: 10,
            failable: 1,
        });
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[f.draw(&mut rng, 256) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
    }
}
