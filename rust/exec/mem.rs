//! Memory primitives: kzalloc/kfree (with KASAN double-free and invalid-free checks and the
//! allocation/free stacks for reports), kref, list_head with CONFIG_DEBUG_LIST checks,
//! container_of, and MMIO mappings.

use super::interp::Access;
use super::Execution;
use crate::cov::Transition;
use crate::ir::ObjKind;
use crate::oracle::Kind;
use crate::world::{ObjRef, Value, BOOT_TASK, NONE};

/// LIST_POISON1 / LIST_POISON2 as the kernel defines them (with POISON_POINTER_DELTA 0).
pub const LIST_POISON1: i64 = 0x100;
pub const LIST_POISON2: i64 = 0x122;

impl Execution<'_> {
    /// Records the thread's call stack (for KASAN's "Allocated by"/"Freed by" sections)
    /// straight into the World's stack buffer: no allocation once the buffer is warm.
    fn current_stack(&mut self, tid: usize) -> u32 {
        let owner = if self.booting { BOOT_TASK } else { tid as u32 };
        let frames = self.threads[tid]
            .frames
            .iter()
            .rev()
            .map(|f| (f.func, f.pc));
        self.world.record_stack(owner, frames)
    }

    pub(crate) fn exec_alloc(&mut self, tid: usize, d: u8, s: u32, g: u8) {
        let gfp = match self.reg(tid, g) {
            Value::Int(v) => v,
            other => {
                self.model_error(tid, format!("gfp flags are a {} value", other.type_name()));
                return;
            }
        };
        if gfp & 0x400 != 0 && !self.might_sleep(tid) {
            return;
        }
        let idx = self.world.alloc_struct(self.prog, s);
        if !self.booting {
            self.world.objs[idx as usize].owner = tid as u32;
        }
        let st = self.current_stack(tid);
        self.world.objs[idx as usize].alloc_stack = st;
        if self.feedback {
            self.fb_life(s, Transition::Allocated);
        }
        let r = self.world.ref_of(idx);
        self.finish_op(tid, d, Value::Ref(r));
    }

    pub(crate) fn prim_kfree(&mut self, tid: usize, v: Value) -> bool {
        let r = match v {
            Value::Null => return true,
            Value::Ref(r) => r,
            other => {
                self.model_error(tid, format!("kfree of a {} value", other.type_name()));
                return false;
            }
        };
        let o = self.world.objs[r.idx as usize];
        if o.gen != r.gen || o.freed {
            self.fail_double_free(tid, r);
            return false;
        }
        if o.base != r.idx || o.kind == ObjKind::Iomem {
            self.fail_invalid_free(tid, r);
            return false;
        }
        let st = self.current_stack(tid);
        self.world.objs[r.idx as usize].free_stack = st;
        if self.feedback {
            self.fb_life(life_key(&o), Transition::Freed);
        }
        self.world.free_allocation(r.idx);
        true
    }

    pub(crate) fn prim_kref(&mut self, tid: usize, d: u8, which: u8, k: Value, release: Value) {
        let Access::Ok(r) = self.check_ref(tid, k, Some(ObjKind::Kref), which != 3, 0) else {
            return;
        };
        let i = r.idx as usize;
        let count = self.world.objs[i].a;
        match which {
            0 => {
                self.world.objs[i].a = 1;
                self.finish_op(tid, d, Value::Null);
            }
            1 => {
                if count == 0 {
                    self.fail_refcount(tid, "refcount_t: addition on 0; use-after-free.");
                    return;
                }
                self.world.objs[i].a = count + 1;
                self.finish_op(tid, d, Value::Null);
            }
            2 => {
                if count <= 0 {
                    self.fail_refcount(tid, "refcount_t: underflow; use-after-free.");
                    return;
                }
                self.world.objs[i].a = count - 1;
                if count - 1 == 0 {
                    match release {
                        Value::Func(f) if self.prog.functions[f as usize].params == 1 => {
                            self.advance(tid);
                            self.push_frame(tid, f, &[Value::Ref(r)], d, Some(Value::Int(1)));
                        }
                        Value::Null => {
                            self.fail_null_deref(tid, 0);
                        }
                        _ => self.model_error(
                            tid,
                            "kref_put's release must be a function taking the kref".into(),
                        ),
                    }
                } else {
                    self.finish_op(tid, d, Value::Int(0));
                }
            }
            _ => self.finish_op(tid, d, Value::Int(count)),
        }
    }

    pub(crate) fn prim_container_of(&mut self, tid: usize, d: u8, p: Value) {
        let Access::Ok(r) = self.check_ref(tid, p, None, false, 0) else {
            return;
        };
        let parent = self.world.objs[r.idx as usize].parent;
        let v = if parent == NONE {
            Value::Null
        } else {
            Value::Ref(self.world.ref_of(parent))
        };
        self.finish_op(tid, d, v);
    }

    /// Reads a list node's (next, prev), checking the node is alive.
    fn list_links(&mut self, tid: usize, r: ObjRef) -> Option<(Value, Value)> {
        let o = self.world.objs[r.idx as usize];
        if o.gen != r.gen || o.freed {
            self.fail_use_after_free(tid, r, false, 0);
            return None;
        }
        let s = o.vals_start as usize;
        Some((self.world.vals[s], self.world.vals[s + 1]))
    }

    fn set_link(&mut self, tid: usize, r: ObjRef, which: usize, v: Value) {
        self.publish(tid, r.idx, v);
        let s = self.world.objs[r.idx as usize].vals_start as usize;
        self.world.vals[s + which] = v;
    }

    fn list_node(&mut self, tid: usize, v: Value) -> Option<ObjRef> {
        match self.check_ref(tid, v, Some(ObjKind::List), false, 0) {
            Access::Ok(r) => Some(r),
            Access::Failed => None,
        }
    }

    /// A link value that must be a live node: poison and NULL become the kernel's oopses.
    fn follow(&mut self, tid: usize, v: Value) -> Option<ObjRef> {
        match v {
            Value::Ref(r) => {
                if self.world.is_live(r) {
                    Some(r)
                } else {
                    self.fail_use_after_free(tid, r, false, 0);
                    None
                }
            }
            Value::Int(p) => {
                self.fail_paging_request(tid, p as u64);
                None
            }
            _ => {
                self.fail_null_deref(tid, 0);
                None
            }
        }
    }

    pub(crate) fn prim_list(&mut self, tid: usize, d: u8, op: ListOp, a: Value, b: Value) {
        let Some(x) = self.list_node(tid, a) else {
            return;
        };
        let xv = Value::Ref(x);
        match op {
            ListOp::Init => {
                self.set_link(tid, x, 0, xv);
                self.set_link(tid, x, 1, xv);
                self.finish_op(tid, d, Value::Null);
            }
            ListOp::Add | ListOp::AddTail => {
                let Some(head) = self.list_node(tid, b) else {
                    return;
                };
                let Some((hnext, hprev)) = self.list_links(tid, head) else {
                    return;
                };
                // __list_add(new, prev, next)
                let (prev_v, next_v) = if op == ListOp::Add {
                    (Value::Ref(head), hnext)
                } else {
                    (hprev, Value::Ref(head))
                };
                let Some(prev) = self.follow(tid, prev_v) else {
                    return;
                };
                let Some(next) = self.follow(tid, next_v) else {
                    return;
                };
                let Some((_, next_prev)) = self.list_links(tid, next) else {
                    return;
                };
                let Some((prev_next, _)) = self.list_links(tid, prev) else {
                    return;
                };
                let addr = |e: &Self, r: ObjRef| e.world.address(r.idx, 0);
                if next_prev != Value::Ref(prev) {
                    let m = format!(
                        "list_add corruption. next->prev should be prev ({:016x}), but was {}. (next={:016x}).",
                        addr(self, prev), self.link_text(next_prev), addr(self, next)
                    );
                    self.fail_list(tid, m);
                    return;
                }
                if prev_next != Value::Ref(next) {
                    let m = format!(
                        "list_add corruption. prev->next should be next ({:016x}), but was {}. (prev={:016x}).",
                        addr(self, next), self.link_text(prev_next), addr(self, prev)
                    );
                    self.fail_list(tid, m);
                    return;
                }
                if x == prev || x == next {
                    let m = format!(
                        "list_add double add: new={:016x}, prev={:016x}, next={:016x}.",
                        addr(self, x),
                        addr(self, prev),
                        addr(self, next)
                    );
                    self.fail_list(tid, m);
                    return;
                }
                self.set_link(tid, next, 1, xv);
                self.set_link(tid, x, 0, Value::Ref(next));
                self.set_link(tid, x, 1, Value::Ref(prev));
                self.set_link(tid, prev, 0, xv);
                self.finish_op(tid, d, Value::Null);
            }
            ListOp::Del | ListOp::DelInit => {
                let Some((next_v, prev_v)) = self.list_links(tid, x) else {
                    return;
                };
                let addr = self.world.address(x.idx, 0);
                if next_v == Value::Int(LIST_POISON1) {
                    let m = format!(
                        "list_del corruption, {addr:016x}->next is LIST_POISON1 ({LIST_POISON1:016x})"
                    );
                    self.fail_list(tid, m);
                    return;
                }
                if prev_v == Value::Int(LIST_POISON2) {
                    let m = format!(
                        "list_del corruption, {addr:016x}->prev is LIST_POISON2 ({LIST_POISON2:016x})"
                    );
                    self.fail_list(tid, m);
                    return;
                }
                let Some(next) = self.follow(tid, next_v) else {
                    return;
                };
                let Some(prev) = self.follow(tid, prev_v) else {
                    return;
                };
                let Some((prev_next, _)) = self.list_links(tid, prev) else {
                    return;
                };
                let Some((_, next_prev)) = self.list_links(tid, next) else {
                    return;
                };
                if prev_next != xv {
                    let m = format!(
                        "list_del corruption. prev->next should be {addr:016x}, but was {}. (prev={:016x})",
                        self.link_text(prev_next),
                        self.world.address(prev.idx, 0)
                    );
                    self.fail_list(tid, m);
                    return;
                }
                if next_prev != xv {
                    let m = format!(
                        "list_del corruption. next->prev should be {addr:016x}, but was {}. (next={:016x})",
                        self.link_text(next_prev),
                        self.world.address(next.idx, 0)
                    );
                    self.fail_list(tid, m);
                    return;
                }
                self.set_link(tid, next, 1, Value::Ref(prev));
                self.set_link(tid, prev, 0, Value::Ref(next));
                if op == ListOp::Del {
                    self.set_link(tid, x, 0, Value::Int(LIST_POISON1));
                    self.set_link(tid, x, 1, Value::Int(LIST_POISON2));
                } else {
                    self.set_link(tid, x, 0, xv);
                    self.set_link(tid, x, 1, xv);
                }
                self.finish_op(tid, d, Value::Null);
            }
            ListOp::Empty => {
                let Some((next, _)) = self.list_links(tid, x) else {
                    return;
                };
                self.finish_op(tid, d, Value::Int((next == xv) as i64));
            }
            ListOp::First => {
                let Some((next, _)) = self.list_links(tid, x) else {
                    return;
                };
                let v = if next == xv { Value::Null } else { next };
                self.finish_op(tid, d, v);
            }
            ListOp::Next => {
                let Some(head) = self.list_node(tid, b) else {
                    return;
                };
                let Some((next, _)) = self.list_links(tid, x) else {
                    return;
                };
                let v = if next == Value::Ref(head) {
                    Value::Null
                } else {
                    next
                };
                self.finish_op(tid, d, v);
            }
        }
    }

    fn link_text(&self, v: Value) -> String {
        match v {
            Value::Ref(r) => format!("{:016x}", self.world.address(r.idx, 0)),
            Value::Int(p) => format!("{p:016x}"),
            _ => "0000000000000000".into(),
        }
    }

    pub(crate) fn prim_mmio(&mut self, tid: usize, d: u8, io: Value, off: Value, v: Option<Value>) {
        let Value::Int(off) = off else {
            self.model_error(tid, "MMIO offset must be an int".into());
            return;
        };
        let r = match io {
            Value::Ref(r) => r,
            Value::Null => {
                self.fail_null_deref(tid, off.max(0) as u64);
                return;
            }
            other => {
                self.model_error(tid, format!("MMIO through a {} value", other.type_name()));
                return;
            }
        };
        let o = self.world.objs[r.idx as usize];
        if o.kind != ObjKind::Iomem {
            self.model_error(tid, "mmio_read/mmio_write need an ioremap() mapping".into());
            return;
        }
        if o.gen != r.gen || o.freed {
            let addr = 0xffff_c900_0000_0000u64 + r.idx as u64 * 0x1000 + off.max(0) as u64;
            self.fail_paging_request(tid, addr);
            return;
        }
        if off < 0 || off >= o.vals_len as i64 {
            self.model_error(tid, format!("MMIO offset {off} outside the mapping"));
            return;
        }
        let slot = o.vals_start as usize + off as usize;
        match v {
            Some(v) => {
                self.publish(tid, r.idx, v);
                self.world.vals[slot] = v;
                self.finish_op(tid, d, Value::Null);
            }
            None => {
                let v = self.world.vals[slot];
                self.finish_op(tid, d, v);
            }
        }
    }

    pub(crate) fn prim_ioremap(&mut self, tid: usize, d: u8, size: Value) {
        match size {
            Value::Int(n) if (1..=4096).contains(&n) => {
                let idx = self.world.alloc_iomem(n as u32);
                if !self.booting {
                    self.world.objs[idx as usize].owner = tid as u32;
                }
                let r = self.world.ref_of(idx);
                self.finish_op(tid, d, Value::Ref(r));
            }
            _ => self.model_error(
                tid,
                "ioremap(size) needs a size of 1..4096 registers".into(),
            ),
        }
    }

    pub(crate) fn prim_iounmap(&mut self, tid: usize, d: u8, io: Value) {
        match io {
            Value::Ref(r) if self.world.objs[r.idx as usize].kind == ObjKind::Iomem => {
                if !self.world.is_live(r) {
                    self.fail_warn(tid, "iounmap: bad address".into(), Kind::Warning);
                    return;
                }
                self.world.free_allocation(r.idx);
                self.finish_op(tid, d, Value::Null);
            }
            _ => self.model_error(tid, "iounmap needs an ioremap() mapping".into()),
        }
    }
}

/// List primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListOp {
    Init,
    Add,
    AddTail,
    Del,
    DelInit,
    Empty,
    First,
    Next,
}

/// The lifecycle feature key of an object: its struct id, or its kind for primitives.
pub(crate) fn life_key(o: &crate::world::Obj) -> u32 {
    if o.kind == ObjKind::Struct {
        o.sid
    } else {
        0x8000_0000 | o.kind as u32
    }
}
