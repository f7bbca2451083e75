//! Validates a raw IR document and converts it into a `Program`.
//!
//! Every index (function, struct, string, global, file, register, jump target) is checked
//! here, once, so the interpreter can index without bounds surprises. Errors name the
//! function and instruction position; this module never panics on malformed input.

use super::program::*;
use super::raw::*;
use crate::error::{CoreError, CoreResult};
use serde_json::Value as Json;

use crate::limits::{MAX_ACTIONS, MAX_ACTORS, MAX_ARRAY_LEN};

pub(super) fn bad<T>(msg: impl Into<String>) -> CoreResult<T> {
    Err(CoreError::InvalidIr(msg.into()))
}

/// Parses and validates IR bytes (JSON, docs/ir.md) into a `Program`.
pub fn load_program(bytes: &[u8]) -> CoreResult<Program> {
    let raw: RawProgram = serde_json::from_slice(bytes)
        .map_err(|e| CoreError::InvalidIr(format!("not an IR document: {e}")))?;
    if raw.version != 1 {
        return bad(format!(
            "unsupported IR version {} (expected 1)",
            raw.version
        ));
    }
    if raw.files.is_empty() {
        return bad("no source files listed");
    }
    let structs = load_structs(&raw)?;
    check_embedding_acyclic(&structs)?;
    let mut lock_classes = Vec::new();
    let mut structs = structs;
    for s in structs.iter_mut() {
        for f in s.fields.iter_mut() {
            // One class per field, as the kernel keys a class by its init site: every
            // element of a lock array shares the class `&s->f[i]`.
            let (kind, suffix) = match f.ty {
                FieldType::Prim(k) => (k, ""),
                FieldType::Array {
                    elem: ElemType::Prim(k),
                    ..
                } => (k, "[i]"),
                _ => continue,
            };
            if kind.is_lock() {
                f.lock_class = lock_classes.len() as u32;
                lock_classes.push(LockClass {
                    name: format!("&{}->{}{suffix}", s.name, f.name),
                    kind,
                });
            }
        }
    }
    let nstr = raw.strings.len();
    let mut field_index = vec![NO_FIELD; structs.len() * nstr];
    for (si, s) in structs.iter().enumerate() {
        for (fi, f) in s.fields.iter().enumerate() {
            if let Some(name_id) = raw.strings.iter().position(|x| x == &f.name) {
                field_index[si * nstr + name_id] = fi as u16;
            }
        }
    }
    // A field name that is embedded in every struct declaring it loads as `AddrOf`.
    let mut embedded_name = vec![false; nstr];
    for (name_id, flag) in embedded_name.iter_mut().enumerate() {
        let mut any = false;
        let mut all = true;
        for s in &structs {
            if let Some(f) = s.fields.iter().find(|f| f.name == raw.strings[name_id]) {
                any = true;
                all &= f.ty.is_embedded();
            }
        }
        *flag = any && all;
    }
    let ctx = Ctx {
        embedded_name,
        nfuncs: raw.functions.len(),
        nstructs: structs.len(),
        nstrings: nstr,
        nglobals: raw.globals.len(),
        params: raw.functions.iter().map(|f| f.params).collect(),
    };
    let mut args = Vec::new();
    let mut functions = Vec::with_capacity(raw.functions.len());
    for (fi, f) in raw.functions.iter().enumerate() {
        functions.push(super::decode::load_function(&ctx, fi, f, &raw, &mut args)?);
    }
    let mut globals = Vec::new();
    let mut global_names = Vec::new();
    for g in &raw.globals {
        if g.struct_id as usize >= structs.len() {
            return bad(format!(
                "global '{}': unknown struct {}",
                g.name, g.struct_id
            ));
        }
        globals.push(g.struct_id);
        global_names.push(g.name.clone());
    }
    for &b in &raw.boot {
        let f = functions
            .get(b as usize)
            .ok_or_else(|| CoreError::InvalidIr(format!("boot: unknown function {b}")))?;
        if f.params != 0 {
            return bad(format!(
                "boot function '{}' must take no parameters",
                f.name
            ));
        }
    }
    let actors = load_actors(&ctx, &raw, &functions)?;
    let config = Config {
        lockdep: raw.config.lockdep.unwrap_or(true),
        max_steps: raw.config.max_steps.unwrap_or(Config::default().max_steps),
        soft_lockup_steps: raw
            .config
            .soft_lockup_steps
            .unwrap_or(Config::default().soft_lockup_steps),
        heap_objects: raw
            .config
            .heap_objects
            .unwrap_or(Config::default().heap_objects),
        heap_bytes: raw
            .config
            .heap_bytes
            .unwrap_or(Config::default().heap_bytes),
        kasan_old_names: raw.config.kasan_old_names.unwrap_or(false),
    };
    if config.max_steps == 0 {
        return bad("config.max_steps must be positive");
    }
    if config.soft_lockup_steps == 0 || config.heap_objects == 0 || config.heap_bytes == 0 {
        return bad("config soft_lockup_steps, heap_objects and heap_bytes must be positive");
    }
    let faults = match &raw.config.fault_injection {
        Some(f) => Some(
            super::faults::load_faults(f, raw.files.len(), functions.len(), |func, pc| {
                functions
                    .get(func as usize)
                    .and_then(|fun| fun.code.get(pc as usize))
                    .is_some_and(|i| matches!(i, Instr::Alloc { .. }))
            })
            .map_err(CoreError::InvalidIr)?,
        ),
        None => None,
    };
    super::managed::mark_frameless(&raw.files, &mut functions);
    let managed_allocs = super::managed::managed_allocs(&raw.files, &functions, &args);
    Ok(Program {
        faults,
        managed_allocs,
        name: raw.name,
        variant: raw.variant,
        files: raw.files,
        strings: raw.strings,
        structs,
        functions,
        globals,
        global_names,
        boot: raw.boot,
        actors,
        config,
        lock_classes,
        args,
        field_index,
    })
}

