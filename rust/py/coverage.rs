//! The Python face of the libFuzzer counter region (`crate::cov`): registration with the
//! addresses the Python side resolved, and the figures the campaign's progress line shows.

use crate::cov::sancov;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Registers the model-state counters with libFuzzer (once per process). The arguments are
/// the addresses of `__sanitizer_cov_8bit_counters_init` and `__sanitizer_cov_pcs_init`.
/// Returns True when this call registered them, False when they already were.
#[pyfunction]
pub fn register_coverage(counters_init: usize, pcs_init: usize) -> PyResult<bool> {
    sancov::register(counters_init, pcs_init).map_err(PyRuntimeError::new_err)
}

/// Whether the counters have been registered with libFuzzer in this process.
#[pyfunction]
pub fn coverage_registered() -> bool {
    sancov::registered()
}

/// Model feature slots hit at least once in this process.
#[pyfunction]
pub fn coverage_seen() -> u64 {
    sancov::seen()
}

/// Counters that are non-zero right now (those of the last run, under libFuzzer).
#[pyfunction]
pub fn coverage_live() -> u64 {
    sancov::live()
}
