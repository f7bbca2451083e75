//! pyfuzz core: a deterministic interpreter for driver models over a model of the Linux
//! driver core, with schedulers and kernel-style oracles.
//!
//! Module map: `ir` (the IR and its validating loader), `limits` (size limits), `cov` (model-state coverage counters
//! for libFuzzer; the only module with `unsafe` code), `world` (the model heap), `exec`
//! (threads, the step loop), `prims` (the primitive table and one module per family), `oracle` (findings, lockdep, wait-for cycles,
//! leaks, report rendering), `sched` (deciders: bytes, random, PCT, POS, replay, DFS),
//! `runner` (batches, verify), `sweep` (verify over workloads, smallest first), `outcome` (what a run returns), `py` (the pyo3 module,
//! feature "python" only).

pub mod cov;
pub mod error;
pub mod exec;
pub mod ir;
pub mod limits;
pub mod oracle;
pub mod outcome;
pub mod prims;
pub mod rng;
pub mod runner;
pub mod sched;
pub mod sweep;
pub mod sweep_parallel;
pub mod world;

#[cfg(feature = "python")]
mod py;

pub use error::{CoreError, CoreResult};
pub use exec::{Execution, RunStatus};
pub use ir::{load_program, Program};
pub use outcome::Outcome;
