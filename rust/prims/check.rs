//! Family `check`: the model's own oracles. BUG_ON (as the `assert` instruction), WARN_ON,
//! WARN with a message, and `report`, whose message becomes the first line of a finding
//! (the kernel library's dev_crit/pci_warn checks such as "Resources present before
//! probing"). `__WARN_printf` is the expansion of a firing `WARN(cond, fmt, ...)`: its message
//! carries real values (`Trying to free already-free IRQ 30`), formatted as printk would. They
//! touch only the running thread.

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
    WarnPrintf,
    Report,
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [c, msg, arg]: Operands) {
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
        Op::WarnPrintf => {
            let fmt = match c {
                Value::Str(s) => ex.prog.strings[s as usize].clone(),
                other => format!("{other:?}"),
            };
            let text = printk_format(ex, &fmt, [msg, arg]);
            ex.fail_warn(tid, text, Kind::Warning);
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

/// printk's rendering of `fmt` with `args` in order: `%d`/`%i`/`%u` a decimal, `%x` hex,
/// `%s` a string (an int prints as a decimal, None as `(null)`), `%%` a percent sign; flags,
/// width and length modifiers (`%-8s`, `%lu`) are accepted and ignored. A conversion with no
/// value left prints nothing, as the model has no stack garbage to print.
fn printk_format(ex: &Execution, fmt: &str, args: [Value; 2]) -> String {
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut rest = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut conv = None;
        for c in chars.by_ref() {
            if c.is_ascii_alphabetic() && !matches!(c, 'l' | 'h' | 'z') {
                conv = Some(c);
                break;
            }
        }
        let (Some(conv), Some(v)) = (conv, rest.next()) else {
            continue;
        };
        match (conv, *v) {
            ('x', Value::Int(n)) => out.push_str(&format!("{n:x}")),
            (_, Value::Int(n)) => out.push_str(&n.to_string()),
            (_, Value::Str(s)) => out.push_str(&ex.prog.strings[s as usize]),
            (_, Value::Null) => out.push_str("(null)"),
            (_, Value::Func(f)) => out.push_str(&ex.prog.functions[f as usize].name),
            (_, Value::Ref(r)) => out.push_str(&format!(
                "{:016x}",
                0xffff_8880_0000_0000u64 + u64::from(r.idx) * 0x40
            )),
        }
    }
    out
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
            "__WARN_printf",
            &[
                r#"["str", 3, 0]"#,
                r#"["int", 1, 30]"#,
                r#"["prim", 2, "__WARN_printf", [3, 1, 3]]"#,
            ],
            Expect::Kind("warning"),
        );
        run(
            "report",
            &fire(r#"["prim", 2, "report", [3]]"#),
            Expect::Kind("report"),
        );
    }
}
