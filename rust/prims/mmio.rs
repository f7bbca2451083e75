//! Family `mmio`: ioremap'd register windows. A mapping is an object of kind `Iomem` whose
//! values are the registers (0 until written); after `iounmap` an access is the kernel's
//! page fault at the mapping's address. A mapping made by an actor is private to it until
//! published, like an allocation.

use super::Operands;
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::oracle::Kind;
use crate::world::Value;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Ioremap,
    Iounmap,
    MmioRead,
    MmioWrite,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [a, b, c]: Operands) {
    match op {
        Op::Ioremap => ex.prim_ioremap(tid, d, a),
        Op::Iounmap => ex.prim_iounmap(tid, d, a),
        Op::MmioRead => ex.prim_mmio(tid, d, a, b, None),
        Op::MmioWrite => ex.prim_mmio(tid, d, a, b, Some(c)),
    }
}

impl Execution<'_> {
    fn prim_mmio(&mut self, tid: usize, d: u8, io: Value, off: Value, v: Option<Value>) {
        let Value::Int(off) = off else {
            self.model_error(tid, "MMIO offset must be an int".into());
            return;
        };
        let r = match io {
            Value::Ref(r) => r,
            Value::Null => {
                self.fail_null_access(tid, off.max(0) as u64, v.is_some());
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
            // iounmap cleared the window's page table entries: a not-present page, read
            // or written.
            self.fail_page_fault(tid, addr, v.is_some());
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

    fn prim_ioremap(&mut self, tid: usize, d: u8, size: Value) {
        match size {
            Value::Int(n) if (1..=4096).contains(&n) => {
                if !self.heap_has_room(tid) {
                    return;
                }
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

    fn prim_iounmap(&mut self, tid: usize, d: u8, io: Value) {
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

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn registers_read_back_and_unmapped_access_faults() {
        let map = [
            r#"["int", 1, 4]"#,
            r#"["prim", 0, "ioremap", [1]]"#,
            r#"["int", 2, 3]"#,
            r#"["int", 3, 7]"#,
            r#"["prim", 4, "mmio_write", [0, 2, 3]]"#,
            r#"["prim", 4, "mmio_read", [0, 2]]"#,
            r#"["bin", "eq", 4, 4, 3]"#,
            r#"["assert", 4]"#,
            r#"["prim", 4, "iounmap", [0]]"#,
        ];
        run("write, read back, unmap", &map, Expect::Clean);
        let mut after = map.to_vec();
        after.push(r#"["prim", 4, "mmio_read", [0, 2]]"#);
        run("read after iounmap", &after, Expect::Kind("page-fault"));
        let mut outside = map[..2].to_vec();
        outside.extend([r#"["prim", 4, "mmio_read", [0, 1]]"#]);
        run(
            "offset outside the mapping",
            &outside,
            Expect::Kind("model-error"),
        );
    }
}