pub(super) struct Ctx {
    pub(super) embedded_name: Vec<bool>,
    pub(super) nfuncs: usize,
    pub(super) nstructs: usize,
    pub(super) nstrings: usize,
    pub(super) nglobals: usize,
    pub(super) params: Vec<u32>,
}

fn load_structs(raw: &RawProgram) -> CoreResult<Vec<StructDecl>> {
    let n = raw.structs.len();
    let mut out = Vec::with_capacity(n);
    for s in &raw.structs {
        if s.file as usize >= raw.files.len() {
            return bad(format!("struct '{}': unknown file {}", s.name, s.file));
        }
        let mut fields = Vec::with_capacity(s.fields.len());
        for f in &s.fields {
            if fields.iter().any(|x: &Field| x.name == f.name) {
                return bad(format!("struct '{}': duplicate field '{}'", s.name, f.name));
            }
            let ty = field_type(&f.ty, n).map_err(|m| {
                CoreError::InvalidIr(format!("struct '{}'.{}: {m}", s.name, f.name))
            })?;
            fields.push(Field {
                name: f.name.clone(),
                ty,
                lock_class: u32::MAX,
            });
        }
        if fields.len() > 4096 {
            return bad(format!("struct '{}' has too many fields", s.name));
        }
        out.push(StructDecl {
            name: s.name.clone(),
            file: s.file,
            line: s.line,
            fields,
        });
    }
    Ok(out)
}

fn field_type(j: &Json, nstructs: usize) -> Result<FieldType, String> {
    if let Some(s) = j.as_str() {
        return Ok(match s {
            "int" => FieldType::Int,
            "func" => FieldType::Func,
            other => match prim_kind(other) {
                Some(k) => FieldType::Prim(k),
                None => return Err(format!("unknown field type '{other}'")),
            },
        });
    }
    let obj = j
        .as_object()
        .ok_or("field type must be a string or an object")?;
    if let Some(r) = obj.get("ref") {
        if r.is_null() {
            return Ok(FieldType::Ref);
        }
        let id = r.as_u64().ok_or("ref target must be a struct id or null")?;
        if id as usize >= nstructs {
            return Err(format!("ref to unknown struct {id}"));
        }
        return Ok(FieldType::Ref);
    }
    if let Some(e) = obj.get("embed") {
        let id = e.as_u64().ok_or("embed must be a struct id")?;
        if id as usize >= nstructs {
            return Err(format!("embed of unknown struct {id}"));
        }
        return Ok(FieldType::Embed(id as u32));
    }
    if let Some(a) = obj.get("array") {
        let elem = match a.as_str() {
            Some("int") => ElemType::Int,
            Some("ref") => ElemType::Ref,
            Some("func") => ElemType::Func,
            other => match other.and_then(prim_kind) {
                Some(k) => ElemType::Prim(k),
                None => return Err("array element must be int, ref, func or a primitive".into()),
            },
        };
        let len = obj
            .get("len")
            .and_then(Json::as_u64)
            .ok_or("array needs an integer len")?;
        if len == 0 || len > MAX_ARRAY_LEN {
            return Err(format!("array len {len} out of range 1..={MAX_ARRAY_LEN}"));
        }
        return Ok(FieldType::Array {
            elem,
            len: len as u32,
        });
    }
    Err("unknown field type object".into())
}

/// The object kind of an embedded primitive's IR type name (`"mutex"`, ...).
fn prim_kind(name: &str) -> Option<ObjKind> {
    Some(match name {
        "mutex" => ObjKind::Mutex,
        "spinlock" => ObjKind::Spinlock,
        "rwsem" => ObjKind::RwSem,
        "completion" => ObjKind::Completion,
        "waitqueue" => ObjKind::WaitQueue,
        "list" => ObjKind::List,
        "kref" => ObjKind::Kref,
        "work" => ObjKind::Work,
        _ => return None,
    })
}

