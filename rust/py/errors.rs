//! The single mapping from `CoreError` to Python exceptions (defined in `pyfuzz.errors`).

use crate::error::CoreError;
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::import_exception;
use pyo3::{PyErr, Python};

import_exception!(pyfuzz.errors, IrError);
import_exception!(pyfuzz.errors, ScenarioError);
import_exception!(pyfuzz.errors, TraceFormatError);
import_exception!(pyfuzz.errors, UsageError);
import_exception!(pyfuzz.errors, Terminated);

/// The signal behind `e` when it is the exception Python raises for Ctrl-C
/// (`KeyboardInterrupt`) or the one pyfuzz's SIGTERM handler raises (`Terminated`).
pub fn interruption(py: Python<'_>, e: &PyErr) -> Option<&'static str> {
    if e.is_instance_of::<PyKeyboardInterrupt>(py) {
        Some("SIGINT")
    } else if e.is_instance_of::<Terminated>(py) {
        Some("SIGTERM")
    } else {
        None
    }
}

/// Converts a core error into the matching `pyfuzz.errors` exception.
pub fn to_py(e: CoreError) -> PyErr {
    match e {
        CoreError::InvalidIr(_) => IrError::new_err(e.to_string()),
        CoreError::BootFailed(_) => ScenarioError::new_err(e.to_string()),
        CoreError::InvalidRequest(_) => TraceFormatError::new_err(e.to_string()),
        CoreError::UnknownName(_) => UsageError::new_err(e.to_string()),
    }
}
