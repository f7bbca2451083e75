//! Family `check`: the model's own oracles. BUG_ON (as the `assert` instruction), WARN_ON,
//! WARN with a message, and `report`, whose message becomes the first line of a finding
//! (the kernel library's dev_crit/pci_warn checks such as "Resources present before
//! probing"). They touch only the running thread.

use super::Operands;
use crate::exec::Execution;
use crate::oracle::Kind;
use crate::world::Value;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    BugOn,
    WarnOn,
    Warn,
    Report,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [c, msg, _]: Operands) {
    match op {
        Op::BugOn => {
            if c.truthy() {
                ex.fail_bug_on(tid);
            } else {
                ex.finish_op(tid, d, Value::Null);
            }
        }
        Op::WarnOn | Op::Warn => {
            if c.truthy() {
                let msg = match (op, msg) {
                    (Op::Warn, Value::Str(s)) => ex.prog.strings[s as usize].clone(),
                    _ => String::new(),
                };
                ex.fail_warn(tid, msg, Kind::Warning);
            } else {
                ex.finish_op(tid, d, Value::Int(0));
            }
        }
        Op::Report => {
            let msg = match c {
                Value::Str(s) => ex.prog.strings[s as usize].clone(),
                other => format!("{other:?}"),
            };
            ex.fail_report(tid, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::prims::tests::{run, Expect};

    #[test]
    fn checks_fire_only_when_true() {
        let pass = [
            r#"["int", 1, 0]"#,
            r#"["prim", 2, "BUG_ON", [1]]"#,
            r#"["prim", 2, "WARN_ON", [1]]"#,
            r#"["str", 3, 0]"#,
            r#"["prim", 2, "WARN", [1, 3]]"#,
        ];
        run("false conditions", &pass, Expect::Clean);
        let fire = |p: &'static str| [r#"["int", 1, 1]"#, r#"["str", 3, 0]"#, p];
        run(
            "BUG_ON",
            &fire(r#"["prim", 2, "BUG_ON", [1]]"#),
            Expect::Kind("bug"),
        );
        run(
            "WARN",
            &fire(r#"["prim", 2, "WARN", [1, 3]]"#),
            Expect::Kind("warning"),
        );
        run(
            "report",
            &fire(r#"["prim", 2, "report", [3]]"#),
            Expect::Kind("report"),
        );
    }
}
