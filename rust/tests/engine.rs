//! Engine tests that need no Python: hand-written IR programs run through the loader, the
//! interpreter, the schedulers and the oracles.

use pyfuzz_core::exec::Execution;
use pyfuzz_core::ir::load_program;
use pyfuzz_core::runner;
use pyfuzz_core::sched::registry::Params;
use serde_json::{json, Value};

/// Two mutexes in a global, two threads taking them in `order_b` (true: opposite orders).
fn abba(opposite: bool, lockdep: bool) -> Value {
    let take = |first: &str, second: &str| {
        json!({
            "name": format!("take_{first}{second}"), "file": 0, "line": 1, "params": 0,
            "locals": 3, "code": [
                ["global", 0, 0],
                ["load", 1, 0, if first == "a" { 0 } else { 1 }],
                ["prim", 2, "mutex_lock", [1]],
                ["load", 1, 0, if second == "a" { 0 } else { 1 }],
                ["prim", 2, "mutex_lock", [1]],
                ["prim", 2, "mutex_unlock", [1]],
                ["load", 1, 0, if first == "a" { 0 } else { 1 }],
                ["prim", 2, "mutex_unlock", [1]],
                ["retnone"]
            ],
            "lines": [1, 2, 2, 3, 3, 4, 5, 5, 6]
        })
    };
    let second = if opposite {
        take("b", "a")
    } else {
        take("a", "b")
    };
    json!({
        "version": 1, "name": "abba", "files": ["abba.py"], "strings": ["a", "b"],
        "structs": [{"name": "Pair", "fields": [
            {"name": "a", "type": "mutex"}, {"name": "b", "type": "mutex"}]}],
        "functions": [take("a", "b"), second],
        "globals": [{"name": "pair", "struct": 0}],
        "threads": [
            {"name": "t1", "actions": [{"func": 0}], "default": [0], "min": 1, "max": 1},
            {"name": "t2", "actions": [{"func": 1}], "default": [0], "min": 1, "max": 1}
        ],
        "config": {"lockdep": lockdep}
    })
}

/// A thread allocating, freeing, then reading an object (a use after kfree).
fn uaf(buggy: bool) -> Value {
    let mut code = vec![
        json!(["int", 1, 0xcc0]),
        json!(["alloc", 0, 0, 1]),
        json!(["prim", 2, "kfree", [0]]),
        json!(["load", 2, 0, 0]),
        json!(["retnone"]),
    ];
    if !buggy {
        code.swap(2, 3);
    }
    json!({
        "version": 1, "files": ["uaf.py"], "strings": ["val"],
        "structs": [{"name": "Obj", "fields": [{"name": "val", "type": "int"}]}],
        "functions": [{"name": "use_after_free", "file": 0, "line": 1, "params": 0,
                       "locals": 3, "code": code, "lines": [2, 2, 3, 4, 5]}],
        "threads": [{"name": "t", "actions": [{"func": 0}], "default": [0], "min": 1, "max": 1}]
    })
}

fn load(v: &Value) -> pyfuzz_core::Program {
    load_program(v.to_string().as_bytes()).expect("valid IR")
}

#[test]
fn abba_deadlock_needs_one_preemption() {
    let prog = load(&abba(true, false));
    let mut ex = Execution::new(&prog).unwrap();
    let r0 = runner::verify(&mut ex, 0, 1_000_000);
    assert!(r0.outcome.is_none() && r0.complete);
    let r1 = runner::verify(&mut ex, 1, 1_000_000);
    let o = r1.outcome.expect("deadlock at one preemption");
    let f = o.finding.unwrap();
    assert_eq!(f.kind.name(), "deadlock");
    assert_eq!(o.preemptions, 1);
    assert!(f.report.contains("CONFIG_PROVE_LOCKING is off"));
}

#[test]
fn ordered_pair_is_clean_at_two_preemptions() {
    let prog = load(&abba(false, true));
    let mut ex = Execution::new(&prog).unwrap();
    let r = runner::verify(&mut ex, 2, 1_000_000);
    assert!(r.outcome.is_none() && r.complete && r.schedules > 1);
}

