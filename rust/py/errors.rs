//! The single mapping from `CoreError` to Python exceptions (defined in `pyfuzz.errors`).

use crate::error::CoreError;
use pyo3::import_exception;
use pyo3::PyErr;

import_exception!(pyfuzz.errors, IrError);
import_exception!(pyfuzz.errors, ScenarioError);
import_exception!(pyfuzz.errors, TraceFormatError);
import_exception!(pyfuzz.errors, UsageError);

/// Converts a core error into the matching `pyfuzz.errors` exception.
pub fn to_py(e: CoreError) -> PyErr {
    match e {
        CoreError::InvalidIr(_) => IrError::new_err(e.to_string()),
        CoreError::BootFailed(_) => ScenarioError::new_err(e.to_string()),
        CoreError::InvalidRequest(_) => TraceFormatError::new_err(e.to_string()),
        CoreError::UnknownName(_) => UsageError::new_err(e.to_string()),
    }
}
