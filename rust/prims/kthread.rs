//! Family `kthread`: kernel threads created at run time, with kernel/kthread.c's rules
//! (`kthread_create_on_node` + `wake_up_process` = `kthread_run`, `kthread()`,
//! `kthread_should_stop`, `kthread_stop`, `kthread_exit`).
//!
//! - `kthread_run(fn, data, name)` starts a thread in process context, named `name` (its
//!   comm, as `ps` and the kernel's reports show it), and returns its `task_struct`: a heap
//!   object of kind `Task`. The new thread's first step is `kthread()`: if `kthread_stop`
//!   already ran, it exits with -EINTR without calling `fn`; otherwise it calls `fn(data)`.
//! - `kthread_should_stop()` reads the running kthread's KTHREAD_SHOULD_STOP bit.
//! - `kthread_stop(task)` takes a task reference (`get_task_struct`), sets the bit, wakes the
//!   thread (`wake_up_process`: a thread asleep in `wait_event*` wakes and re-tests its
//!   condition; other sleeps are not ended), waits for it to exit (D state) and returns
//!   what `fn` returned (-EINTR if `fn` never ran); the last `put_task_struct` frees the task.
//! - A thread whose `fn` returns while nobody is stopping it exits and is reaped: its
//!   `task_struct` is freed (kthreadd ignores SIGCHLD, so its children are reaped at exit), and
//!   a later `kthread_stop` on it is a use-after-free in `kthread_stop`, as KASAN reports it.
//! - At the end of a run, a kthread still sleeping that nothing can stop any more (no global
//!   and no other thread reaches its `task_struct`) outlives its module: kthreads do not pin
//!   their module, so once it is unloaded the thread runs freed module text. It is reported
//!   as the kernel's instruction-fetch page fault in the thread. A kthread asleep
//!   interruptibly that can still be stopped is a kernel thread's idle state, not a stranded
//!   waiter.

use super::Operands;
use crate::exec::thread::{Status, Wait};
use crate::exec::Execution;
use crate::ir::{Context, ObjKind};
use crate::oracle::report::{frames_of, title_function};
use crate::oracle::Kind;
use crate::world::{Obj, ObjRef, ObjState, Value, NONE};

/// -EINTR: `kthread_stop`'s result for a thread whose function never ran.
const EINTR: i64 = -4;

/// The family's primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    KthreadRun,
    KthreadShouldStop,
    KthreadStop,
    SignalPending,
}

/// The state of a kthread's `task_struct`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskState {
    /// The thread slot running it.
    pub tid: u32,
    /// KTHREAD_SHOULD_STOP.
    pub should_stop: bool,
    /// The thread has exited (`kthread_exit`); `result` is its exit code.
    pub exited: bool,
    pub result: i64,
    /// `kthread_stop` callers holding a task reference (they wait for the exit).
    pub stoppers: u32,
}

impl Default for TaskState {
    fn default() -> TaskState {
        TaskState {
            tid: NONE,
            should_stop: false,
            exited: false,
            result: 0,
            stoppers: 0,
        }
    }
}

impl Obj {
    fn task(&mut self) -> &mut TaskState {
        match &mut self.state {
            ObjState::Task(t) => t,
            _ => unreachable!("a task object has a task state"),
        }
    }
}

pub(super) fn exec(ex: &mut Execution, tid: usize, d: u8, op: Op, [a, b, c]: Operands) {
    match op {
        Op::KthreadRun => ex.kthread_run(tid, d, a, b, c),
        Op::KthreadShouldStop => {
            let task = ex.threads[tid].kthread;
            if task == NONE {
                let msg = "kthread_should_stop() outside a thread started by kthread_run".into();
                ex.model_error(tid, msg);
                return;
            }
            let stop = ex.world.objs[task as usize].task().should_stop;
            ex.finish_op(tid, d, Value::Int(stop as i64));
        }
        Op::KthreadStop => ex.kthread_stop(tid, d, a),
        Op::SignalPending => {
            let pending = ex.signal_pending(tid);
            ex.finish_op(tid, d, Value::Int(pending as i64));
        }
    }
}

