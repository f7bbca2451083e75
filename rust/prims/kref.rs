//! Family `kref`: a reference count with a release function, with refcount_t's checks
//! (addition on 0, underflow). `kref_put` that drops the last reference calls the release
//! function in the putting thread and returns 1 to its caller once the release returns.

use super::Operands;
use crate::exec::interp::Access;
use crate::exec::Execution;
use crate::ir::ObjKind;
use crate::world::{Obj, ObjState, Value};

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    KrefInit,
    KrefGet,
    KrefPut,
    KrefRead,
}

/// A kref's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KrefState {
    pub count: i64,
}

impl Obj {
    fn kref(&mut self) -> &mut KrefState {
        match &mut self.state {
            ObjState::Kref(k) => k,
            _ => unreachable!("a kref object has a kref state"),
        }
    }
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [k, release, _]: Operands) {
    let Access::Ok(r) = ex.check_ref(tid, k, Some(ObjKind::Kref), op != Op::KrefRead, 0) else {
        return;
    };
    let count = ex.world.objs[r.idx as usize].kref().count;
    let set = |ex: &mut Execution, v: i64| ex.world.objs[r.idx as usize].kref().count = v;
    match op {
        Op::KrefInit => {
            set(ex, 1);
            ex.finish_op(tid, d, Value::Null);
        }
        Op::KrefGet => {
            if count == 0 {
                ex.fail_refcount(tid, "refcount_t: addition on 0; use-after-free.");
                return;
            }
            set(ex, count + 1);
            ex.finish_op(tid, d, Value::Null);
        }
        Op::KrefPut => {
            if count <= 0 {
                ex.fail_refcount(tid, "refcount_t: underflow; use-after-free.");
                return;
            }
            set(ex, count - 1);
            if count - 1 != 0 {
                ex.finish_op(tid, d, Value::Int(0));
                return;
            }
            match release {
                Value::Func(f) if ex.prog.functions[f as usize].params == 1 => {
                    ex.advance(tid);
                    ex.push_frame(tid, f, &[Value::Ref(r)], d, Some(Value::Int(1)));
                }
                // kref_put calls release(kref): a jump to address 0.
                Value::Null => ex.fail_null_call(tid),
                _ => ex.model_error(
                    tid,
                    "kref_put's release must be a function taking the kref".into(),
                ),
            }
        }
        Op::KrefRead => ex.finish_op(tid, d, Value::Int(count)),
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn counts_and_refcount_checks() {
        // g.ref starts at 1: get, put, put (no release needed before 0: release is None).
        let get_put = [
            r#"["load", 1, 8, 8]"#,
            r#"["prim", 2, "kref_get", [1]]"#,
            r#"["prim", 2, "kref_read", [1]]"#,
            r#"["int", 3, 2]"#,
            r#"["bin", "eq", 3, 2, 3]"#,
            r#"["assert", 3]"#,
            r#"["null", 4]"#,
            r#"["prim", 2, "kref_put", [1, 4]]"#,
            r#"["int", 3, 0]"#,
            r#"["bin", "eq", 3, 2, 3]"#,
            r#"["assert", 3]"#,
        ];
        run("get, read, put", &get_put, Expect::Clean);
        let mut to_zero = get_put.to_vec();
        to_zero.push(r#"["prim", 2, "kref_put", [1, 4]]"#);
        run(
            "last put with a None release",
            &to_zero,
            Expect::Kind("null-deref"),
        );
        let mut bad_release = get_put.to_vec();
        bad_release.extend([r#"["func", 4, 0]"#, r#"["prim", 2, "kref_put", [1, 4]]"#]);
        run(
            "a release taking no kref",
            &bad_release,
            Expect::Kind("model-error"),
        );
    }
}