fn check_embedding_acyclic(structs: &[StructDecl]) -> CoreResult<()> {
    // 0 = unvisited, 1 = on stack, 2 = done
    fn visit(s: usize, structs: &[StructDecl], state: &mut [u8]) -> Result<(), String> {
        match state[s] {
            1 => return Err(structs[s].name.clone()),
            2 => return Ok(()),
            _ => {}
        }
        state[s] = 1;
        for f in &structs[s].fields {
            if let FieldType::Embed(t) = f.ty {
                visit(t as usize, structs, state)?;
            }
        }
        state[s] = 2;
        Ok(())
    }
    let mut state = vec![0u8; structs.len()];
    for s in 0..structs.len() {
        visit(s, structs, &mut state)
            .map_err(|n| CoreError::InvalidIr(format!("struct '{n}' embeds itself")))?;
    }
    Ok(())
}

fn load_actors(ctx: &Ctx, raw: &RawProgram, functions: &[Function]) -> CoreResult<Vec<ActorDecl>> {
    if raw.threads.is_empty() {
        return bad("the scenario declares no threads or actors");
    }
    if raw.threads.len() > MAX_ACTORS {
        return bad(format!("at most {MAX_ACTORS} actors"));
    }
    let mut out = Vec::new();
    for t in &raw.threads {
        let context = match t.context.as_str() {
            "process" => Context::Process,
            "hardirq" => Context::HardIrq,
            "softirq" => Context::SoftIrq,
            "work" => Context::Work,
            other => return bad(format!("actor '{}': unknown context '{other}'", t.name)),
        };
        if t.actions.is_empty() {
            return bad(format!("actor '{}' has no actions", t.name));
        }
        if t.min > t.max || !(1..=MAX_ACTIONS).contains(&t.max) {
            return bad(format!(
                "actor '{}': bad min/max {}..{}",
                t.name, t.min, t.max
            ));
        }
        let dl = t.default.len() as u32;
        if dl < t.min || dl > t.max {
            return bad(format!(
                "actor '{}': default workload has {dl} actions, outside {}..={}",
                t.name, t.min, t.max
            ));
        }
        if let Some(&d) = t.default.iter().find(|&&d| d as usize >= t.actions.len()) {
            return bad(format!(
                "actor '{}': default action {d} does not exist",
                t.name
            ));
        }
        let mut actions = Vec::new();
        for a in &t.actions {
            if a.func as usize >= ctx.nfuncs {
                return bad(format!("actor '{}': unknown function {}", t.name, a.func));
            }
            let f = &functions[a.func as usize];
            if a.args.len() as u32 != f.params {
                return bad(format!(
                    "actor '{}': action '{}' passes {} arguments, it takes {}",
                    t.name,
                    f.name,
                    a.args.len(),
                    f.params
                ));
            }
            let mut args = Vec::new();
            for j in &a.args {
                args.push(const_arg(j, ctx).map_err(|m| {
                    CoreError::InvalidIr(format!("actor '{}' action '{}': {m}", t.name, f.name))
                })?);
            }
            actions.push(ActionDecl {
                name: if a.name.is_empty() {
                    f.name.clone()
                } else {
                    a.name.clone()
                },
                func: a.func,
                args,
            });
        }
        out.push(ActorDecl {
            name: t.name.clone(),
            context,
            daemon: t.daemon,
            actions,
            default: t.default.clone(),
            min: t.min,
            max: t.max,
            optional: t.optional,
        });
    }
    Ok(out)
}

fn const_arg(j: &Json, ctx: &Ctx) -> Result<ConstArg, String> {
    if j.is_null() {
        return Ok(ConstArg::Null);
    }
    let obj = j.as_object().ok_or("argument must be null or an object")?;
    let (k, v) = obj.iter().next().ok_or("empty argument object")?;
    if obj.len() != 1 {
        return Err("argument object must have one key".into());
    }
    let idx = |bound: usize| -> Result<u32, String> {
        match v.as_u64() {
            Some(i) if (i as usize) < bound => Ok(i as u32),
            _ => Err(format!("bad {k} argument {v}")),
        }
    };
    Ok(match k.as_str() {
        "int" => ConstArg::Int(v.as_i64().ok_or("int argument must fit in 64 bits")?),
        "global" => ConstArg::Global(idx(ctx.nglobals)?),
        "func" => ConstArg::Func(idx(ctx.nfuncs)?),
        "str" => ConstArg::Str(idx(ctx.nstrings)?),
        other => return Err(format!("unknown argument kind '{other}'")),
    })
}
