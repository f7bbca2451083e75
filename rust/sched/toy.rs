//! A toy execution for the schedulers' unit tests: threads that each run a fixed number of
//! steps and never block. It asks the decider at every point with two or more runnable
//! threads, exactly as `exec` does, and ends the run through `Decider::end`.

use super::{Decider, Point, RunEnd, ThreadSet};
use crate::world::NONE;

/// Runs one execution of threads with `steps[t]` steps each; returns the thread of every
/// step and what `end` answered.
pub fn run<D: Decider>(d: &mut D, steps: &[u32]) -> (Vec<u32>, bool) {
    let mut left = steps.to_vec();
    let mut order = Vec::new();
    let mut current = NONE;
    d.begin();
    loop {
        let runnable: ThreadSet = (0..left.len() as u32)
            .filter(|&t| left[t as usize] > 0)
            .collect();
        let Some(first) = runnable.first() else {
            break;
        };
        let p = Point {
            runnable: &runnable,
            current,
            voluntary: false,
            sleeping: &crate::sched::NO_THREADS,
            step: order.len() as u64,
            pending: &[],
            twins: None,
        };
        let t = if !runnable.several() {
            first
        } else {
            let t = d.pick(&p);
            assert!(runnable.contains(t), "picked a thread that cannot run");
            t
        };
        left[t as usize] -= 1;
        order.push(t);
        d.after_step(t, &p);
        current = t;
    }
    let more = d.end(&RunEnd {
        steps: order.len() as u64,
        failable: 0,
    });
    (order, more)
}

/// How many times a thread other than the previous one ran while the previous one could
/// still run (the preemptions of a toy schedule).
pub fn preemptions(order: &[u32], steps: &[u32]) -> u32 {
    let mut left = steps.to_vec();
    let mut n = 0;
    for w in order.windows(2) {
        left[w[0] as usize] -= 1;
        if w[1] != w[0] && left[w[0] as usize] > 0 {
            n += 1;
        }
    }
    n
}