impl Execution<'_> {
    /// `kthread_run`: create the task, start the thread, return the task.
    fn kthread_run(&mut self, tid: usize, d: u8, func: Value, data: Value, name: Value) {
        let f = match func {
            Value::Func(f) if self.prog.functions[f as usize].params == 1 => f,
            _ => {
                let msg = "kthread_run needs a thread function taking one argument (data)";
                self.model_error(tid, msg.into());
                return;
            }
        };
        let Value::Str(comm) = name else {
            self.model_error(tid, "kthread_run's name is a string constant".into());
            return;
        };
        if self.booting {
            // Boot's state is a snapshot of the heap, not of threads.
            let msg = "kthread_run during boot: start kthreads from an actor (e.g. its probe)";
            self.model_error(tid, msg.into());
            return;
        }
        // kthread_create_on_node waits for kthreadd (wait_for_completion_killable).
        if !self.might_sleep(tid) {
            return;
        }
        // Fault injection: __kthread_create_on_node's kmalloc of its request fails, and
        // kthread_run returns ERR_PTR(-ENOMEM) (an int here, see prims::err).
        if let Some(v) = self.prim_fails(tid, crate::prims::Prim::KthreadRun) {
            self.finish_op(tid, d, v);
            return;
        }
        if !self.heap_has_room(tid) {
            return;
        }
        let task = self.world.alloc_task();
        // KASAN's "Allocated by task": the creator (copy_process runs on its behalf).
        self.world.objs[task as usize].alloc_stack = self.current_stack(tid);
        let w = self.spawn_thread(Context::Process, Some(f), &[data]);
        let t = &mut self.threads[w];
        t.kthread = task;
        t.comm = comm;
        self.world.objs[task as usize].task().tid = w as u32;
        // Both threads reach the task and the data from now on.
        if let Value::Ref(r) = data {
            self.publish_allocation(r.idx);
        }
        let r = self.world.ref_of(task);
        self.finish_op(tid, d, Value::Ref(r));
    }

    /// `kthread_stop`: set should-stop, wake the thread, wait for its exit, return its
    /// result. Re-entered after every wake-up (`retrying`).
    fn kthread_stop(&mut self, tid: usize, d: u8, task: Value) {
        let Some(r) = self.prim_obj(tid, task, ObjKind::Task) else {
            return;
        };
        let i = r.idx as usize;
        if !self.threads[tid].retrying {
            if !self.might_sleep(tid) {
                return;
            }
            let st = self.world.objs[i].task();
            st.stoppers += 1;
            st.should_stop = true;
            let target = st.tid as usize;
            if !st.exited {
                self.wake_up_process(target);
            }
        }
        let st = self.world.objs[i].task();
        if !st.exited {
            self.block(tid, Wait::Kthread { obj: r.idx });
            return;
        }
        st.stoppers -= 1;
        let (ret, last) = (st.result, st.stoppers == 0);
        if last {
            self.put_task(tid, r.idx);
        }
        self.finish_op(tid, d, Value::Int(ret));
    }

    /// `wake_up_process` on a kthread (TASK_NORMAL: any sleep): a sleep on a wait queue
    /// (`wait_event*`, whose loop re-tests its condition) ends, and so does an interruptible
    /// completion or mutex wait (it retries, sees the signal `kthread_stop` set and fails);
    /// a D-state completion or lock wait re-tests its own condition and sleeps again.
    fn wake_up_process(&mut self, target: usize) {
        let t = &mut self.threads[target];
        if t.status == Status::Done {
            return;
        }
        if t.wq != NONE {
            t.wq_woken = true;
        }
        let ends = match t.wait {
            Wait::WaitQueue { obj, .. } => obj == t.wq,
            Wait::Completion { mode: 1, .. } => true,
            Wait::Mutex {
                interruptible: true,
                ..
            } => true,
            _ => false,
        };
        if ends {
            self.unblock(target);
        }
    }

    /// `signal_pending(current)`: kthread_stop sets TIF_NOTIFY_SIGNAL with the should-stop
    /// bit (kernel/kthread.c since 5.19/6.0, "so that interruptible waits break out"), and
    /// nothing clears it in a kthread; the model sends no other signals.
    pub(crate) fn signal_pending(&self, tid: usize) -> bool {
        let task = self.threads[tid].kthread;
        task != NONE
            && matches!(self.world.objs[task as usize].state, ObjState::Task(t) if t.should_stop)
    }

    /// The last reference to a task is gone (`tid` dropped it): free it.
    fn put_task(&mut self, tid: usize, idx: u32) {
        self.world.objs[idx as usize].free_stack = self.current_stack(tid);
        let base = self.world.objs[idx as usize].base;
        self.touch(crate::sched::events::SPACE_ALLOC | base as u64, true);
        self.world.free_allocation(idx);
    }

    /// A kthread that has not entered its function is scheduled: `kthread()` either calls
    /// the function (returns true: it runs in this step) or, when `kthread_stop` came first,
    /// exits with -EINTR (the whole step).
    pub(crate) fn kthread_step(&mut self, tid: usize) -> bool {
        let task = self.threads[tid].kthread;
        self.touch_primitive(task);
        self.threads[tid].kthread_started = true;
        if !self.world.objs[task as usize].task().should_stop {
            return true;
        }
        let t = &mut self.threads[tid];
        t.frames.clear();
        t.regs.clear();
        self.kthread_exit(tid, EINTR);
        false
    }

    /// The kthread's function returned `ret` (or it never ran): `kthread_exit`. Its stoppers
    /// wake with the result; with none, the task is reaped and freed.
    pub(crate) fn kthread_exit(&mut self, tid: usize, ret: i64) {
        let task = self.threads[tid].kthread;
        self.touch_primitive(task);
        let st = self.world.objs[task as usize].task();
        st.exited = true;
        st.result = ret;
        if st.stoppers == 0 {
            self.put_task(tid, task);
        } else {
            self.wake_where(|w| w == Wait::Kthread { obj: task });
        }
        self.threads[tid].kthread = NONE;
        self.set_status(tid, Status::Done);
    }

    /// At quiescence: reports a kthread that nothing can stop any more (see the module doc)
    /// and returns true; false when every sleeping kthread can still be stopped.
    pub(crate) fn kthread_quiescent_check(&mut self) -> bool {
        let Some(tid) = (0..self.nthreads).find(|&t| {
            let th = &self.threads[t];
            th.kthread != NONE
                && (th.status == Status::Blocked || th.sleeping)
                && self.world.objs[th.kthread as usize]
                    .task()
                    .running_unstopped()
                && !self.task_reachable(t)
        }) else {
            return false;
        };
        self.report_orphan_kthread(tid);
        true
    }

    /// Whether a global or a live thread other than the kthread `tid` reaches its task.
    fn task_reachable(&self, tid: usize) -> bool {
        let task = self.threads[tid].kthread;
        let others = self.threads[..self.nthreads]
            .iter()
            .enumerate()
            .filter(|&(t, th)| t != tid && th.status != Status::Done)
            .flat_map(|(_, th)| th.regs.iter().copied());
        let roots = self
            .world
            .globals
            .iter()
            .map(|&g| Value::Ref(g))
            .chain(others);
        let mut marks = Vec::new();
        crate::oracle::leak::mark_reachable(&self.world, roots, &mut marks);
        marks[self.world.objs[task as usize].base as usize]
    }

    fn report_orphan_kthread(&mut self, tid: usize) {
        let prog = self.prog;
        let frames = frames_of(&self.threads[tid]);
        let func = title_function(prog, &frames);
        let (f, pc) = frames.first().copied().unwrap_or((0, 0));
        // The module's text (vmalloc'd module space), gone after the unload.
        let addr = 0xffff_ffff_c000_0000u64 + f as u64 * 0x1000 + pc as u64 * 4;
        let (comm, _) = crate::oracle::report::task(prog, &self.threads[tid], tid);
        let text = format!(
            "BUG: unable to handle page fault for address: {addr:016x}\n\
             #PF: supervisor instruction fetch in kernel mode\n\
             #PF: error_code(0x0010) - not-present page\n\
             Oops: 0010 [#1] PREEMPT SMP KASAN\n{}RIP: 0010:0x{addr:x}\n\
             Code: Unable to access opcode bytes at 0x{:x}.\n{}\
             pyfuzz: kthread '{comm}' is still running and nothing can kthread_stop() it any more \
             (no global and no other task reaches its task_struct): kthreads do not pin their \
             module, so after the module is unloaded it resumes in freed module text\n",
            self.header(tid),
            addr.wrapping_sub(crate::oracle::render::OPCODE_PROLOGUE),
            self.trace_of(tid),
        );
        let what = "BUG: unable to handle kernel paging request";
        self.raise(tid, Kind::PageFault, what, Some(func), text);
    }

    /// What `kthread_stop` on task `r` wakes, for the partial-order reduction: the wait
    /// queue its thread is registered on and the completion or mutex it sleeps on
    /// interruptibly (NONE for each that does not apply).
    pub(crate) fn kthread_targets(&self, r: ObjRef) -> [u32; 2] {
        match self.world.objs.get(r.idx as usize).map(|o| o.state) {
            Some(ObjState::Task(st)) if (st.tid as usize) < self.nthreads && !st.exited => {
                let t = &self.threads[st.tid as usize];
                let waits_on = match t.wait {
                    Wait::Completion { obj, mode: 1 } => obj,
                    Wait::Mutex {
                        obj,
                        interruptible: true,
                    } => obj,
                    _ => NONE,
                };
                [t.wq, waits_on]
            }
            _ => [NONE; 2],
        }
    }
}

