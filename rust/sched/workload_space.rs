//! The space of a program's workloads, smallest first: which actors run, how many actions
//! each performs and which. `verify`'s budgeted workload sweep walks it in order of size (the
//! total number of actions), so that a budget that cannot cover every workload still covers
//! every small one: most driver-lifetime bugs need one or two actions per actor (the
//! small-scope hypothesis), and a finding on a small workload has a short counterexample.
//!
//! A workload is written as the workload choices `Execution::start_workload` asks, in its
//! order: per actor, whether it runs (optional actors), how many actions beyond its minimum
//! (when `min < max`), then each action (when it has several). An optional actor that runs
//! zero actions behaves exactly as one that is absent, so only the absent one is listed.

use crate::ir::program::ActorDecl;

/// One actor's part of the workload space.
#[derive(Clone, Debug)]
struct Shape {
    optional: bool,
    min: u32,
    max: u32,
    /// Actions to choose from.
    actions: u32,
}

impl Shape {
    /// The action counts this actor can have, in order (0 first when absent or allowed).
    fn counts(&self) -> impl Iterator<Item = u32> + '_ {
        let absent = self.optional.then_some(0);
        // An optional actor present with no action is the absent one again.
        let lowest = if self.optional {
            self.min.max(1)
        } else {
            self.min
        };
        absent.into_iter().chain(lowest..=self.max)
    }

    /// Workloads of this actor with `count` actions.
    fn ways(&self, count: u32) -> u128 {
        (0..count).fold(1u128, |n, _| n.saturating_mul(self.actions as u128))
    }

    /// The choices that say "`count` actions" (before the actions themselves).
    fn head(&self, count: u32, out: &mut Vec<u32>) {
        if self.optional {
            out.push(u32::from(count > 0));
            if count == 0 {
                return;
            }
        }
        if self.min < self.max {
            out.push(count - self.min);
        }
    }

    /// Whether each action is a choice (one action needs none).
    fn chooses_actions(&self) -> bool {
        self.actions > 1
    }
}

/// Every workload of a program.
#[derive(Clone, Debug)]
pub struct WorkloadSpace {
    shapes: Vec<Shape>,
    defaults: Vec<Vec<u32>>,
    /// For each actor: the fewest and the most actions the actors from it on can add up to.
    rest_min: Vec<u32>,
    rest_max: Vec<u32>,
}

impl WorkloadSpace {
    pub fn new(actors: &[ActorDecl]) -> WorkloadSpace {
        let shapes: Vec<Shape> = actors
            .iter()
            .map(|a| Shape {
                optional: a.optional,
                min: a.min,
                max: a.max.max(a.min),
                actions: a.actions.len().max(1) as u32,
            })
            .collect();
        let mut rest_min = vec![0u32; shapes.len() + 1];
        let mut rest_max = vec![0u32; shapes.len() + 1];
        for (i, s) in shapes.iter().enumerate().rev() {
            let lo = if s.optional { 0 } else { s.min };
            rest_min[i] = rest_min[i + 1].saturating_add(lo);
            rest_max[i] = rest_max[i + 1].saturating_add(s.max);
        }
        WorkloadSpace {
            shapes,
            defaults: actors.iter().map(|a| a.default.clone()).collect(),
            rest_min,
            rest_max,
        }
    }

    /// The largest workload's number of actions.
    pub fn max_size(&self) -> u32 {
        self.rest_max[0]
    }

    /// The number of workloads (saturating).
    pub fn total(&self) -> u128 {
        self.shapes.iter().fold(1u128, |n, s| {
            let mine = s.counts().fold(0u128, |k, c| k.saturating_add(s.ways(c)));
            n.saturating_mul(mine)
        })
    }

    /// The default workload's choices, as the tree search's default answers give them.
    pub fn default_workload(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for (s, default) in self.shapes.iter().zip(&self.defaults) {
            // An optional actor present with no default action is the absent one.
            let count = (default.len() as u32).clamp(s.min, s.max);
            s.head(count, &mut out);
            if s.chooses_actions() {
                out.extend((0..count).map(|slot| {
                    let a = default.get(slot as usize).copied().unwrap_or(0);
                    a.min(s.actions - 1)
                }));
            }
        }
        out
    }

    /// Calls `f` with every workload of exactly `size` actions, in choice order, until it
    /// returns false; returns false when `f` stopped the walk.
    pub fn for_each_of_size(&self, size: u32, f: &mut dyn FnMut(&[u32]) -> bool) -> bool {
        let mut counts = Vec::with_capacity(self.shapes.len());
        self.counts_summing_to(0, size, &mut counts, f)
    }

