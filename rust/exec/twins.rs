//! Identical threads, for searches that treat them symmetrically (`sched::symmetry`). Two
//! actor threads are twins in a run when their actors have the same context, daemon flag and
//! action alphabet (functions and constant arguments) and the workload chose them the same
//! action sequence: until one of them steps, swapping them changes nothing the model can
//! see. Workers and kthreads are never twins (each has its own work item or task object).
//!
//! The rest of the execution must not look at thread numbers for the swap to be harmless.
//! Where a rule does pick one thread by its number among several (`fire_timeout`, the task a
//! hung-task or stranded-waiter report names, the task whose function titles a deadlock,
//! the holder a wait-for walk follows), it calls `note_order_choice`, which records in
//! `order_observed` that a twin took part and the outcome could differ; the runner then
//! repeats the search without symmetry.

use super::Execution;
use crate::ir::ConstArg;
use crate::oracle::report::{frames_of, title_function};
use crate::sched::ThreadSet;
use crate::world::NONE;
use std::collections::BTreeMap;

/// What `find_twins` keeps from one run to the next: each actor's description class
/// (computed once), and the workload choices its last twins were found for with the threads
/// that had a twin (a search runs one workload many times).
#[derive(Clone, Debug, Default)]
pub(crate) struct TwinCache {
    keys: Vec<u32>,
    workload: Option<Vec<u32>>,
    with_twin: ThreadSet,
}

impl Execution<'_> {
    /// Computes this run's twins once its workload is decoded (every actor thread is fresh).
    pub(crate) fn find_twins(&mut self) {
        let cache = &mut self.twin_cache;
        let workload = &self.choices[..self.workload_len];
        if cache.workload.as_deref() == Some(workload) {
            self.twins.fresh.clone_from(&cache.with_twin);
            return;
        }
        if cache.keys.len() != self.prog.actors.len() {
            cache.keys = actor_classes(self.prog);
        }
        cache.workload = Some(workload.to_vec());
        let n = self.nthreads;
        let tw = &mut self.twins;
        tw.class.clear();
        tw.class.resize(n, NONE);
        tw.fresh.clear();
        let threads = &self.threads;
        let keys = &cache.keys;
        let mut order: Vec<usize> = (0..n)
            .filter(|&t| threads[t].status == crate::exec::thread::Status::Runnable)
            .collect();
        // Equal descriptions and action sequences end up adjacent, lowest thread first.
        order.sort_by(|&a, &b| {
            (keys[a], &threads[a].actions, a).cmp(&(keys[b], &threads[b].actions, b))
        });
        for group in
            order.chunk_by(|&a, &b| keys[a] == keys[b] && threads[a].actions == threads[b].actions)
        {
            if group.len() < 2 {
                continue;
            }
            for &t in group {
                tw.class[t] = group[0] as u32;
                tw.fresh.insert(t as u32);
            }
        }
        cache.with_twin.clone_from(&tw.fresh);
    }

    /// A rule of the run picked the lowest-numbered of `cands` (at least two, ascending).
    /// When one of them has a twin, swapping twins could have made it pick another; unless
    /// `title_only` and every candidate would give the finding the same title, the run is
    /// marked `order_observed`.
    pub(crate) fn note_order_choice(&mut self, cands: &[usize], title_only: bool) {
        if !self.symmetric || cands.len() < 2 || !cands.iter().any(|&t| self.twins.has_twin(t)) {
            return;
        }
        if title_only {
            let title = |t: usize| title_function(self.prog, &frames_of(&self.threads[t]));
            let first = title(cands[0]);
            if cands[1..].iter().all(|&t| title(t) == first) {
                return;
            }
        }
        self.order_observed = true;
    }

    /// A wait-for walk chose between several holders by their numbers: conservatively, the
    /// run is marked whenever it has twins at all.
    pub(crate) fn note_order_walk(&mut self) {
        if self.symmetric && !self.twins.class.iter().all(|&c| c == NONE) {
            self.order_observed = true;
        }
    }
}

/// For each actor, the lowest-numbered actor with the same description: context, daemon
/// flag and action alphabet (each action's function and constant arguments; names, which the
/// model cannot read, are left out).
fn actor_classes(prog: &crate::ir::Program) -> Vec<u32> {
    let mut first: BTreeMap<Vec<i64>, u32> = BTreeMap::new();
    prog.actors
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut key = vec![a.context as i64, a.daemon as i64, a.actions.len() as i64];
            for act in &a.actions {
                key.push(act.func as i64);
                key.push(act.args.len() as i64);
                for arg in &act.args {
                    let (tag, v) = match *arg {
                        ConstArg::Int(v) => (0, v),
                        ConstArg::Null => (1, 0),
                        ConstArg::Global(g) => (2, g as i64),
                        ConstArg::Func(f) => (3, f as i64),
                        ConstArg::Str(s) => (4, s as i64),
                    };
                    key.push(tag);
                    key.push(v);
                }
            }
            *first.entry(key).or_insert(i as u32)
        })
        .collect()
}
