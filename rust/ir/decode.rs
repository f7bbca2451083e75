//! Decodes one function's instructions from their raw JSON arrays into `Instr`, checking
//! every register, jump target, id and argument count; errors name the function and the
//! instruction position.

use super::load::{bad, Ctx};
use super::program::*;
use super::raw::*;
use crate::error::CoreResult;
use crate::prims::Prim;
use serde_json::Value as Json;

use crate::limits::{MAX_LOCALS, MAX_PARAMS};

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

pub(super) fn load_function(
    ctx: &Ctx,
    fi: usize,
    f: &RawFunction,
    raw: &RawProgram,
    args: &mut Vec<Reg>,
) -> CoreResult<Function> {
    if f.file as usize >= raw.files.len() {
        return bad(format!("function '{}': unknown file {}", f.name, f.file));
    }
    if f.locals > MAX_LOCALS || f.params > MAX_PARAMS || f.params > f.locals {
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
        frameless: false,
        code,
        lines: f.lines.clone(),
    })
}
