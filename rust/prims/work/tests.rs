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
    // Queueing an item whose function is NULL succeeds; its worker calls NULL.
    let unset = [
        idle[0],
        r#"["prim", 2, "schedule_work", [1]]"#,
        r#"["assert", 2]"#,
    ];
    run(
        "schedule without init_work",
        &unset,
        Expect::Kind("null-deref"),
    );
    let o = crate::prims::tests::outcome(&unset);
    let f = o.finding.expect("the worker's oops");
    assert_eq!(f.thread, "kworker/0:1");
    assert_eq!(
        f.title,
        "BUG: unable to handle kernel NULL pointer dereference in process_one_work"
    );
    assert!(f.report.contains("Comm: kworker/0:1 "), "{}", f.report);
    let null_init = [
        idle[0],
        r#"["null", 3]"#,
        r#"["prim", 2, "init_work", [1, 3]]"#,
        unset[1],
    ];
    run(
        "INIT_WORK with NULL",
        &null_init,
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
