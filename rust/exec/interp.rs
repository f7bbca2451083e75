//! The interpreter proper: runs one thread from its current instruction through exactly one
//! visible operation, executing local instructions (arithmetic, jumps, calls) without
//! interruption, and stopping before the next visible operation.

use super::thread::{Frame, Status};
use super::Execution;
use crate::ir::{BinOp, Instr, ObjKind, UnOp};
use crate::world::{ObjRef, Value, NONE};

/// Calls nested deeper than this are a model error (unbounded recursion).
use crate::limits::MAX_CALL_DEPTH as MAX_DEPTH;

/// Local instructions one step may run before it is reported as a loop that never reaches a
/// visible operation (the model would hang the interpreter otherwise).
const MAX_LOCAL_OPS_PER_STEP: u32 = 1 << 20;

/// Outcome of checking a reference before an access.
pub(crate) enum Access {
    Ok(ObjRef),
    /// A finding was raised.
    Failed,
}

impl Execution<'_> {
    /// Runs thread `tid` up to (not including) its next visible operation after the first.
    pub(crate) fn step_thread(&mut self, tid: usize) {
        let prog = self.prog;
        let mut first = true;
        let mut local_budget = MAX_LOCAL_OPS_PER_STEP;
        let t = &self.threads[tid];
        // A worker takes its instance (clears PENDING) in the same step as the function's
        // first visible operation, as before this family had the kernel's rules: a separate
        // step would shift every stored schedule that runs work (corpora/ would stop
        // replaying). The window between the two is therefore not explored.
        if t.work != NONE && !t.work_started && !self.work_step(tid) {
            // A delayed work's timer fired: that is the whole step.
            return;
        }
        // A kthread's first step is kthread(): it calls the function unless kthread_stop
        // came first (then exiting is the whole step).
        let t = &self.threads[tid];
        if t.kthread != NONE && !t.kthread_started && !self.kthread_step(tid) {
            return;
        }
        loop {
            let t = &mut self.threads[tid];
            if t.status != Status::Runnable {
                return;
            }
            let Some(fr) = t.frames.last_mut() else {
                // The handler returned: the end of an interrupt's critical section.
                self.rcu_quiescent(tid);
                self.action_finished(tid);
                let t = &self.threads[tid];
                // A work item queued again while it ran starts at the next scheduling point.
                if self.finding.is_some() || (t.work != NONE && !t.work_started) {
                    return;
                }
                continue;
            };
            let func_id = fr.func;
            let func = &prog.functions[func_id as usize];
            let pc = fr.pc as usize;
            let Some(&ins) = func.code.get(pc) else {
                self.do_return(tid, Value::Null);
                continue;
            };
            if ins.is_visible() {
                // Operations on objects only this thread can reach commute with every other
                // thread's: they run without a scheduling point (a sound reduction).
                let private = self.is_private_op(tid, ins);
                if !private {
                    if !first {
                        return;
                    }
                    first = false;
                    self.steps += 1;
                    if self.footprints.on {
                        self.record_accesses(tid, ins);
                    }
                    if self.feedback {
                        self.fb_op(tid, func_id, pc as u32);
                    }
                }
                if self.tracing {
                    self.record_trace(tid);
                }
                self.ops += 1;
                let reader = self.threads[tid].rcu_reader();
                self.exec_visible(tid, ins);
                if reader {
                    self.rcu_quiescent(tid);
                }
                if self.tracing {
                    self.finish_trace(tid, ins);
                }
                if self.finding.is_some() {
                    return;
                }
                continue;
            }
            self.ops += 1;
            local_budget -= 1;
            if local_budget == 0 {
                self.model_error(
                    tid,
                    "a loop runs without any visible operation (it can never be interrupted)"
                        .into(),
                );
                return;
            }
            let base = fr.base as usize;
            let regs = &mut t.regs;
            match ins {
                Instr::Int { d, v } => {
                    regs[base + d as usize] = Value::Int(v);
                    fr.pc += 1;
                }
                Instr::Null { d } => {
                    regs[base + d as usize] = Value::Null;
                    fr.pc += 1;
                }
                Instr::Func { d, f } => {
                    regs[base + d as usize] = Value::Func(f);
                    fr.pc += 1;
                }
                Instr::Str { d, s } => {
                    regs[base + d as usize] = Value::Str(s);
                    fr.pc += 1;
                }
                Instr::Global { d, g } => {
                    regs[base + d as usize] = Value::Ref(self.world.globals[g as usize]);
                    fr.pc += 1;
                }
                Instr::Mov { d, a } => {
                    regs[base + d as usize] = regs[base + a as usize];
                    fr.pc += 1;
                }
                Instr::Jmp { t: target } => fr.pc = target,
                Instr::Jz { a, t: target } => {
                    fr.pc = if regs[base + a as usize].truthy() {
                        fr.pc + 1
                    } else {
                        target
                    }
                }
                Instr::Jnz { a, t: target } => {
                    fr.pc = if regs[base + a as usize].truthy() {
                        target
                    } else {
                        fr.pc + 1
                    }
                }
                Instr::Bin { op, d, a, b } => {
                    let (x, y) = (regs[base + a as usize], regs[base + b as usize]);
                    match binop(op, x, y) {
                        Ok(v) => {
                            regs[base + d as usize] = v;
                            fr.pc += 1;
                        }
                        Err(e) => {
                            self.fail_binop(tid, op, x, y, e);
                            return;
                        }
                    }
                }
                Instr::Un { op, d, a } => {
                    let x = regs[base + a as usize];
                    let v = match (op, x) {
                        (UnOp::Not, v) => Value::Int(!v.truthy() as i64),
                        (UnOp::Bool, v) => Value::Int(v.truthy() as i64),
                        (UnOp::Neg, Value::Int(v)) => Value::Int(v.wrapping_neg()),
                        (UnOp::Inv, Value::Int(v)) => Value::Int(!v),
                        _ => {
                            let msg = format!("unary operator on a {} value", x.type_name());
                            self.model_error(tid, msg);
                            return;
                        }
                    };
                    regs[base + d as usize] = v;
                    fr.pc += 1;
                }
                Instr::Call { d, f, args } => {
                    fr.pc += 1;
                    self.call(tid, f, args, d);
                    if self.finding.is_some() {
                        return;
                    }
                }
                Instr::ICall { d, r, args } => {
                    fr.pc += 1;
                    match regs[base + r as usize] {
                        Value::Func(f) => {
                            if prog.functions[f as usize].params != args.len as u32 {
                                let msg = format!(
                                    "indirect call to '{}' with {} arguments, it takes {}",
                                    prog.functions[f as usize].name,
                                    args.len,
                                    prog.functions[f as usize].params
                                );
                                self.model_error(tid, msg);
                                return;
                            }
                            self.call(tid, f, args, d);
                            if self.finding.is_some() {
                                return;
                            }
                        }
                        Value::Null => {
                            self.fail_null_call(tid);
                            return;
                        }
                        v => {
                            let msg = format!("call through a {} value", v.type_name());
                            self.model_error(tid, msg);
                            return;
                        }
                    }
                }
                Instr::Ret { a } => {
                    let v = regs[base + a as usize];
                    self.do_return(tid, v);
                }
                Instr::RetNone => self.do_return(tid, Value::Null),
                Instr::AddrOf { d, a, name } => {
                    // The parent's slot still holds the child reference with the child's
                    // generation at allocation, so using it after a free is detected.
                    if let Value::Ref(r) = regs[base + a as usize] {
                        let o = &self.world.objs[r.idx as usize];
                        if o.kind == ObjKind::Struct {
                            if let Some(fi) = prog.field(o.sid, name) {
                                regs[base + d as usize] =
                                    self.world.vals[o.vals_start as usize + fi];
                                fr.pc += 1;
                                continue;
                            }
                        }
                    }
                    // NULL, a non-struct or a struct without the field: the load's checks.
                    self.exec_load(tid, d, a, name);
                    if self.finding.is_some() {
                        return;
                    }
                }
                Instr::Assert { a } => {
                    if !regs[base + a as usize].truthy() {
                        self.fail_bug_on(tid);
                        return;
                    }
                    fr.pc += 1;
                }
                _ => unreachable!("visible instructions are handled above"),
            }
        }
    }

    fn call(&mut self, tid: usize, f: u32, args: crate::ir::Args, d: u8) {
        if let Some(v) = self.call_fails(tid, f) {
            // Fault injection failed this call: it returns its error without running.
            let t = &mut self.threads[tid];
            let base = t.frames.last().map(|f| f.base as usize).unwrap_or(0);
            t.regs[base + d as usize] = v;
            return;
        }
        let t = &self.threads[tid];
        if t.frames.len() >= MAX_DEPTH {
            self.model_error(
                tid,
                format!("call depth exceeds {MAX_DEPTH} (unbounded recursion?)"),
            );
            return;
        }
        let caller_base = t.frames.last().map(|f| f.base as usize).unwrap_or(0);
        let mut vals = [Value::Null; crate::limits::MAX_PARAMS as usize];
        for (i, &r) in self.prog.arg_regs(args).iter().enumerate() {
            vals[i] = t.regs[caller_base + r as usize];
        }
        self.push_frame(tid, f, &vals[..args.len as usize], d, None);
    }

    /// Pops the top frame and delivers `v` to the caller.
    pub(crate) fn do_return(&mut self, tid: usize, v: Value) {
        let t = &mut self.threads[tid];
        let Some(Frame {
            base,
            ret_dst,
            ret_override,
            ..
        }) = t.frames.pop()
        else {
            return;
        };
        t.regs.truncate(base as usize);
        if let Some(caller) = t.frames.last() {
            let slot = caller.base as usize + ret_dst as usize;
            t.regs[slot] = ret_override.unwrap_or(v);
        } else if t.kthread != NONE {
            // The thread function's result is the kthread's exit code (kthread_stop's).
            t.kthread_ret = match v {
                Value::Int(n) => n,
                _ => 0,
            };
        }
    }

    /// If the thread is no longer in an RCU read-side critical section (`Thread::rcu_reader`),
    /// it passed a quiescent state: count it and wake `synchronize_rcu` callers.
    fn rcu_quiescent(&mut self, tid: usize) {
        if self.threads[tid].rcu_reader() {
            return;
        }
        self.threads[tid].rcu_epoch += 1;
        self.wake_where(|w| w == crate::exec::thread::Wait::Rcu);
    }

    /// The thread's current action returned: check its context, start the next one.
    fn action_finished(&mut self, tid: usize) {
        if self.booting {
            self.set_status(tid, Status::Done);
            return;
        }
        let t = &self.threads[tid];
        if !t.held.is_empty() {
            self.report_lock_held_on_return(tid);
            return;
        }
        if t.work != NONE && self.work_finished(tid) {
            return;
        }
        let t = &self.threads[tid];
        if t.kthread != NONE {
            let ret = t.kthread_ret;
            self.kthread_exit(tid, ret);
            return;
        }
        if !self.start_next_action(tid) {
            self.set_status(tid, Status::Done);
        }
    }

    /// Writes a value into the current frame's register `d` and advances the pc.
    #[inline]
    pub(crate) fn finish_op(&mut self, tid: usize, d: u8, v: Value) {
        let t = &mut self.threads[tid];
        if let Some(fr) = t.frames.last_mut() {
            t.regs[fr.base as usize + d as usize] = v;
            fr.pc += 1;
        }
        t.retrying = false;
    }

    /// Advances the pc of the current frame without writing a result.
    #[inline]
    pub(crate) fn advance(&mut self, tid: usize) {
        let t = &mut self.threads[tid];
        if let Some(fr) = t.frames.last_mut() {
            fr.pc += 1;
        }
        t.retrying = false;
    }

    /// Reads register `r` of the current frame.
    #[inline]
    pub(crate) fn reg(&self, tid: usize, r: u8) -> Value {
        let t = &self.threads[tid];
        let base = t.frames.last().map(|f| f.base as usize).unwrap_or(0);
        t.regs[base + r as usize]
    }

    /// Checks that `v` references a live object (of kind `want`, if given) before an access;
    /// raises null-deref, use-after-free or a model error otherwise.
    pub(crate) fn check_ref(
        &mut self,
        tid: usize,
        v: Value,
        want: Option<ObjKind>,
        write: bool,
        offset: u32,
    ) -> Access {
        match v {
            Value::Ref(r) => {
                let o = &self.world.objs[r.idx as usize];
                if o.gen != r.gen || o.freed {
                    self.fail_use_after_free(tid, r, write, offset);
                    return Access::Failed;
                }
                if let Some(k) = want {
                    if o.kind != k {
                        let msg = format!(
                            "expected a {} but got {}",
                            k.c_name(),
                            self.world.describe(self.prog, r.idx)
                        );
                        self.model_error(tid, msg);
                        return Access::Failed;
                    }
                }
                Access::Ok(r)
            }
            Value::Null => {
                self.fail_null_access(tid, offset as u64 * 8, write);
                Access::Failed
            }
            // A deleted list node's poisoned link (LIST_POISON1/2), followed.
            Value::Int(p) if crate::prims::list::is_poison(p) => {
                self.fail_general_protection(tid, (p as u64).wrapping_add(offset as u64 * 8));
                Access::Failed
            }
            // An unchecked ERR_PTR (a failed kthread_run): the last page of the address
            // space, a canonical address with no mapping, so x86's page fault there, or, when
            // the field's offset wraps it past zero, a fault in the NULL page.
            Value::Int(p) if crate::prims::err::is_err(v) => {
                let addr = (p as u64).wrapping_add(offset as u64 * 8);
                if addr < 0x1000 {
                    self.fail_null_access(tid, addr, write);
                } else {
                    self.fail_page_fault(tid, addr, write);
                }
                Access::Failed
            }
            other => {
                self.model_error(tid, format!("dereference of a {} value", other.type_name()));
                Access::Failed
            }
        }
    }

    fn exec_visible(&mut self, tid: usize, ins: Instr) {
        match ins {
            Instr::Load { d, a, name } => self.exec_load(tid, d, a, name),
            Instr::Store { a, name, b } => self.exec_store(tid, a, name, b),
            Instr::ILoad { d, a, i } => self.exec_index(tid, Some(d), a, i, None),
            Instr::IStore { a, i, b } => {
                let v = self.reg(tid, b);
                self.exec_index(tid, None, a, i, Some(v))
            }
            Instr::Alloc { d, s, g } => self.exec_alloc(tid, d, s, g),
            Instr::Prim { d, p, args } => self.exec_prim(tid, d, p, args),
            _ => unreachable!("only visible instructions reach exec_visible"),
        }
    }

    fn resolve_field(&mut self, tid: usize, r: ObjRef, name: u32) -> Option<usize> {
        let o = self.world.objs[r.idx as usize];
        if o.kind != ObjKind::Struct {
            let msg = format!(
                "field '{}' of {}, which is not a struct",
                self.prog.strings[name as usize],
                self.world.describe(self.prog, r.idx)
            );
            self.model_error(tid, msg);
            return None;
        }
        match self.prog.field(o.sid, name) {
            Some(fi) => Some(fi),
            None => {
                let msg = format!(
                    "struct {} has no field '{}'",
                    self.prog.structs[o.sid as usize].name, self.prog.strings[name as usize]
                );
                self.model_error(tid, msg);
                None
            }
        }
    }

    fn exec_load(&mut self, tid: usize, d: u8, a: u8, name: u32) {
        let v = self.reg(tid, a);
        if let Value::Ref(r) = v {
            let o = &self.world.objs[r.idx as usize];
            if o.gen == r.gen && !o.freed && o.kind == ObjKind::Struct {
                if let Some(fi) = self.prog.field(o.sid, name) {
                    let slot = o.vals_start as usize + fi;
                    if self.feedback {
                        self.fb_load(tid, slot);
                    }
                    let val = self.world.vals[slot];
                    self.finish_op(tid, d, val);
                    return;
                }
            }
        }
        // Slow path: work out which error it is, with the field offset for the report.
        let offset = self.field_offset_guess(v, name);
        if let Access::Ok(r) = self.check_ref(tid, v, None, false, offset) {
            if let Some(fi) = self.resolve_field(tid, r, name) {
                let val = self.world.vals[self.world.objs[r.idx as usize].vals_start as usize + fi];
                self.finish_op(tid, d, val);
            }
        }
    }

    fn exec_store(&mut self, tid: usize, a: u8, name: u32, b: u8) {
        let v = self.reg(tid, a);
        let offset = self.field_offset_guess(v, name);
        let Access::Ok(r) = self.check_ref(tid, v, None, true, offset) else {
            return;
        };
        let Some(fi) = self.resolve_field(tid, r, name) else {
            return;
        };
        let o = self.world.objs[r.idx as usize];
        if self.prog.structs[o.sid as usize].fields[fi]
            .ty
            .is_embedded()
        {
            let msg = format!(
                "store to embedded field '{}' of {}",
                self.prog.strings[name as usize], self.prog.structs[o.sid as usize].name
            );
            self.model_error(tid, msg);
            return;
        }
        let val = self.reg(tid, b);
        self.publish(tid, r.idx, val);
        if self.feedback {
            self.fb_store(tid, o.vals_start as usize + fi);
        }
        self.world.vals[o.vals_start as usize + fi] = val;
        self.advance(tid);
    }

    /// The field index for report offsets when the object may be gone (freed objects keep
    /// their struct id, so the offset is still known).
    /// Through NULL the struct is unknown at run time: the field's index in the first
    /// struct (in the program's order) that declares a field of that name, as the compiler
    /// would have resolved `p->name`.
    fn field_offset_guess(&self, v: Value, name: u32) -> u32 {
        match v {
            Value::Ref(r) => {
                let o = &self.world.objs[r.idx as usize];
                if o.kind == ObjKind::Struct {
                    return self.prog.field(o.sid, name).unwrap_or(0) as u32;
                }
                0
            }
            Value::Null => (0..self.prog.structs.len() as u32)
                .find_map(|sid| self.prog.field(sid, name))
                .unwrap_or(0) as u32,
            _ => 0,
        }
    }

    fn exec_index(&mut self, tid: usize, d: Option<u8>, a: u8, i: u8, store: Option<Value>) {
        let v = self.reg(tid, a);
        let idx = match self.reg(tid, i) {
            Value::Int(x) => x,
            other => {
                self.model_error(tid, format!("array index is a {} value", other.type_name()));
                return;
            }
        };
        let off = idx.clamp(0, u32::MAX as i64) as u32;
        let Access::Ok(r) = self.check_ref(tid, v, Some(ObjKind::Array), store.is_some(), off)
        else {
            return;
        };
        let o = self.world.objs[r.idx as usize];
        if idx < 0 || idx >= o.vals_len as i64 {
            self.fail_out_of_bounds(tid, r, idx, store.is_some());
            return;
        }
        let slot = o.vals_start as usize + idx as usize;
        match (d, store) {
            (Some(d), None) => {
                let val = self.world.vals[slot];
                self.finish_op(tid, d, val);
            }
            (_, Some(val)) => {
                self.publish(tid, r.idx, val);
                self.world.vals[slot] = val;
                self.advance(tid);
            }
            _ => {}
        }
    }
}