impl TaskState {
    /// Still running and not being stopped.
    fn running_unstopped(&self) -> bool {
        !self.exited && self.stoppers == 0
    }
}

#[cfg(test)]
mod tests {
    use crate::exec::Execution;
    use crate::ir::load_program;
    use crate::outcome::Outcome;

    /// Runs `main` (thread "main") with `thr` as function 1 (one parameter) and `thr2` as
    /// function 2, in the default schedule. Register 8 of `main` holds the global `g`, whose
    /// fields are `task` (a reference), `done` (a completion), `wq` (a wait queue) and `val`
    /// (strings 0..=3); string 4 is "kt/0", string 5 a 20-character name.
    fn run(main: &[&str], thr: &[&str]) -> Outcome {
        let mut code = vec![r#"["global", 8, 0]"#];
        code.extend_from_slice(main);
        code.push(r#"["retnone"]"#);
        let mut tcode = thr.to_vec();
        tcode.push(r#"["retnone"]"#);
        let lines = |n: usize| vec!["1"; n].join(", ");
        let ir = format!(
            r#"{{"version": 1, "files": ["t.py"],
            "strings": ["task", "done", "wq", "val", "kt/0", "a_very_long_kthread_name"],
            "structs": [{{"name": "G", "fields": [
                {{"name": "task", "type": {{"ref": null}}}}, {{"name": "done", "type": "completion"}},
                {{"name": "wq", "type": "waitqueue"}}, {{"name": "val", "type": "int"}}]}}],
            "functions": [
              {{"name": "main", "file": 0, "line": 1, "params": 0, "locals": 16,
                "code": [{}], "lines": [{}]}},
              {{"name": "thr", "file": 0, "line": 1, "params": 1, "locals": 16,
                "code": [{}], "lines": [{}]}}],
            "globals": [{{"name": "g", "struct": 0}}],
            "threads": [{{"name": "main", "actions": [{{"func": 0}}], "default": [0],
                          "min": 1, "max": 1}}]}}"#,
            code.join(", "),
            lines(code.len()),
            tcode.join(", "),
            lines(tcode.len()),
        );
        let prog = load_program(ir.as_bytes()).expect("valid test IR");
        let prog: &'static crate::ir::Program = Box::leak(Box::new(prog));
        let mut ex = Execution::new(prog).expect("boots");
        crate::runner::run_bytes(&mut ex, b"", true)
    }

    fn kind(o: &Outcome) -> Option<&'static str> {
        match &o.model_error {
            Some(_) => Some("model-error"),
            None => o.finding.as_ref().map(|f| f.kind.name()),
        }
    }

