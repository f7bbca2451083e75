//! Validates a raw IR document and converts it into a `Program`.
//!
//! Every index (function, struct, string, global, file, register, jump target) is checked
//! here, once, so the interpreter can index without bounds surprises. Errors name the
//! function and instruction position; this module never panics on malformed input.

use super::prim::Prim;
use super::program::*;
use super::raw::*;
use crate::error::{CoreError, CoreResult};
use serde_json::Value as Json;

const MAX_ARRAY_LEN: u64 = 4096;
const MAX_LOCALS: u32 = 255;

fn bad<T>(msg: impl Into<String>) -> CoreResult<T> {
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
            if let FieldType::Prim(k) = f.ty {
                if k.is_lock() {
                    f.lock_class = lock_classes.len() as u32;
                    lock_classes.push(LockClass {
                        name: format!("&{}->{}", s.name, f.name),
                    });
                }
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
        functions.push(load_function(&ctx, fi, f, &raw, &mut args)?);
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
        kasan_old_names: raw.config.kasan_old_names.unwrap_or(false),
    };
    if config.max_steps == 0 {
        return bad("config.max_steps must be positive");
    }
    Ok(Program {
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

struct Ctx {
    embedded_name: Vec<bool>,
    nfuncs: usize,
    nstructs: usize,
    nstrings: usize,
    nglobals: usize,
    params: Vec<u32>,
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
            "mutex" => FieldType::Prim(ObjKind::Mutex),
            "spinlock" => FieldType::Prim(ObjKind::Spinlock),
            "rwsem" => FieldType::Prim(ObjKind::RwSem),
            "completion" => FieldType::Prim(ObjKind::Completion),
            "waitqueue" => FieldType::Prim(ObjKind::WaitQueue),
            "list" => FieldType::Prim(ObjKind::List),
            "kref" => FieldType::Prim(ObjKind::Kref),
            "work" => FieldType::Prim(ObjKind::Work),
            other => return Err(format!("unknown field type '{other}'")),
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
            _ => return Err("array element must be int, ref or func".into()),
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

struct InstrReader<'a> {
    arr: &'a [Json],
    fname: &'a str,
    pc: usize,
}

impl InstrReader<'_> {
    fn err<T>(&self, msg: impl std::fmt::Display) -> CoreResult<T> {
        bad(format!(
            "function '{}', instruction {}: {msg}",
            self.fname, self.pc
        ))
    }
    fn len(&self, n: usize) -> CoreResult<()> {
        if self.arr.len() != n {
            return self.err(format!(
                "expected {} operands, got {}",
                n - 1,
                self.arr.len() - 1
            ));
        }
        Ok(())
    }
    fn u64_at(&self, i: usize) -> CoreResult<u64> {
        match self.arr.get(i).and_then(Json::as_u64) {
            Some(v) => Ok(v),
            None => self.err(format!("operand {i} must be a non-negative integer")),
        }
    }
    fn reg(&self, i: usize, locals: u32) -> CoreResult<Reg> {
        let v = self.u64_at(i)?;
        if v >= locals as u64 {
            return self.err(format!("register {v} out of range (locals = {locals})"));
        }
        Ok(v as Reg)
    }
    fn idx(&self, i: usize, bound: usize, what: &str) -> CoreResult<u32> {
        let v = self.u64_at(i)?;
        if v >= bound as u64 {
            return self.err(format!("unknown {what} {v}"));
        }
        Ok(v as u32)
    }
    fn str_at(&self, i: usize) -> CoreResult<&str> {
        match self.arr.get(i).and_then(Json::as_str) {
            Some(s) => Ok(s),
            None => self.err(format!("operand {i} must be a string")),
        }
    }
    fn regs(&self, i: usize, locals: u32, args: &mut Vec<Reg>) -> CoreResult<Args> {
        let list = match self.arr.get(i).and_then(Json::as_array) {
            Some(l) => l,
            None => return self.err(format!("operand {i} must be a list of registers")),
        };
        if list.len() > 16 {
            return self.err("too many arguments (at most 16)");
        }
        let start = args.len() as u32;
        for a in list {
            match a.as_u64() {
                Some(r) if r < locals as u64 => args.push(r as Reg),
                _ => return self.err(format!("bad argument register {a}")),
            }
        }
        Ok(Args {
            start,
            len: list.len() as u8,
        })
    }
}

fn load_function(
    ctx: &Ctx,
    fi: usize,
    f: &RawFunction,
    raw: &RawProgram,
    args: &mut Vec<Reg>,
) -> CoreResult<Function> {
    if f.file as usize >= raw.files.len() {
        return bad(format!("function '{}': unknown file {}", f.name, f.file));
    }
    if f.locals > MAX_LOCALS || f.params > f.locals {
        return bad(format!(
            "function '{}': params {} / locals {} out of range",
            f.name, f.params, f.locals
        ));
    }
    if f.lines.len() != f.code.len() {
        return bad(format!(
            "function '{}': {} lines for {} instructions",
            f.name,
            f.lines.len(),
            f.code.len()
        ));
    }
    let locals = f.locals;
    let ncode = f.code.len();
    let mut code = Vec::with_capacity(ncode);
    for (pc, j) in f.code.iter().enumerate() {
        let arr = match j.as_array() {
            Some(a) if !a.is_empty() => a.as_slice(),
            _ => {
                return bad(format!(
                    "function '{}', instruction {pc}: not a non-empty list",
                    f.name
                ))
            }
        };
        let r = InstrReader {
            arr,
            fname: &f.name,
            pc,
        };
        let op = r.str_at(0)?;
        let target = |i: usize| -> CoreResult<u32> {
            let t = r.u64_at(i)?;
            if t > ncode as u64 {
                return r.err(format!("jump target {t} out of range"));
            }
            Ok(t as u32)
        };
        let instr = match op {
            "int" => {
                r.len(3)?;
                let v = match arr[2].as_i64() {
                    Some(v) => v,
                    None => return r.err("int constant must fit in 64 bits"),
                };
                Instr::Int {
                    d: r.reg(1, locals)?,
                    v,
                }
            }
            "null" => {
                r.len(2)?;
                Instr::Null {
                    d: r.reg(1, locals)?,
                }
            }
            "func" => {
                r.len(3)?;
                Instr::Func {
                    d: r.reg(1, locals)?,
                    f: r.idx(2, ctx.nfuncs, "function")?,
                }
            }
            "str" => {
                r.len(3)?;
                Instr::Str {
                    d: r.reg(1, locals)?,
                    s: r.idx(2, ctx.nstrings, "string")?,
                }
            }
            "global" => {
                r.len(3)?;
                Instr::Global {
                    d: r.reg(1, locals)?,
                    g: r.idx(2, ctx.nglobals, "global")?,
                }
            }
            "mov" => {
                r.len(3)?;
                Instr::Mov {
                    d: r.reg(1, locals)?,
                    a: r.reg(2, locals)?,
                }
            }
            "bin" => {
                r.len(5)?;
                let bop = match r.str_at(1)? {
                    "add" => BinOp::Add,
                    "sub" => BinOp::Sub,
                    "mul" => BinOp::Mul,
                    "div" => BinOp::Div,
                    "mod" => BinOp::Mod,
                    "and" => BinOp::And,
                    "or" => BinOp::Or,
                    "xor" => BinOp::Xor,
                    "shl" => BinOp::Shl,
                    "shr" => BinOp::Shr,
                    "eq" => BinOp::Eq,
                    "ne" => BinOp::Ne,
                    "lt" => BinOp::Lt,
                    "le" => BinOp::Le,
                    "gt" => BinOp::Gt,
                    "ge" => BinOp::Ge,
                    other => return r.err(format!("unknown binary operator '{other}'")),
                };
                Instr::Bin {
                    op: bop,
                    d: r.reg(2, locals)?,
                    a: r.reg(3, locals)?,
                    b: r.reg(4, locals)?,
                }
            }
            "un" => {
                r.len(4)?;
                let uop = match r.str_at(1)? {
                    "neg" => UnOp::Neg,
                    "not" => UnOp::Not,
                    "inv" => UnOp::Inv,
                    "bool" => UnOp::Bool,
                    other => return r.err(format!("unknown unary operator '{other}'")),
                };
                Instr::Un {
                    op: uop,
                    d: r.reg(2, locals)?,
                    a: r.reg(3, locals)?,
                }
            }
            "jmp" => {
                r.len(2)?;
                Instr::Jmp { t: target(1)? }
            }
            "jz" => {
                r.len(3)?;
                Instr::Jz {
                    a: r.reg(1, locals)?,
                    t: target(2)?,
                }
            }
            "jnz" => {
                r.len(3)?;
                Instr::Jnz {
                    a: r.reg(1, locals)?,
                    t: target(2)?,
                }
            }
            "call" => {
                r.len(4)?;
                let callee = r.idx(2, ctx.nfuncs, "function")?;
                let a = r.regs(3, locals, args)?;
                if a.len as u32 != ctx.params[callee as usize] {
                    return r.err(format!(
                        "call to '{}' with {} arguments, it takes {}",
                        raw.functions[callee as usize].name, a.len, ctx.params[callee as usize]
                    ));
                }
                Instr::Call {
                    d: r.reg(1, locals)?,
                    f: callee,
                    args: a,
                }
            }
            "icall" => {
                r.len(4)?;
                Instr::ICall {
                    d: r.reg(1, locals)?,
                    r: r.reg(2, locals)?,
                    args: r.regs(3, locals, args)?,
                }
            }
            "ret" => {
                r.len(2)?;
                Instr::Ret {
                    a: r.reg(1, locals)?,
                }
            }
            "retnone" => {
                r.len(1)?;
                Instr::RetNone
            }
            "assert" => {
                r.len(2)?;
                Instr::Assert {
                    a: r.reg(1, locals)?,
                }
            }
            "load" => {
                r.len(4)?;
                let (d, a) = (r.reg(1, locals)?, r.reg(2, locals)?);
                let name = r.idx(3, ctx.nstrings, "field name string")?;
                if ctx.embedded_name[name as usize] {
                    Instr::AddrOf { d, a, name }
                } else {
                    Instr::Load { d, a, name }
                }
            }
            "store" => {
                r.len(4)?;
                Instr::Store {
                    a: r.reg(1, locals)?,
                    name: r.idx(2, ctx.nstrings, "field name string")?,
                    b: r.reg(3, locals)?,
                }
            }
            "iload" => {
                r.len(4)?;
                Instr::ILoad {
                    d: r.reg(1, locals)?,
                    a: r.reg(2, locals)?,
                    i: r.reg(3, locals)?,
                }
            }
            "istore" => {
                r.len(4)?;
                Instr::IStore {
                    a: r.reg(1, locals)?,
                    i: r.reg(2, locals)?,
                    b: r.reg(3, locals)?,
                }
            }
            "alloc" => {
                r.len(4)?;
                Instr::Alloc {
                    d: r.reg(1, locals)?,
                    s: r.idx(2, ctx.nstructs, "struct")?,
                    g: r.reg(3, locals)?,
                }
            }
            "prim" => {
                r.len(4)?;
                let name = r.str_at(2)?;
                let p = match Prim::from_name(name) {
                    Some(p) => p,
                    None => return r.err(format!("unknown primitive '{name}'")),
                };
                let a = r.regs(3, locals, args)?;
                if a.len as usize != p.arity() {
                    return r.err(format!(
                        "primitive '{name}' takes {} arguments, got {}",
                        p.arity(),
                        a.len
                    ));
                }
                Instr::Prim {
                    d: r.reg(1, locals)?,
                    p,
                    args: a,
                }
            }
            other => return r.err(format!("unknown opcode '{other}'")),
        };
        code.push(instr);
    }
    let _ = fi;
    Ok(Function {
        name: f.name.clone(),
        file: f.file,
        line: f.line,
        params: f.params,
        locals: f.locals.max(1),
        infra: f.infra,
        code,
        lines: f.lines.clone(),
    })
}

fn load_actors(ctx: &Ctx, raw: &RawProgram, functions: &[Function]) -> CoreResult<Vec<ActorDecl>> {
    if raw.threads.is_empty() {
        return bad("the scenario declares no threads or actors");
    }
    if raw.threads.len() > 32 {
        return bad("at most 32 actors");
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
        if t.min > t.max || t.max > 64 {
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