/// Evaluates a binary operator; `Err` carries a description of the problem.
fn binop(op: BinOp, x: Value, y: Value) -> Result<Value, &'static str> {
    if let (Value::Int(a), Value::Int(b)) = (x, y) {
        let r = match op {
            BinOp::Add => a.wrapping_add(b),
            BinOp::Sub => a.wrapping_sub(b),
            BinOp::Mul => a.wrapping_mul(b),
            BinOp::Div | BinOp::Mod if b == 0 => return Err("divide error"),
            BinOp::Div => a.wrapping_div(b) - ((a % b != 0) && ((a < 0) != (b < 0))) as i64,
            BinOp::Mod => {
                let m = a.wrapping_rem(b);
                if m != 0 && ((m < 0) != (b < 0)) {
                    m + b
                } else {
                    m
                }
            }
            BinOp::And => a & b,
            BinOp::Or => a | b,
            BinOp::Xor => a ^ b,
            BinOp::Shl => a.wrapping_shl(b.clamp(0, 63) as u32),
            BinOp::Shr => a.wrapping_shr(b.clamp(0, 63) as u32),
            BinOp::Eq => (a == b) as i64,
            BinOp::Ne => (a != b) as i64,
            BinOp::Lt => (a < b) as i64,
            BinOp::Le => (a <= b) as i64,
            BinOp::Gt => (a > b) as i64,
            BinOp::Ge => (a >= b) as i64,
        };
        return Ok(Value::Int(r));
    }
    match op {
        BinOp::Eq => Ok(Value::Int((x == y) as i64)),
        BinOp::Ne => Ok(Value::Int((x != y) as i64)),
        _ => Err("operands must be ints"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_division_matches_python() {
        let d = |a, b| match binop(BinOp::Div, Value::Int(a), Value::Int(b)) {
            Ok(Value::Int(v)) => v,
            _ => panic!(),
        };
        let m = |a, b| match binop(BinOp::Mod, Value::Int(a), Value::Int(b)) {
            Ok(Value::Int(v)) => v,
            _ => panic!(),
        };
        assert_eq!((d(7, 2), d(-7, 2), d(7, -2)), (3, -4, -4));
        assert_eq!((m(7, 2), m(-7, 2), m(7, -2)), (1, 1, -1));
        assert!(binop(BinOp::Div, Value::Int(1), Value::Int(0)).is_err());
    }
}