#[test]
fn lockdep_sees_the_inversion_without_a_deadlock() {
    let prog = load(&abba(true, true));
    let mut ex = Execution::new(&prog).unwrap();
    let r = runner::verify(&mut ex, 0, 1000);
    let f = r.outcome.unwrap().finding.unwrap();
    assert_eq!(f.kind.name(), "lockdep-circular");
    assert!(f
        .report
        .contains("WARNING: possible circular locking dependency detected"));
}

#[test]
fn use_after_free_reports_both_stacks_and_fixed_twin_is_clean() {
    let prog = load(&uaf(true));
    let mut ex = Execution::new(&prog).unwrap();
    let o = runner::run_bytes(&mut ex, b"", false);
    let f = o.finding.unwrap();
    assert!(f
        .report
        .contains("BUG: KASAN: slab-use-after-free in use_after_free"));
    assert!(f.report.contains("Allocated by task") && f.report.contains("Freed by task"));
    assert_eq!(f.title, "KASAN: slab-use-after-free Read in use_after_free");
    let fixed = load(&uaf(false));
    let mut ex = Execution::new(&fixed).unwrap();
    assert!(runner::run_bytes(&mut ex, b"", false).finding.is_none());
}

#[test]
fn replaying_choices_gives_the_identical_trace() {
    let prog = load(&abba(true, false));
    let mut ex = Execution::new(&prog).unwrap();
    let b = runner::run_batch(
        &mut ex,
        "pct",
        &Params { seed: 7, depth: 2 },
        10_000,
        true,
        &mut runner::never_stop,
    )
    .unwrap();
    let (_, first) = b.first.expect("pct finds the deadlock");
    let a = runner::replay(&mut ex, &first.choices, true, true);
    let again = runner::replay(&mut ex, &first.choices, true, true);
    assert!(a.trace().is_some_and(|t| !t.is_empty()));
    assert_eq!(a.trace(), again.trace());
    assert_eq!(a.choices, first.choices);
    assert_eq!(
        a.finding.unwrap().signature,
        first.finding.unwrap().signature
    );
}

#[test]
fn malformed_ir_is_an_error_not_a_panic() {
    let mut v = abba(true, false);
    v["functions"][0]["code"][1] = json!(["load", 200, 0, 0]);
    let err = load_program(v.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("register 200 out of range"));
    for bad in ["", "{}", "[1]", "{\"version\": 2}"] {
        assert!(load_program(bad.as_bytes()).is_err());
    }
    let mut v = abba(true, false);
    v["functions"][0]["code"][2] = json!(["prim", 2, "no_such_prim", [1]]);
    assert!(load_program(v.to_string().as_bytes()).is_err());
}

#[test]
fn a_traced_run_records_its_decisions_preemptions_locks_and_fatal_step() {
    let prog = load(&abba(true, false));
    let mut ex = Execution::new(&prog).unwrap();
    let found = runner::verify(&mut ex, 2, 1000)
        .outcome
        .expect("the AB-BA deadlock");
    let traced = runner::replay(&mut ex, &found.choices, true, true);
    let rec = traced.recorded.as_ref().expect("traced");
    assert_eq!(
        rec.picks.len(),
        traced.choices.len(),
        "no workload choices in abba"
    );
    let preempting: Vec<_> = rec.picks.iter().filter(|p| p.preemption).collect();
    assert_eq!(preempting.len() as u64, traced.preemptions);
    assert!(preempting.iter().all(|p| p.chosen != p.default));
    let marked = rec.trace.iter().filter(|r| r.preemption).count() as u64;
    assert_eq!(marked, traced.preemptions);
    // The thread that blocks on its second mutex holds its first one.
    let blocked = rec
        .trace
        .iter()
        .find(|r| r.blocked)
        .expect("a blocked step");
    assert_eq!(blocked.locks.len(), 1);
    // A deadlock is found when the cycle closes, inside a blocking acquire.
    assert_eq!(rec.fatal, Some(rec.trace.len() - 1));
    // Untraced runs record nothing.
    let plain = runner::replay(&mut ex, &found.choices, true, false);
    assert!(plain.recorded.is_none());
}