    /// `main` starts `thr` with g as its data, named "kt/0", the task in register 1.
    const START: [&str; 3] = [
        r#"["func", 2, 1]"#,
        r#"["str", 3, 4]"#,
        r#"["prim", 1, "kthread_run", [2, 8, 3]]"#,
    ];

    /// `thr`: wait_event_interruptible(g.wq, kthread_should_stop()), then return 7.
    const IDLE: [&str; 9] = [
        r#"["load", 1, 0, 2]"#,
        r#"["int", 4, 1]"#,
        r#"["prim", 2, "wq_prepare", [1]]"#,
        r#"["prim", 3, "kthread_should_stop", []]"#,
        r#"["jnz", 3, 7]"#,
        r#"["prim", 2, "wq_wait", [1, 4]]"#,
        r#"["jmp", 2]"#,
        r#"["prim", 2, "wq_finish", [1]]"#,
        r#"["int", 5, 7]"#,
    ];

    #[test]
    fn stop_wakes_the_idle_thread_and_returns_its_result() {
        let mut thr = IDLE.to_vec();
        thr.push(r#"["ret", 5]"#);
        let mut main = START.to_vec();
        main.extend([
            r#"["store", 8, 0, 1]"#,
            r#"["prim", 4, "kthread_stop", [1]]"#,
            // 7 when the function ran, -EINTR when the stop came before its first step.
            r#"["int", 5, 7]"#,
            r#"["bin", "eq", 6, 4, 5]"#,
            r#"["int", 5, -4]"#,
            r#"["bin", "eq", 7, 4, 5]"#,
            r#"["bin", "or", 6, 6, 7]"#,
            r#"["assert", 6]"#,
        ]);
        let o = run(&main, &thr);
        assert_eq!(kind(&o), None, "{:?}", o.finding.map(|f| f.report));
        let rec = o.recorded.expect("traced");
        let threads: Vec<String> = rec.trace.iter().map(|r| r.thread.clone()).collect();
        assert!(threads.iter().any(|t| t == "kt/0"), "{threads:?}");
        // Left idle with its task reachable (the global holds it): clean, not stranded.
        let idle = [START.as_slice(), &[r#"["store", 8, 0, 1]"#]].concat();
        let o = run(&idle, &thr);
        assert_eq!(kind(&o), None, "{:?}", o.finding.map(|f| f.report));
    }

    #[test]
    fn an_unstoppable_thread_runs_freed_module_text() {
        let mut thr = IDLE.to_vec();
        thr.push(r#"["ret", 5]"#);
        let o = run(&START, &thr);
        assert_eq!(kind(&o), Some("page-fault"));
        let f = o.finding.expect("finding");
        assert_eq!(
            f.title,
            "BUG: unable to handle kernel paging request in thr"
        );
        assert_eq!(f.thread, "kt/0");
        assert!(f
            .report
            .contains("#PF: supervisor instruction fetch in kernel mode"));
        assert!(f.report.contains("Comm: kt/0 "), "{}", f.report);
    }

    #[test]
    fn stopping_a_thread_that_exited_is_a_use_after_free() {
        // thr completes g.done and returns; main waits for it, then stops the exited thread.
        let thr = [r#"["load", 1, 0, 1]"#, r#"["prim", 2, "complete", [1]]"#];
        let mut main = START.to_vec();
        main.extend([
            r#"["load", 4, 8, 1]"#,
            r#"["prim", 5, "wait_for_completion", [4]]"#,
            r#"["prim", 5, "kthread_stop", [1]]"#,
        ]);
        let o = run(&main, &thr);
        assert_eq!(kind(&o), Some("use-after-free"));
        let f = o.finding.expect("finding");
        assert!(f.report.contains("kthread_stop"), "{}", f.report);
    }

    #[test]
    fn arguments_and_context_are_checked() {
        let outside = [r#"["prim", 1, "kthread_should_stop", []]"#];
        assert_eq!(kind(&run(&outside, &[])), Some("model-error"));
        let no_name = [
            r#"["func", 2, 1]"#,
            r#"["prim", 1, "kthread_run", [2, 8, 8]]"#,
        ];
        assert_eq!(kind(&run(&no_name, &[])), Some("model-error"));
        let atomic = [[r#"["prim", 0, "preempt_disable", []]"#].as_slice(), &START].concat();
        assert_eq!(kind(&run(&atomic, &[])), Some("sleep-in-atomic"));
        // A long name is cut to TASK_COMM_LEN - 1 characters, as the kernel's comm is.
        let long = [
            r#"["func", 2, 1]"#,
            r#"["str", 3, 5]"#,
            r#"["prim", 1, "kthread_run", [2, 8, 3]]"#,
        ];
        let o = run(&long, &[r#"["assert", 9]"#]);
        assert_eq!(o.finding.expect("BUG_ON").thread, "a_very_long_kth");
    }
}
