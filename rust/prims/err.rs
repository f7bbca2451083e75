//! Family `err`: error pointers (include/linux/err.h). A function that returns a pointer or
//! an error returns `ERR_PTR(-errno)`, the pointer value `(void *)-errno` in the last page
//! of the address space; `IS_ERR` tests for it and `PTR_ERR` turns it back into the errno.
//! Here an error pointer is the int `-errno` (-MAX_ERRNO..-1): that is what `kthread_run`
//! returns when it fails, and dereferencing it is the kernel's page fault at
//! `fffffffffffffff4` (-ENOMEM) plus the field's offset (`Execution::check_ref`). They touch
//! only the running thread's registers.

use super::Operands;
use crate::exec::Execution;
use crate::world::Value;

/// include/linux/err.h MAX_ERRNO.
pub const MAX_ERRNO: i64 = 4095;

/// Whether `v` is an error pointer (IS_ERR_VALUE: -MAX_ERRNO <= v < 0 as an address).
pub fn is_err(v: Value) -> bool {
    matches!(v, Value::Int(e) if (-MAX_ERRNO..0).contains(&e))
}

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    IsErr,
    IsErrOrNull,
    PtrErr,
    ErrPtr,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [p, _, _]: Operands) {
    let v = match op {
        Op::IsErr => Value::Int(is_err(p) as i64),
        Op::IsErrOrNull => Value::Int((is_err(p) || p == Value::Null) as i64),
        // PTR_ERR of a valid pointer is its address, a large positive long; a model cannot
        // use that value for anything but a test, so it is 0 here.
        Op::PtrErr => match p {
            Value::Int(e) => Value::Int(e),
            _ => Value::Int(0),
        },
        Op::ErrPtr => match p {
            Value::Int(e) if (-MAX_ERRNO..0).contains(&e) => Value::Int(e),
            Value::Int(0) => Value::Null,
            other => {
                let msg = format!("ERR_PTR needs a negative errno, not {other:?}");
                ex.model_error(tid, msg);
                return;
            }
        },
    };
    ex.finish_op(tid, d, v);
}

#[cfg(test)]
mod tests {
    use super::super::tests::{run, Expect};

    #[test]
    fn error_pointers_test_and_convert() {
        let code = [
            r#"["int", 0, -12]"#,
            r#"["prim", 1, "ERR_PTR", [0]]"#,
            r#"["prim", 2, "IS_ERR", [1]]"#,
            r#"["assert", 2]"#,
            r#"["prim", 3, "PTR_ERR", [1]]"#,
            r#"["bin", "eq", 2, 3, 0]"#,
            r#"["assert", 2]"#,
            r#"["null", 4]"#,
            r#"["prim", 2, "IS_ERR", [4]]"#,
            r#"["un", "not", 2, 2]"#,
            r#"["assert", 2]"#,
            r#"["prim", 2, "IS_ERR_OR_NULL", [4]]"#,
            r#"["assert", 2]"#,
        ];
        run("err", &code, Expect::Clean);
    }
}
