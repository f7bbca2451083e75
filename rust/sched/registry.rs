//! The registry of batch strategies: the one list that maps a strategy's name to its
//! decider. The runner, `_core.STRATEGIES` and the command line's choices all come from it,
//! so adding a strategy touches its own file, one line here, the docs and a test. Dispatch
//! goes through `WithDecider`, so every run loop is compiled for the concrete decider (no
//! virtual call per scheduling point).

use super::pct::Pct;
use super::pos::Pos;
use super::random::RandomWalk;
use super::Decider;
use crate::error::{CoreError, CoreResult};

/// What every batch strategy is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// The seed of the strategy's random stream.
    pub seed: u64,
    /// The bug depth PCT aims at (its d; other strategies ignore it).
    pub depth: u32,
}

/// A batch strategy: a decider that can be built from `Params` alone.
pub trait Strategy: Decider + Sized {
    /// The decider for a batch with parameters `p`.
    fn build(p: &Params) -> Self;
}

/// Work to do with a decider whose type is known at compile time.
pub trait WithDecider {
    type Output;
    /// Runs the work with `d`.
    fn with<D: Decider>(self, d: &mut D) -> Self::Output;
}

macro_rules! registry {
    ($($name:literal => $ty:ty, $doc:literal;)*) => {
        /// Every batch strategy: (name, one-line description).
        pub const STRATEGIES: &[(&str, &str)] = &[$(($name, $doc)),*];

        /// Runs `work` with the decider of strategy `name`.
        pub fn with_strategy<W: WithDecider>(name: &str, p: &Params, work: W) -> CoreResult<W::Output> {
            match name {
                $($name => Ok(work.with(&mut <$ty as Strategy>::build(p))),)*
                other => Err(CoreError::UnknownName(format!(
                    "unknown strategy '{other}' (expected one of: {})",
                    STRATEGIES.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
    };
}

registry! {
    "random" => RandomWalk, "uniform random walk over the runnable threads";
    "pct" => Pct, "probabilistic concurrency testing: random priorities and depth-1 change points";
    "pos" => Pos, "partial order sampling: priorities redrawn for the racing threads";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::{ChoiceKind, Point};

    /// Answers with the decider's first pick among threads 0..4.
    struct FirstPick;

    impl WithDecider for FirstPick {
        type Output = u32;
        fn with<D: Decider>(self, d: &mut D) -> u32 {
            d.begin();
            let _ = d.choose(ChoiceKind::ActorEnabled { actor: 0 }, 2, 1);
            d.pick(&Point {
                runnable: &crate::sched::ThreadSet::below(4),
                current: crate::world::NONE,
                voluntary: false,
                sleeping: &crate::sched::NO_THREADS,
                step: 0,
                pending: &[crate::world::NONE; 4],
                twins: None,
            })
        }
    }

    #[test]
    fn every_registered_strategy_builds_and_picks_a_runnable_thread() {
        let p = Params { seed: 5, depth: 3 };
        for (name, doc) in STRATEGIES {
            assert!(!doc.is_empty());
            let t = with_strategy(name, &p, FirstPick).unwrap();
            assert!(t < 4, "{name} picked {t}");
            // Same parameters, same decision.
            assert_eq!(with_strategy(name, &p, FirstPick).unwrap(), t, "{name}");
        }
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let p = Params { seed: 0, depth: 1 };
        let e = with_strategy("dpor", &p, FirstPick).unwrap_err();
        assert!(matches!(e, CoreError::UnknownName(_)));
        assert!(e.to_string().contains("random, pct, pos"), "{e}");
    }
}