#[test]
fn search_for_a_target_title_passes_over_other_findings() {
    let prog = load(&abba(true, true));
    let mut ex = Execution::new(&prog).unwrap();
    // With lockdep on, the serial run already reports the inverted order.
    let any = runner::verify(&mut ex, 1, 1000)
        .outcome
        .expect("lockdep report");
    let spec = runner::SearchSpec {
        max_preemptions: 2,
        max_schedules: 1000,
        target: Some("no such title".into()),
        ..Default::default()
    };
    let res = runner::search(&mut ex, &spec, &mut runner::never_stop);
    assert!(res.outcome.is_none());
    assert!(res.complete);
    assert!(res.other_findings >= 1);
    let spec = runner::SearchSpec {
        target: Some(any.finding.unwrap().title),
        ..spec
    };
    assert!(runner::search(&mut ex, &spec, &mut runner::never_stop)
        .outcome
        .is_some());
}

/// `abba` with `idle` do-nothing actors between the two lockers, so that the second one's
/// thread id is `idle + 1` (beyond 64 exercises the wide thread masks).
fn abba_among_idle(idle: usize) -> Value {
    let mut v = abba(true, false);
    let idle_fn = json!({"name": "idle", "file": 0, "line": 1, "params": 0, "locals": 1,
                         "code": [["retnone"]], "lines": [1]});
    v["functions"].as_array_mut().unwrap().push(idle_fn);
    let threads = v["threads"].as_array_mut().unwrap();
    let second = threads.pop().unwrap();
    for i in 0..idle {
        threads.push(json!({"name": format!("idle{i}"), "actions": [{"func": 2}],
                            "default": [0], "min": 1, "max": 1}));
    }
    threads.push(second);
    v
}

#[test]
fn more_than_a_thousand_threads_run_under_every_strategy() {
    let idle = 1100;
    let prog = load(&abba_among_idle(idle));
    let mut ex = Execution::new(&prog).unwrap();
    for strategy in ["random", "pct", "pos"] {
        let p = Params { seed: 7, depth: 2 };
        let b = runner::run_batch(
            &mut ex,
            strategy,
            &p,
            200_000,
            true,
            &mut runner::never_stop,
        )
        .unwrap();
        let (_, o) = b.first.expect("a finding");
        let f = o.finding.as_ref().unwrap();
        assert_eq!(f.kind.name(), "deadlock", "{strategy}");
        // The finding replays from its choices, thread ids above 1,000 included.
        let again = runner::replay(&mut ex, &o.choices, true, false);
        assert_eq!(again.finding.unwrap().title, f.title, "{strategy}");
    }
    // The actor limit is the loader's: at it the program loads; one actor more is refused.
    let most = pyfuzz_core::limits::MAX_ACTORS - 2;
    assert!(load_program(abba_among_idle(most).to_string().as_bytes()).is_ok());
    let too_many = abba_among_idle(most + 1);
    assert!(load_program(too_many.to_string().as_bytes()).is_err());
}

#[test]
fn identical_idle_threads_start_in_one_order_and_the_deadlock_is_still_found() {
    // Four identical idle threads between the two lockers: the plain search tries every
    // order in which they start; with symmetry, one order, with or without the reduction.
    let prog = load(&abba_among_idle(4));
    let mut ex = Execution::new(&prog).unwrap();
    let search = |ex: &mut Execution, bound, no_reduction, symmetry| {
        let spec = runner::SearchSpec {
            max_preemptions: bound,
            max_schedules: u64::MAX,
            no_reduction,
            symmetry,
            every_finding: true,
            ..Default::default()
        };
        runner::search(ex, &spec, &mut runner::never_stop)
    };
    for bound in [0, 1] {
        let plain = search(&mut ex, bound, true, false);
        for no_reduction in [true, false] {
            let sym = search(&mut ex, bound, no_reduction, true);
            assert!(sym.symmetry && sym.complete);
            assert_eq!(sym.titles, plain.titles, "bound {bound}");
            assert!(sym.schedules * 10 < plain.schedules, "bound {bound}");
        }
    }
    let plain = search(&mut ex, 1, true, false);
    assert_eq!(plain.titles.get("deadlock in take_ab"), Some(&1));
}

