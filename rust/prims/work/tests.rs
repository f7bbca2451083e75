//! Engine-level unit tests of the work family (the state machine's own tests are in
//! `state.rs`; the interleaving behaviour is tested through models in
//! tests/models/prims/work.py and tests/models/work_teardown.py).

use crate::prims::tests::{run, Expect};

#[test]
fn needs_a_function_and_idle_items_do_not_wait() {
    let idle = [
        r#"["load", 1, 8, 9]"#,
        r#"["prim", 2, "flush_work", [1]]"#,
        r#"["prim", 2, "cancel_work_sync", [1]]"#,
        r#"["prim", 3, "cancel_work", [1]]"#,
        r#"["bin", "or", 2, 2, 3]"#,
        r#"["un", "not", 2, 2]"#,
        r#"["assert", 2]"#,
    ];
    run("flush and cancel an idle item", &idle, Expect::Clean);
    let unset = [idle[0], r#"["prim", 2, "schedule_work", [1]]"#];
    run(
        "schedule without init_work",
        &unset,
        Expect::Kind("null-deref"),
    );
    let bad = [
        idle[0],
        r#"["func", 3, 0]"#,
        r#"["prim", 2, "init_work", [1, 3]]"#,
    ];
    run(
        "a work function taking no work",
        &bad,
        Expect::Kind("model-error"),
    );
}

#[test]
fn delayed_primitives_check_their_arguments() {
    let idle = [
        r#"["load", 1, 8, 9]"#,
        r#"["prim", 2, "cancel_delayed_work_sync", [1]]"#,
        r#"["prim", 3, "cancel_delayed_work", [1]]"#,
        r#"["prim", 4, "flush_delayed_work", [1]]"#,
        r#"["bin", "or", 2, 2, 3]"#,
        r#"["bin", "or", 2, 2, 4]"#,
        r#"["un", "not", 2, 2]"#,
        r#"["assert", 2]"#,
    ];
    run(
        "cancel and flush an idle delayed item",
        &idle,
        Expect::Clean,
    );
    let negative = [
        idle[0],
        r#"["int", 3, -1]"#,
        r#"["prim", 2, "schedule_delayed_work", [1, 3]]"#,
    ];
    run("a negative delay", &negative, Expect::Kind("model-error"));
}
