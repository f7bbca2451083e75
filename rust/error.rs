//! Errors of the core: everything that means "this input cannot be used".
//!
//! Findings are not errors (they are values on `Outcome`). A `CoreError` holds no pyo3 type;
//! `py::errors` is the single place that maps it to a Python exception.

use std::fmt;

/// An error raised by the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// The IR program is malformed; the message names the function and instruction.
    InvalidIr(String),
    /// A choice list that cannot be used.
    InvalidRequest(String),
    /// An unknown strategy, encoding or other name in a request.
    UnknownName(String),
    /// A finding or model error while running the boot functions: the scenario is broken.
    BootFailed(String),
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::InvalidIr(m) => write!(f, "invalid IR: {m}"),
            CoreError::InvalidRequest(m) | CoreError::UnknownName(m) => write!(f, "{m}"),
            CoreError::BootFailed(m) => write!(f, "scenario boot failed: {m}"),
        }
    }
}

impl std::error::Error for CoreError {}

/// Shorthand for results of the core.
pub type CoreResult<T> = Result<T, CoreError>;
