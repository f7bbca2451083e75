//! The workload sweep on several threads (`verify --jobs N`), with exactly the sequential
//! sweep's result. The sweep's order, budget and stopping rules stay in `sweep::sweep_with`,
//! run by the calling thread; what changes is where a workload's search comes from: worker
//! threads, each with its own `Execution` of the shared program, search the workloads ahead
//! of it in sweep order (a producer thread hands them out, at most `AHEAD` per job past the
//! one the sweep waits for), and the sweep takes their results in order.
//!
//! A search is deterministic, and one cut at N schedules runs exactly the first N schedules
//! of the uncut one, so a worker's result is the sequential one whenever it took no more
//! schedules than the sequential sweep allows that workload (the rest of `--max-schedules`
//! and of the budget); the workers search with the most the sweep could allow, and the
//! rare workload the sweep allows less (the one the budget runs out in) is searched again
//! by the calling thread with its exact cap. Only the calling thread calls `poll` (the
//! Python side's signal checks); the workers stop when it says stop.

use crate::exec::Execution;
use crate::runner::{self, Poll, Progress, SearchSpec, VerifyResult};
use crate::sched::workload_space::WorkloadSpace;
use crate::sweep::{self, SweepResult};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Workloads per job the workers may run ahead of the one the sweep waits for (results past
/// a finding or the budget's end are thrown away).
const AHEAD: u64 = 8;

/// How often the waiting sweep asks its poll callback (signals, the progress line).
const WAIT: Duration = Duration::from_millis(20);

/// Hands out the workloads in sweep order to the workers, as far ahead as allowed.
struct Shared {
    stop: AtomicBool,
    /// The index the sweep waits for.
    wanted: AtomicU64,
    /// Workers still running.
    live: AtomicUsize,
}

pub fn sweep(
    ex: &mut Execution,
    spec: &SearchSpec,
    poll: Poll,
    budget: u64,
    jobs: usize,
    space: &WorkloadSpace,
) -> SweepResult {
    let prog = ex.prog;
    let shared = Shared {
        stop: AtomicBool::new(false),
        wanted: AtomicU64::new(0),
        live: AtomicUsize::new(jobs),
    };
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u32>)>(jobs);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<(u64, VerifyResult)>();
    let ahead = AHEAD * jobs as u64;
    std::thread::scope(|scope| {
        let shared = &shared;
        scope.spawn(move || {
            let mut index = 0u64;
            sweep::for_each_in_order(space, &mut |w| {
                while index >= shared.wanted.load(Ordering::Acquire) + ahead {
                    if shared.stop.load(Ordering::Acquire) {
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                let sent = work_tx.send((index, w.to_vec())).is_ok();
                index += 1;
                sent && !shared.stop.load(Ordering::Acquire)
            });
        });
        for _ in 0..jobs {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                worker(prog, spec, budget, shared, &work_rx, &done_tx);
                shared.live.fetch_sub(1, Ordering::AcqRel);
            });
        }
        // The workers hold the work queue now: once they are gone, the producer's send
        // fails and it stops.
        drop(work_rx);
        drop(done_tx);
        let mut results = Results {
            rx: done_rx,
            ready: BTreeMap::new(),
            shared,
        };
        let out = sweep::sweep_with(ex, spec, poll, budget, &mut |ex, one, index, poll| {
            shared.wanted.store(index, Ordering::Release);
            match results.wait_for(index, poll) {
                Wait::Ready(r) if r.schedules <= one.max_schedules => *r,
                Wait::Stopped => VerifyResult {
                    interrupted: true,
                    ..VerifyResult::default()
                },
                // A result the sweep must cut shorter, or no worker left to give it: the
                // calling thread searches it itself.
                _ => runner::search(ex, one, poll),
            }
        });
        shared.stop.store(true, Ordering::Release);
        out
    })
}

/// A worker: searches the workloads it is handed, with the most schedules the sweep could
/// allow each (all of `--max-schedules` for the default workload, index 0; at most the
/// budget for the others), until the work runs out or the sweep stops.
fn worker(
    prog: &crate::ir::Program,
    spec: &SearchSpec,
    budget: u64,
    shared: &Shared,
    work: &Mutex<Receiver<(u64, Vec<u32>)>>,
    done: &mpsc::Sender<(u64, VerifyResult)>,
) {
    let Ok(mut ex) = Execution::new(prog) else {
        return;
    };
    loop {
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        let next = work.lock().map(|rx| rx.recv());
        let Ok(Ok((index, w))) = next else {
            return;
        };
        let cap = if index == 0 {
            spec.max_schedules
        } else {
            spec.max_schedules.min(budget)
        };
        let one = SearchSpec {
            workload: w,
            all_workloads: false,
            max_schedules: cap,
            ..spec.clone()
        };
        let mut stop_when_told = |_: &Progress| !shared.stop.load(Ordering::Acquire);
        let r = runner::search(&mut ex, &one, &mut stop_when_told);
        if r.interrupted || done.send((index, r)).is_err() {
            return;
        }
    }
}

/// What waiting for a workload's result gave.
enum Wait {
    Ready(Box<VerifyResult>),
    /// The poll callback said stop.
    Stopped,
    /// No worker is left to give it.
    Gone,
}

/// The workers' results, taken in sweep order.
struct Results<'s> {
    rx: Receiver<(u64, VerifyResult)>,
    ready: BTreeMap<u64, VerifyResult>,
    shared: &'s Shared,
}

impl Results<'_> {
    /// Workload `index`'s result, asking the poll callback while it waits.
    fn wait_for(&mut self, index: u64, poll: Poll) -> Wait {
        loop {
            if let Some(r) = self.ready.remove(&index) {
                return Wait::Ready(Box::new(r));
            }
            match self.rx.recv_timeout(WAIT) {
                Ok((i, r)) => {
                    self.ready.insert(i, r);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.shared.live.load(Ordering::Acquire) == 0 {
                        return Wait::Gone;
                    }
                    let progress = Progress {
                        executions: 0,
                        bound: 0,
                        findings: 0,
                    };
                    if !poll(&progress) {
                        return Wait::Stopped;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Wait::Gone,
            }
        }
    }
}
