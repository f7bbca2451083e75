//! Fault injection's part of the IR (`config.fault_injection`, docs/ir.md "Fault
//! injection"): which calls may be failed and what a failed call returns. The compiler
//! resolves the scenario's switch into this plain table (the driver's files, whose `alloc`
//! instructions are kzalloc calls that may return NULL, and the kernel library functions a
//! driver call of which may return an error instead of running, and the driver's kzalloc
//! calls that are the allocation of a managed allocator, `devm_kzalloc(dev, kzalloc(T,
//! gfp))`, which fail as that allocator); this module validates it. With fault injection off
//! the key is absent and nothing here exists.

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
    /// Not a fault attribute: a fatal signal (SIGKILL, or a signal whose default action
    /// kills, which complete_signal turns into one) pending for the task in a killable wait,
    /// which then fails with -EINTR. The kernel logs nothing.
    FatalSignal,
}

impl Attr {
    /// The debugfs directory name the kernel prints.
    pub fn name(self) -> &'static str {
        match self {
            Attr::Failslab => "failslab",
            Attr::FailFunction => "fail_function",
            Attr::FatalSignal => "signal",
        }
    }

    fn parse(s: &str) -> Option<Attr> {
        match s {
            "failslab" => Some(Attr::Failslab),
            "fail_function" => Some(Attr::FailFunction),
            "signal" => Some(Attr::FatalSignal),
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

/// A driver `alloc` instruction that is the allocation of a kernel allocator the model
/// cannot express with a type argument (`devm_kzalloc(dev, kzalloc(T, gfp))`): when it
/// fails, the failure is reported as that allocator's (its name, its kernel frames).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocSite {
    pub func: u32,
    pub pc: u32,
    /// The allocator the driver called (`devm_kzalloc`).
    pub call: String,
    /// Kernel frames between should_failslab and the driver's frame, innermost first
    /// (`__kmalloc_node_track_caller_noprof`, `devm_kmalloc`).
    pub frames: Vec<String>,
}

/// A primitive a driver call of which may fail (`kthread_run`): it returns `ret` without
/// running, reported under `attr` with the kernel frames between should_fail_ex's caller
/// (or, for a fatal signal, the killable wait) and the driver, innermost first. A primitive
/// may be listed more than once: each entry is one failable point of a call, in the order
/// the kernel reaches them (kthread_run's kmalloc, then its killable wait for kthreadd).
#[derive(Clone, Debug)]
pub struct FailPrim {
    pub prim: crate::prims::Prim,
    pub ret: ConstArg,
    pub attr: Attr,
    pub frames: Vec<String>,
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
    /// Allocation sites of managed allocators, sorted by (func, pc).
    pub alloc_sites: Vec<AllocSite>,
    /// The failable primitives.
    pub prims: Vec<FailPrim>,
}

impl Faults {
    /// The managed allocator whose allocation the `alloc` at (func, pc) is, if any.
    pub fn alloc_site(&self, func: u32, pc: u32) -> Option<&AllocSite> {
        self.alloc_sites
            .binary_search_by_key(&(func, pc), |s| (s.func, s.pc))
            .ok()
            .map(|i| &self.alloc_sites[i])
    }

    /// How a driver call of primitive `p` may fail, each failable point in order.
    pub fn prim(&self, p: crate::prims::Prim) -> impl Iterator<Item = &FailPrim> {
        self.prims.iter().filter(move |f| f.prim == p)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFaults {
    #[serde(default)]
    pub alloc: bool,
    pub driver_files: Vec<u32>,
    #[serde(default)]
    pub calls: Vec<RawFailCall>,
    #[serde(default)]
    pub allocs: Vec<RawAllocSite>,
    #[serde(default)]
    pub prims: Vec<RawFailPrim>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFailPrim {
    pub name: String,
    pub ret: Json,
    pub attr: String,
    #[serde(default)]
    pub frames: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAllocSite {
    pub func: u32,
    pub pc: u32,
    pub call: String,
    #[serde(default)]
    pub frames: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFailCall {
    pub func: u32,
    pub ret: Json,
    pub attr: String,
}

/// Validates the raw table against the program's files and functions; `is_alloc(func, pc)`
/// says whether that instruction exists and is an `alloc`.
pub(crate) fn load_faults(
    raw: &RawFaults,
    nfiles: usize,
    nfuncs: usize,
    is_alloc: impl Fn(u32, u32) -> bool,
) -> Result<Faults, String> {
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
        let (ret, attr) = (return_value(&c.ret)?, attribute(&c.attr)?);
        *slot = Some(FailCall { ret, attr });
    }
    let mut prims = Vec::with_capacity(raw.prims.len());
    for p in &raw.prims {
        let prim = crate::prims::Prim::from_name(&p.name)
            .ok_or_else(|| format!("fault_injection: unknown primitive '{}'", p.name))?;
        let (ret, attr) = (return_value(&p.ret)?, attribute(&p.attr)?);
        let frames = p.frames.clone();
        prims.push(FailPrim {
            prim,
            ret,
            attr,
            frames,
        });
    }
    let mut alloc_sites = Vec::with_capacity(raw.allocs.len());
    for a in &raw.allocs {
        if !is_alloc(a.func, a.pc) {
            return Err(format!(
                "fault_injection: allocs entry {}:{} is not an alloc instruction",
                a.func, a.pc
            ));
        }
        if a.call.is_empty() {
            return Err("fault_injection: an allocs entry has no call name".into());
        }
        alloc_sites.push(AllocSite {
            func: a.func,
            pc: a.pc,
            call: a.call.clone(),
            frames: a.frames.clone(),
        });
    }
    alloc_sites.sort_by_key(|s| (s.func, s.pc));
    alloc_sites.dedup_by_key(|s| (s.func, s.pc));
    Ok(Faults {
        alloc: raw.alloc,
        driver_file,
        call,
        alloc_sites,
        prims,
    })
}

fn return_value(j: &Json) -> Result<ConstArg, String> {
    match j {
        Json::Null => Ok(ConstArg::Null),
        j => match j.get("int").and_then(Json::as_i64) {
            Some(v) if j.as_object().is_some_and(|o| o.len() == 1) => Ok(ConstArg::Int(v)),
            _ => Err(format!("fault_injection: bad return value {j}")),
        },
    }
}

fn attribute(s: &str) -> Result<Attr, String> {
    Attr::parse(s).ok_or_else(|| format!("fault_injection: unknown attribute '{s}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(j: &str) -> Result<Faults, String> {
        load_faults(&serde_json::from_str(j).unwrap(), 2, 3, |f, pc| {
            (f, pc) == (1, 4)
        })
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

    #[test]
    fn alloc_sites_must_name_an_alloc_instruction() {
        let f = parse(
            r#"{"driver_files": [], "allocs": [{"func": 1, "pc": 4, "call": "devm_kzalloc",
                "frames": ["__kmalloc_node_track_caller_noprof", "devm_kmalloc"]}]}"#,
        )
        .unwrap();
        let site = f.alloc_site(1, 4).expect("listed");
        assert_eq!(site.call, "devm_kzalloc");
        assert_eq!(site.frames.len(), 2);
        assert!(f.alloc_site(1, 3).is_none());
        let not_alloc = r#"{"driver_files": [], "allocs": [{"func": 1, "pc": 3, "call": "x"}]}"#;
        assert!(parse(not_alloc).is_err());
        let no_name = r#"{"driver_files": [], "allocs": [{"func": 1, "pc": 4, "call": ""}]}"#;
        assert!(parse(no_name).is_err());
    }

    #[test]
    fn failable_primitives_are_named_by_the_table() {
        let f = parse(
            r#"{"driver_files": [], "prims": [{"name": "kthread_run", "ret": {"int": -12},
                "attr": "failslab", "frames": ["__kmalloc_cache_noprof"]}]}"#,
        )
        .unwrap();
        let p = f
            .prim(crate::prims::Prim::KthreadRun)
            .next()
            .expect("listed");
        assert!(matches!(p.ret, ConstArg::Int(-12)) && p.attr == Attr::Failslab);
        assert!(f.prim(crate::prims::Prim::KthreadStop).next().is_none());
        let both = parse(
            r#"{"driver_files": [], "prims": [
                {"name": "kthread_run", "ret": {"int": -12}, "attr": "failslab"},
                {"name": "kthread_run", "ret": {"int": -4}, "attr": "signal"}]}"#,
        )
        .unwrap();
        let attrs: Vec<Attr> = both
            .prim(crate::prims::Prim::KthreadRun)
            .map(|p| p.attr)
            .collect();
        assert_eq!(attrs, [Attr::Failslab, Attr::FatalSignal]);
        let unknown = r#"{"driver_files": [], "prims": [{"name": "nope", "ret": null,
            "attr": "failslab"}]}"#;
        assert!(parse(unknown).is_err());
    }
}