    /// Chooses actor `i`'s action count, then the next actor's, so that all add up to `left`.
    fn counts_summing_to(
        &self,
        i: usize,
        left: u32,
        counts: &mut Vec<u32>,
        f: &mut dyn FnMut(&[u32]) -> bool,
    ) -> bool {
        if i == self.shapes.len() {
            return left != 0 || self.actions_of(counts, f);
        }
        let s = &self.shapes[i];
        for c in s.counts() {
            if c > left {
                break;
            }
            let rest = left - c;
            if rest < self.rest_min[i + 1] || rest > self.rest_max[i + 1] {
                continue;
            }
            counts.push(c);
            let go_on = self.counts_summing_to(i + 1, rest, counts, f);
            counts.pop();
            if !go_on {
                return false;
            }
        }
        true
    }

    /// Calls `f` with every choice of actions for the action counts `counts`.
    fn actions_of(&self, counts: &[u32], f: &mut dyn FnMut(&[u32]) -> bool) -> bool {
        // The positions of the action choices in the workload, with their actions to
        // choose from: an odometer over them lists the workloads in choice order.
        let mut choices = Vec::new();
        let mut wheels: Vec<(usize, u32)> = Vec::new();
        for (s, &c) in self.shapes.iter().zip(counts) {
            s.head(c, &mut choices);
            if s.chooses_actions() {
                for _ in 0..c {
                    wheels.push((choices.len(), s.actions));
                    choices.push(0);
                }
            }
        }
        loop {
            if !f(&choices) {
                return false;
            }
            let mut k = wheels.len();
            loop {
                if k == 0 {
                    return true;
                }
                k -= 1;
                let (at, n) = wheels[k];
                choices[at] += 1;
                if choices[at] < n {
                    break;
                }
                choices[at] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::program::{ActionDecl, ActorDecl};
    use crate::ir::Context;

    fn actor(optional: bool, min: u32, max: u32, actions: usize, default: Vec<u32>) -> ActorDecl {
        ActorDecl {
            name: "a".into(),
            context: Context::Process,
            daemon: false,
            actions: (0..actions)
                .map(|i| ActionDecl {
                    name: format!("act{i}"),
                    func: 0,
                    args: Vec::new(),
                })
                .collect(),
            default,
            min,
            max,
            optional,
        }
    }

    fn all(space: &WorkloadSpace) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        for size in 0..=space.max_size() {
            space.for_each_of_size(size, &mut |w| {
                out.push(w.to_vec());
                true
            });
        }
        out
    }

    #[test]
    fn workloads_are_listed_smallest_first_each_once() {
        // A user doing 1 to 3 of {open, read}, an optional remover, an IRQ raised 0 to 2 times.
        let space = WorkloadSpace::new(&[
            actor(false, 1, 3, 2, vec![0, 1]),
            actor(true, 1, 1, 1, vec![0]),
            actor(false, 0, 2, 1, vec![]),
        ]);
        let listed = all(&space);
        assert_eq!(listed.len() as u128, space.total());
        assert_eq!(space.total(), (2 + 4 + 8) * 2 * 3);
        let mut sorted = listed.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), listed.len(), "no workload twice");
        assert_eq!(
            listed[0],
            vec![0, 0, 0, 0],
            "one action, remover absent, no IRQ"
        );
        assert!(listed.contains(&space.default_workload()));
        assert_eq!(space.default_workload(), vec![1, 0, 1, 1, 0]);
    }

    #[test]
    fn an_optional_actor_present_with_no_action_is_not_listed_again() {
        let space = WorkloadSpace::new(&[actor(true, 0, 2, 1, vec![0])]);
        assert_eq!(all(&space), vec![vec![0], vec![1, 1], vec![1, 2]]);
        assert_eq!(space.total(), 3);
    }

    #[test]
    fn a_huge_space_is_walked_lazily_and_counted_saturating() {
        let actors: Vec<ActorDecl> = (0..40).map(|_| actor(false, 0, 30, 9, vec![])).collect();
        let space = WorkloadSpace::new(&actors);
        assert_eq!(space.total(), u128::MAX);
        let mut seen = 0;
        let finished = space.for_each_of_size(2, &mut |_| {
            seen += 1;
            seen < 100
        });
        assert!(!finished);
        assert_eq!(seen, 100);
    }
}
