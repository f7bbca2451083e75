//! The pyo3 module `pyfuzz._core`: the only place that touches Python. Compiles an IR program
//! once (`Program`), and runs executions with the GIL released: from bytes, in batches, as a
//! replay, or as bounded exhaustive search. Errors map to Python exceptions in `errors`.

mod coverage;
mod errors;
mod program;
mod types;
mod watch;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let oracles: Vec<&str> = crate::oracle::Kind::ALL.iter().map(|k| k.name()).collect();
    m.add("ORACLES", pyo3::types::PyTuple::new(m.py(), oracles)?)?;
    m.add("COVERAGE_COUNTERS", crate::cov::sancov::COUNTERS)?;
    let limits = pyo3::types::PyDict::new(m.py());
    for (name, value) in crate::limits::ALL {
        limits.set_item(name, value)?;
    }
    m.add("LIMITS", limits)?;
    let strategies: Vec<&str> = crate::sched::registry::STRATEGIES
        .iter()
        .map(|s| s.0)
        .collect();
    m.add("STRATEGIES", pyo3::types::PyTuple::new(m.py(), strategies)?)?;
    let prims = crate::prims::Prim::ALL
        .iter()
        .map(|p| (p.name(), p.arity(), p.reach().name(), p.family(), p.doc()));
    m.add("PRIMITIVES", pyo3::types::PyTuple::new(m.py(), prims)?)?;
    m.add_function(wrap_pyfunction!(coverage::register_coverage, m)?)?;
    m.add_function(wrap_pyfunction!(coverage::coverage_registered, m)?)?;
    m.add_function(wrap_pyfunction!(coverage::coverage_seen, m)?)?;
    m.add_function(wrap_pyfunction!(coverage::coverage_live, m)?)?;
    // The exception a Rust panic surfaces as, so that callers can tell an internal error
    // from everything else (the CLI maps it to exit code 3).
    m.add(
        "PanicException",
        m.py().get_type::<pyo3::panic::PanicException>(),
    )?;
    m.add_class::<program::PyProgram>()?;
    m.add_class::<types::PyOutcome>()?;
    m.add_class::<types::PyFinding>()?;
    m.add_class::<types::PyBatch>()?;
    m.add_class::<types::PyVerify>()?;
    Ok(())
}
