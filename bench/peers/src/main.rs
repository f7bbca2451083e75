//! pyfuzz-peers: the peer programs of bench/peers/ under shuttle and loom, one measurement per
//! invocation, one JSON object on stdout (compare.py runs it and collects the objects).
//!
//! ```text
//! pyfuzz-peers rate      PROGRAM VARIANT random|pct SECONDS SEED DEPTH
//! pyfuzz-peers first-bug PROGRAM VARIANT random|pct SEEDS MAX_EXECUTIONS DEPTH
//! pyfuzz-peers dfs       PROGRAM VARIANT
//! pyfuzz-peers loom      PROGRAM VARIANT
//! pyfuzz-peers points    PROGRAM VARIANT
//! ```
//!
//! PROGRAM is `stop-io`, `demo-alive-flag` or `abba`; VARIANT is `buggy` or `fixed`.

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, Runner};

mod shuttle_programs {
    use shuttle::sync::atomic::{AtomicUsize, Ordering};
    use shuttle::sync::Mutex;
    use shuttle::thread;
    use std::sync::Arc;
    include!("programs.rs");
}

mod loom_programs {
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::Mutex;
    use loom::thread;
    use std::sync::Arc;
    include!("programs.rs");
}

/// Executions started, counted outside the tools (a std atomic: no scheduling point).
static EXECUTIONS: StdAtomicUsize = StdAtomicUsize::new(0);

#[derive(Clone, Copy)]
enum Program {
    StopIo,
    Demo,
    Abba,
}

#[derive(Clone, Copy)]
enum Tool {
    Shuttle,
    Loom,
}

fn parse_program(s: &str) -> Result<Program, String> {
    match s {
        "stop-io" => Ok(Program::StopIo),
        "demo-alive-flag" => Ok(Program::Demo),
        "abba" => Ok(Program::Abba),
        _ => Err(format!(
            "unknown program '{s}' (stop-io, demo-alive-flag, abba)"
        )),
    }
}

fn parse_fixed(s: &str) -> Result<bool, String> {
    match s {
        "buggy" => Ok(false),
        "fixed" => Ok(true),
        _ => Err(format!("unknown variant '{s}' (buggy, fixed)")),
    }
}

/// The test closure: one execution of `program` under `tool`.
fn body(tool: Tool, program: Program, fixed: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        EXECUTIONS.fetch_add(1, StdOrdering::Relaxed);
        match (tool, program) {
            (Tool::Shuttle, Program::StopIo) => shuttle_programs::stop_io(fixed),
            (Tool::Shuttle, Program::Demo) => shuttle_programs::demo(fixed),
            (Tool::Shuttle, Program::Abba) => shuttle_programs::abba(fixed),
            (Tool::Loom, Program::StopIo) => loom_programs::stop_io(fixed),
            (Tool::Loom, Program::Demo) => loom_programs::demo(fixed),
            (Tool::Loom, Program::Abba) => loom_programs::abba(fixed),
        }
    }
}

fn config(max_time: Option<Duration>) -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.silence_warnings = true;
    config.max_time = max_time;
    config
}

/// The failure class of a panic payload: "use-after-free", "deadlock", or the message.
fn classify(payload: &(dyn std::any::Any + Send)) -> String {
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    for class in ["use-after-free", "double-free", "deadlock", "NULL pointer"] {
        if msg.contains(class) {
            return class.to_string();
        }
    }
    msg.lines().next().unwrap_or("panic").replace('"', "'")
}

/// Runs `run`, catching the tool's panic; returns (executions started, failure class).
fn counted<F: FnOnce()>(run: F) -> (usize, Option<String>) {
    EXECUTIONS.store(0, StdOrdering::Relaxed);
    let res = panic::catch_unwind(AssertUnwindSafe(run));
    let n = EXECUTIONS.load(StdOrdering::Relaxed);
    (n, res.err().map(|p| classify(p.as_ref())))
}

fn json_str(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("\"{s}\""),
        None => "null".to_string(),
    }
}

fn shuttle_scheduler(
    strategy: &str,
    seed: u64,
    depth: usize,
    max: usize,
) -> Box<dyn Scheduler + Send> {
    match strategy {
        "random" => Box::new(RandomScheduler::new_from_seed(seed, max)),
        "pct" => Box::new(PctScheduler::new_from_seed(seed, depth, max)),
        _ => panic!("unknown strategy '{strategy}' (random, pct)"),
    }
}

/// Executions per second of shuttle's random or PCT scheduler for `seconds`.
fn rate(
    program: Program,
    fixed: bool,
    strategy: &str,
    seconds: f64,
    seed: u64,
    depth: usize,
) -> String {
    let sched = shuttle_scheduler(strategy, seed, depth, usize::MAX);
    let start = Instant::now();
    let (n, failure) = counted(|| {
        Runner::new(sched, config(Some(Duration::from_secs_f64(seconds)))).run(body(
            Tool::Shuttle,
            program,
            fixed,
        ));
    });
    let secs = start.elapsed().as_secs_f64();
    format!(
        "{{\"executions\":{n},\"seconds\":{secs:.6},\"executions_per_s\":{:.0},\"failure\":{}}}",
        n as f64 / secs,
        json_str(&failure)
    )
}

