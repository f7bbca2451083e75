//! Fault injection's part of the IR (`config.fault_injection`, docs/ir.md "Fault
//! injection"): which calls may be failed and what a failed call returns. The compiler
//! resolves the scenario's switch into this plain table (the driver's files, whose `alloc`
//! instructions are kzalloc calls that may return NULL, and the kernel library functions a
//! driver call of which may return an error instead of running); this module validates it.
//! With fault injection off the key is absent and nothing here exists.

use super::program::ConstArg;
use serde::Deserialize;
use serde_json::Value as Json;

/// The kernel fault attribute a failure is reported under (`name %pd` in fail_dump).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    /// mm/failslab.c: a slab allocation (kmalloc, kzalloc, and the calls that fail
    /// because one of their allocations did).
    Failslab,
    /// kernel/fail_function.c: an error return injected into a whole function.
    FailFunction,
}

impl Attr {
    /// The debugfs directory name the kernel prints.
    pub fn name(self) -> &'static str {
        match self {
            Attr::Failslab => "failslab",
            Attr::FailFunction => "fail_function",
        }
    }

    fn parse(s: &str) -> Option<Attr> {
        match s {
            "failslab" => Some(Attr::Failslab),
            "fail_function" => Some(Attr::FailFunction),
            _ => None,
        }
    }
}

/// What a failed call of a library function returns instead of running.
#[derive(Clone, Copy, Debug)]
pub struct FailCall {
    pub ret: ConstArg,
    pub attr: Attr,
}

/// The validated fault-injection table.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Whether the driver's `alloc` instructions (kzalloc) may fail.
    pub alloc: bool,
    /// By file id: the file holds driver code (its calls and allocations are failable).
    pub driver_file: Vec<bool>,
    /// By function id: a call of it from driver code may fail, returning `ret`.
    pub call: Vec<Option<FailCall>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFaults {
    #[serde(default)]
    pub alloc: bool,
    pub driver_files: Vec<u32>,
    #[serde(default)]
    pub calls: Vec<RawFailCall>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFailCall {
    pub func: u32,
    pub ret: Json,
    pub attr: String,
}

/// Validates the raw table against the program's files and functions.
pub(crate) fn load_faults(raw: &RawFaults, nfiles: usize, nfuncs: usize) -> Result<Faults, String> {
    let mut driver_file = vec![false; nfiles];
    for &f in &raw.driver_files {
        *driver_file
            .get_mut(f as usize)
            .ok_or_else(|| format!("fault_injection: unknown file {f}"))? = true;
    }
    let mut call = vec![None; nfuncs];
    for c in &raw.calls {
        let slot = call
            .get_mut(c.func as usize)
            .ok_or_else(|| format!("fault_injection: unknown function {}", c.func))?;
        let ret = match &c.ret {
            Json::Null => ConstArg::Null,
            j => match j.get("int").and_then(Json::as_i64) {
                Some(v) if j.as_object().is_some_and(|o| o.len() == 1) => ConstArg::Int(v),
                _ => return Err(format!("fault_injection: bad return value {j}")),
            },
        };
        let attr = Attr::parse(&c.attr)
            .ok_or_else(|| format!("fault_injection: unknown attribute '{}'", c.attr))?;
        *slot = Some(FailCall { ret, attr });
    }
    Ok(Faults {
        alloc: raw.alloc,
        driver_file,
        call,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(j: &str) -> Result<Faults, String> {
        load_faults(&serde_json::from_str(j).unwrap(), 2, 3)
    }

    #[test]
    fn a_table_loads_and_bad_indices_or_values_are_refused() {
        let f = parse(
            r#"{"alloc": true, "driver_files": [1],
                "calls": [{"func": 2, "ret": {"int": -12}, "attr": "failslab"}]}"#,
        )
        .unwrap();
        assert!(f.alloc && !f.driver_file[0] && f.driver_file[1]);
        assert!(matches!(
            f.call[2],
            Some(FailCall {
                ret: ConstArg::Int(-12),
                attr: Attr::Failslab
            })
        ));
        assert!(parse(r#"{"driver_files": [2]}"#).is_err());
        let bad_ret =
            r#"{"driver_files": [], "calls": [{"func": 0, "ret": 3, "attr": "failslab"}]}"#;
        assert!(parse(bad_ret).is_err());
        let bad_attr = r#"{"driver_files": [], "calls": [{"func": 0, "ret": null, "attr": "x"}]}"#;
        assert!(parse(bad_attr).is_err());
    }
}
