//! Watching a long batch or search from Python while it runs without the GIL: every
//! `runner::POLL_EVERY` executions the core calls `Watch::poll`, which takes the GIL for a
//! moment to run Python's pending signal handlers (Ctrl-C raises `KeyboardInterrupt`, the
//! CLI's SIGTERM handler raises `Terminated`) and, at most a few times a second, the caller's
//! progress callback. A raised exception stops the run; `finish` then either marks the
//! partial result interrupted or passes the exception on.

use super::errors::interruption;
use crate::runner::Progress;
use pyo3::prelude::*;
use std::time::{Duration, Instant};

/// Seconds between two progress callbacks.
const PROGRESS_PERIOD: Duration = Duration::from_millis(250);

/// The poll state of one call.
pub struct Watch {
    progress: Option<Py<PyAny>>,
    last: Instant,
    error: Option<PyErr>,
}

impl Watch {
    /// A watch that calls `progress(executions, bound, findings)` periodically, if given.
    pub fn new(progress: Option<Py<PyAny>>) -> Watch {
        Watch {
            progress,
            last: Instant::now(),
            error: None,
        }
    }

    /// The core's poll callback: false stops the run, and every later call says so too (a
    /// signal is taken once; a sweep asks again after the search that saw it).
    pub fn poll(&mut self, p: &Progress) -> bool {
        if self.error.is_some() {
            return false;
        }
        Python::attach(|py| {
            if let Err(e) = py.check_signals() {
                self.error = Some(e);
                return false;
            }
            if let Some(cb) = &self.progress {
                if self.last.elapsed() >= PROGRESS_PERIOD {
                    self.last = Instant::now();
                    if let Err(e) = cb.call1(py, (p.executions, p.bound, p.findings)) {
                        self.error = Some(e);
                        return false;
                    }
                }
            }
            true
        })
    }

    /// After the run: the interrupting signal's name when the run was stopped by Ctrl-C or
    /// SIGTERM and the caller wants the partial result (`interruptible`); the exception
    /// itself otherwise.
    pub fn finish(self, py: Python<'_>, interruptible: bool) -> PyResult<Option<String>> {
        match self.error {
            None => Ok(None),
            Some(e) => match interruption(py, &e) {
                Some(signal) if interruptible => Ok(Some(signal.to_owned())),
                _ => Err(e),
            },
        }
    }
}