#[test]
fn a_poll_callback_that_answers_false_interrupts_batches_and_searches() {
    let prog = load(&abba(false, true));
    let mut ex = Execution::new(&prog).unwrap();
    let mut polls = 0;
    let mut stop_at_third = |p: &runner::Progress| {
        polls += 1;
        assert!(p.executions > 0);
        polls < 3
    };
    let p = Params { seed: 1, depth: 2 };
    let b = runner::run_batch(&mut ex, "random", &p, 1_000_000, false, &mut stop_at_third).unwrap();
    assert!(b.interrupted);
    assert_eq!(b.executions, 3 * runner::POLL_EVERY - 1);

    // Eight threads, six of them idle: bound 0 alone has thousands of orders to explore
    // without the partial-order reduction.
    let prog = load(&abba_among_idle(6));
    let mut ex = Execution::new(&prog).unwrap();
    let spec = runner::SearchSpec {
        max_preemptions: 2,
        max_schedules: u64::MAX,
        no_reduction: true,
        ..Default::default()
    };
    let mut calls = 0;
    let r = runner::search(&mut ex, &spec, &mut |p| {
        calls += 1;
        assert_eq!(p.bound, 0);
        calls < 2
    });
    assert!(r.interrupted && !r.complete && r.outcome.is_none());
    assert_eq!(r.schedules, 2 * runner::POLL_EVERY - 1);
}

#[test]
fn complete_exploration_stops_at_the_first_bound_that_cuts_nothing() {
    let prog = load(&abba(false, true));
    let mut ex = Execution::new(&prog).unwrap();
    let r = runner::verify(&mut ex, u32::MAX, 1_000_000);
    assert!(r.outcome.is_none() && r.complete && r.exhaustive);
    assert_eq!(r.new_per_bound.len() as u32, r.bound + 1);
    // Each schedule is counted once, at its own preemption count; later bounds re-run the
    // earlier ones, so executions exceed the distinct schedules.
    let distinct: u64 = r.new_per_bound.iter().sum();
    assert!(r.new_per_bound.iter().all(|&n| n > 0));
    assert!(distinct < r.schedules);
    // The same bound, asked for explicitly, explores the same distinct schedules.
    let again = runner::verify(&mut ex, r.bound, 1_000_000);
    assert_eq!(again.new_per_bound, r.new_per_bound);
    assert!(again.exhaustive);
    // One bound less is complete for that bound but not exhaustive.
    let less = runner::verify(&mut ex, r.bound - 1, 1_000_000);
    assert!(less.complete && !less.exhaustive);
}

#[test]
fn all_workloads_explores_the_actions_the_default_workload_leaves_out() {
    // One actor with two actions: a harmless default, and the use after free.
    let mut v = uaf(true);
    let harmless = json!({"name": "noop", "file": 0, "line": 1, "params": 0, "locals": 1,
                          "code": [["retnone"]], "lines": [1]});
    v["functions"].as_array_mut().unwrap().insert(0, harmless);
    v["threads"] = json!([{"name": "t", "actions": [{"func": 0}, {"func": 1}],
                           "default": [0], "min": 1, "max": 2}]);
    let prog = load(&v);
    let mut ex = Execution::new(&prog).unwrap();
    let default = runner::verify(&mut ex, 1, 1_000_000);
    assert!(default.outcome.is_none() && default.exhaustive);
    assert_eq!(default.workloads.len(), 1);

    let spec = runner::SearchSpec {
        max_preemptions: 1,
        max_schedules: 1_000_000,
        all_workloads: true,
        ..Default::default()
    };
    let all = runner::search(&mut ex, &spec, &mut runner::never_stop);
    let o = all
        .outcome
        .expect("the use after free in a non-default workload");
    assert_eq!(o.finding.unwrap().kind.name(), "use-after-free");
    // Workloads before it were explored and counted: [count 1, noop] at least.
    assert!(!all.workloads.is_empty());
    // The finding's workload replays from its choices.
    let again = runner::replay(&mut ex, &o.choices, true, false);
    assert_eq!(again.finding.unwrap().kind.name(), "use-after-free");

    // Without the bug, every workload is explored and counted once: counts 1..=2 of two
    // actions = 2 + 4 workloads.
    let mut clean = v.clone();
    clean["functions"][1] = json!({"name": "noop2", "file": 0, "line": 1, "params": 0,
                                   "locals": 1, "code": [["retnone"]], "lines": [1]});
    let prog = load(&clean);
    let mut ex = Execution::new(&prog).unwrap();
    let all = runner::search(&mut ex, &spec, &mut runner::never_stop);
    assert!(all.outcome.is_none() && all.exhaustive);
    assert_eq!(all.workloads.len(), 6);
    assert_eq!(
        all.workloads.iter().map(|w| w.1).sum::<u64>(),
        all.new_per_bound.iter().sum::<u64>()
    );
}
