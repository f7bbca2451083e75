//! Family `list`: `struct list_head` as a list head and as a node, with CONFIG_DEBUG_LIST's
//! checks (list_add corruption and double add, list_del corruption on poisoned or
//! inconsistent links). A node's (next, prev) links are its two values; a deleted node holds
//! LIST_POISON1/LIST_POISON2, so a later traversal oopses at the kernel's address.

use super::Operands;
use crate::exec::interp::Access;
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::world::{ObjRef, Value};

/// POISON_POINTER_DELTA on x86_64 (CONFIG_ILLEGAL_POINTER_VALUE, a non-canonical address).
const POISON_POINTER_DELTA: u64 = 0xdead_0000_0000_0000;
/// LIST_POISON1 / LIST_POISON2 as include/linux/poison.h defines them on x86_64:
/// `dead000000000100` and `dead000000000122`.
pub const LIST_POISON1: i64 = (POISON_POINTER_DELTA + 0x100) as i64;
pub const LIST_POISON2: i64 = (POISON_POINTER_DELTA + 0x122) as i64;

/// Whether a link value is one of the list poisons.
pub fn is_poison(v: i64) -> bool {
    v == LIST_POISON1 || v == LIST_POISON2
}

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    ListInit,
    ListAdd,
    ListAddTail,
    ListDel,
    ListDelInit,
    ListEmpty,
    ListFirst,
    ListNext,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [a, b, _]: Operands) {
    ex.prim_list(tid, d, op, a, b);
}

impl Execution<'_> {
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
            Value::Int(p) if is_poison(p) => {
                self.fail_general_protection(tid, p as u64);
                None
            }
            Value::Int(p) => {
                self.fail_page_fault(tid, p as u64, false);
                None
            }
            _ => {
                self.fail_null_deref(tid, 0);
                None
            }
        }
    }

    fn prim_list(&mut self, tid: usize, d: u8, op: Op, a: Value, b: Value) {
        let Some(x) = self.list_node(tid, a) else {
            return;
        };
        let xv = Value::Ref(x);
        match op {
            Op::ListInit => {
                self.set_link(tid, x, 0, xv);
                self.set_link(tid, x, 1, xv);
                self.finish_op(tid, d, Value::Null);
            }
            Op::ListAdd | Op::ListAddTail => {
                let Some(head) = self.list_node(tid, b) else {
                    return;
                };
                let Some((hnext, hprev)) = self.list_links(tid, head) else {
                    return;
                };
                // __list_add(new, prev, next)
                let (prev_v, next_v) = if op == Op::ListAdd {
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
            Op::ListDel | Op::ListDelInit => {
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
                if op == Op::ListDel {
                    self.set_link(tid, x, 0, Value::Int(LIST_POISON1));
                    self.set_link(tid, x, 1, Value::Int(LIST_POISON2));
                } else {
                    self.set_link(tid, x, 0, xv);
                    self.set_link(tid, x, 1, xv);
                }
                self.finish_op(tid, d, Value::Null);
            }
            Op::ListEmpty => {
                let Some((next, _)) = self.list_links(tid, x) else {
                    return;
                };
                self.finish_op(tid, d, Value::Int((next == xv) as i64));
            }
            Op::ListFirst => {
                let Some((next, _)) = self.list_links(tid, x) else {
                    return;
                };
                let v = if next == xv { Value::Null } else { next };
                self.finish_op(tid, d, v);
            }
            Op::ListNext => {
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
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    const ADD: &[&str] = &[
        r#"["alloc", 0, 0, 9]"#,
        r#"["load", 1, 0, 7]"#,
        r#"["load", 2, 8, 7]"#,
        r#"["prim", 3, "list_add_tail", [1, 2]]"#,
        r#"["prim", 3, "list_first", [2]]"#,
        r#"["bin", "eq", 4, 3, 1]"#,
        r#"["assert", 4]"#,
        r#"["prim", 3, "list_next", [1, 2]]"#,
        r#"["null", 4]"#,
        r#"["bin", "eq", 4, 3, 4]"#,
        r#"["assert", 4]"#,
    ];

    #[test]
    fn add_walk_delete_and_debug_list_checks() {
        let mut ok = ADD.to_vec();
        ok.extend([
            r#"["prim", 3, "list_del_init", [1]]"#,
            r#"["prim", 3, "list_empty", [2]]"#,
            r#"["assert", 3]"#,
            r#"["prim", 3, "kfree", [0]]"#,
        ]);
        run("add, walk, delete", &ok, Expect::Clean);
        let mut twice = ADD.to_vec();
        twice.extend([
            r#"["prim", 3, "list_del", [1]]"#,
            r#"["prim", 3, "list_del", [1]]"#,
        ]);
        run("list_del twice", &twice, Expect::Kind("list-corruption"));
        let mut add_twice = ADD.to_vec();
        add_twice.push(r#"["prim", 3, "list_add", [1, 2]]"#);
        run(
            "list_add of a listed node",
            &add_twice,
            Expect::Kind("list-corruption"),
        );
    }
}