/// Executions to the first failure for seeds 1..=SEEDS (null: none within MAX_EXECUTIONS).
fn first_bug(
    program: Program,
    fixed: bool,
    strategy: &str,
    seeds: u64,
    max: usize,
    depth: usize,
) -> String {
    let mut found = Vec::new();
    let mut classes = Vec::new();
    let start = Instant::now();
    for seed in 1..=seeds {
        let sched = shuttle_scheduler(strategy, seed, depth, max);
        let (n, failure) = counted(|| {
            Runner::new(sched, config(None)).run(body(Tool::Shuttle, program, fixed));
        });
        match failure {
            Some(class) => {
                found.push(n.to_string());
                if !classes.contains(&class) {
                    classes.push(class);
                }
            }
            None => found.push("null".to_string()),
        }
    }
    let classes: Vec<String> = classes.iter().map(|c| format!("\"{c}\"")).collect();
    format!(
        "{{\"executions\":[{}],\"failures\":[{}],\"seconds\":{:.6}}}",
        found.join(","),
        classes.join(","),
        start.elapsed().as_secs_f64()
    )
}

/// Shuttle's DFS (every schedule, no reduction) until done or the first failure.
fn dfs(program: Program, fixed: bool) -> String {
    let start = Instant::now();
    let (n, failure) = counted(|| {
        Runner::new(DfsScheduler::new(None, false), config(None)).run(body(
            Tool::Shuttle,
            program,
            fixed,
        ));
    });
    format!(
        "{{\"schedules\":{n},\"seconds\":{:.6},\"complete\":{},\"failure\":{}}}",
        start.elapsed().as_secs_f64(),
        failure.is_none(),
        json_str(&failure)
    )
}

/// loom's model checker (DPOR; preemption bound: none unless LOOM_MAX_PREEMPTIONS is set).
fn loom_check(program: Program, fixed: bool) -> String {
    let builder = loom::model::Builder::new();
    let bound = builder.preemption_bound;
    let start = Instant::now();
    let (n, failure) = counted(|| builder.check(body(Tool::Loom, program, fixed)));
    format!(
        "{{\"schedules\":{n},\"seconds\":{:.6},\"complete\":{},\"failure\":{},\"preemption_bound\":{}}}",
        start.elapsed().as_secs_f64(),
        failure.is_none(),
        json_str(&failure),
        bound.map_or("null".to_string(), |b| b.to_string())
    )
}

/// A scheduler that runs one execution without preemptions (the running task goes on while it
/// can, else the lowest runnable id) and counts shuttle's scheduling points on the way.
struct Counting {
    started: bool,
    points: Arc<StdAtomicUsize>,
    choices: Arc<StdAtomicUsize>,
}

impl Scheduler for Counting {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _yielding: bool,
    ) -> Option<TaskId> {
        self.points.fetch_add(1, StdOrdering::Relaxed);
        if runnable.len() > 1 {
            self.choices.fetch_add(1, StdOrdering::Relaxed);
        }
        match current {
            Some(c) if runnable.iter().any(|t| t.id() == c) => Some(c),
            _ => runnable.first().map(|t| t.id()),
        }
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// Shuttle's scheduling points in one execution without preemptions (the first actor, on the
/// main thread, runs to its end first): all of them, and those with more than one runnable task.
fn points(program: Program, fixed: bool) -> String {
    let points = Arc::new(StdAtomicUsize::new(0));
    let choices = Arc::new(StdAtomicUsize::new(0));
    let sched = Counting {
        started: false,
        points: Arc::clone(&points),
        choices: Arc::clone(&choices),
    };
    let (_, failure) = counted(|| {
        Runner::new(sched, config(None)).run(body(Tool::Shuttle, program, fixed));
    });
    format!(
        "{{\"scheduling_points\":{},\"with_a_choice\":{},\"failure\":{}}}",
        points.load(StdOrdering::Relaxed),
        choices.load(StdOrdering::Relaxed),
        json_str(&failure)
    )
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> Result<T, String> {
    args.get(i)
        .ok_or_else(|| format!("missing {name}"))?
        .parse()
        .map_err(|_| format!("bad {name}: '{}'", args[i]))
}

fn run(args: &[String]) -> Result<String, String> {
    let cmd = args
        .first()
        .ok_or("usage: pyfuzz-peers rate|first-bug|dfs|loom|points PROGRAM VARIANT ...")?;
    let program = parse_program(args.get(1).map(String::as_str).unwrap_or(""))?;
    let fixed = parse_fixed(args.get(2).map(String::as_str).unwrap_or(""))?;
    Ok(match cmd.as_str() {
        "rate" => {
            let strategy: String = arg(args, 3, "strategy")?;
            rate(
                program,
                fixed,
                &strategy,
                arg(args, 4, "seconds")?,
                arg(args, 5, "seed")?,
                arg(args, 6, "depth")?,
            )
        }
        "first-bug" => {
            let strategy: String = arg(args, 3, "strategy")?;
            first_bug(
                program,
                fixed,
                &strategy,
                arg(args, 4, "seeds")?,
                arg(args, 5, "max executions")?,
                arg(args, 6, "depth")?,
            )
        }
        "dfs" => dfs(program, fixed),
        "loom" => loom_check(program, fixed),
        "points" => points(program, fixed),
        _ => return Err(format!("unknown command '{cmd}'")),
    })
}

fn main() -> ExitCode {
    // The tools report a failure by panicking; the panics are caught and classified here.
    panic::set_hook(Box::new(|_| {}));
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pyfuzz-peers: {e}");
            ExitCode::from(2)
        }
    }
}
