//! One execution: the World, the threads, the step loop and the end-of-run oracles.
//!
//! `Execution::new` compiles nothing: it allocates the globals, runs the boot functions once
//! and keeps the resulting World as the snapshot. `Execution::run` resets from that snapshot,
//! decodes the workload through the decider, then loops: pick a runnable thread at every
//! scheduling point, run it up to its next visible operation, until every thread is done, a
//! finding fires, or nothing can run (timeouts, then hung-task and stranded-waiter checks).

pub mod fault;
pub mod feedback;
pub mod footprint;
pub mod interp;
pub mod private;
pub mod state;
pub mod thread;
pub mod trace;
pub mod twins;

use crate::error::{CoreError, CoreResult};
use crate::ir::{Context, Instr, Program};
use crate::oracle::irq_usage::IrqUsage;
use crate::oracle::leak::find_leak;
use crate::oracle::lockdep::LockGraph;
use crate::oracle::{Finding, Kind};
use crate::sched::{ChoiceKind, Decider, Point, ThreadSet, Twins};
use crate::world::{Value, World, NONE};
use thread::{Frame, Status, Thread, Wait};
pub use trace::{PickRecord, Recording, TraceEvent, WorkloadRecord};

/// Fair scheduling: a thread that ran this many visible steps in a row while others could
/// run sits out the next scheduling decision (as a spinning task is descheduled when its
/// time slice ends), so no schedule spins to the step limit on a flag another runnable
/// thread would set, and the search does not branch on re-picking the spinner.
pub const FAIR_STEPS: u64 = 1000;

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Every thread finished (or only daemons are blocked) and no oracle fired.
    Ok,
    /// An oracle fired; see `Execution::finding`.
    Finding,
    /// The step bound was reached (a livelock or an unbounded loop in the model).
    StepLimit,
    /// A replayed choice could not be applied.
    Invalid,
    /// A reduced search stopped the run: every continuation was explored elsewhere.
    Redundant,
    /// The model itself went wrong (a field that does not exist, arithmetic on a pointer,
    /// ...): not a kernel finding; see `Execution::fault`.
    ModelError,
}

/// Where and why the model went wrong in a run whose status is `ModelError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelFault {
    pub file: String,
    pub line: u32,
    pub message: String,
    /// The message with the thread's stack, for a person.
    pub report: String,
}

impl RunStatus {
    /// The status name exposed to Python.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Finding => "finding",
            RunStatus::StepLimit => "step-limit",
            RunStatus::Invalid => "invalid",
            RunStatus::Redundant => "redundant",
            RunStatus::ModelError => "model-error",
        }
    }
}

/// The state of one execution, reused across runs.
pub struct Execution<'p> {
    pub prog: &'p Program,
    pub world: World,
    snapshot: World,
    /// The thread slots: one per actor, then the workers and kthreads spawned so far (the
    /// vector grows when a run needs more slots than any run before it, and is kept).
    pub threads: Vec<Thread>,
    pub nthreads: usize,
    /// The threads that can run.
    pub runnable: ThreadSet,
    /// Scratch: the runnable threads but the one fair scheduling sets aside.
    fair_mask: ThreadSet,
    pub cur: u32,
    pub steps: u64,
    pub ops: u64,
    pub switches: u64,
    pub preemptions: u64,
    pub choices: Vec<u32>,
    /// How many of `choices` are workload choices (they come first).
    pub workload_len: usize,
    /// The thread that ran the last step, and how many visible steps it ran in a row.
    streak_tid: u32,
    streak: u64,
    /// Consecutive steps of that thread while it was the only runnable one (the watchdog).
    lone: u64,
    /// The thread that sits out the next decision (fair scheduling), or NONE.
    fair_out: u32,
    /// The runnable threads in a timed sleep (`Thread::sleeping`): when they are all that
    /// can run, the CPUs are idle (`idle`).
    pub sleeping: ThreadSet,
    /// The states (`state_key`) of this run's idle points that had a timed wait or sleep
    /// to end: one seen again means that only time passes from then on (`idle_cycle`).
    idle_states: std::collections::BTreeSet<u128>,
    pub finding: Option<Finding>,
    /// Set with a `ModelError` finding: the structured model error.
    pub fault: Option<ModelFault>,
    pub lockgraph: LockGraph,
    /// Lockdep's usage bits per lock class (the IRQ-safety checks).
    pub irq_usage: IrqUsage,
    pub tracing: bool,
    /// What a traced run recorded (empty unless `tracing`).
    pub rec: Recording,
    /// Whether runs report model-state features to the libFuzzer counters (`crate::cov`).
    pub feedback: bool,
    /// With feedback: the site that last stored each value slot (reads-from pairs).
    writers: Vec<u64>,
    pending: Vec<u32>,
    /// The steps' footprints, when a partial-order reduction asks for them.
    pub footprints: crate::sched::events::Footprints,
    /// At the start of the step being recorded: whether its thread was an RCU reader (as
    /// `synchronize_rcu` sees it), and its count of quiescent states (`exec::footprint`).
    rcu_at_event: (bool, u64),
    marks: Vec<bool>,
    /// Reused work list (publication walks).
    scratch: Vec<u32>,
    /// Fault injection: the fail-nth of this run (0: none), the failable calls made so far,
    /// and the failure injected (`exec::fault`).
    pub fail_nth: u32,
    pub failable: u32,
    pub injected: Option<fault::Injected>,
    /// Whether the boot functions are running (allocations are shared, stacks are boot's).
    pub(crate) booting: bool,
    /// Whether this run tells its decider about identical threads (`sched::symmetry`), the
    /// twins it found (and what finding them keeps across runs), and whether a rule of the
    /// run chose between threads by their numbers where a twin could have changed the
    /// outcome (`exec::twins`).
    pub(crate) symmetric: bool,
    pub(crate) twins: Twins,
    twin_cache: twins::TwinCache,
    pub order_observed: bool,
}

impl<'p> Execution<'p> {
    /// Allocates the globals, runs boot, and snapshots the World.
    pub fn new(prog: &'p Program) -> CoreResult<Execution<'p>> {
        let mut ex = Execution {
            prog,
            world: World::default(),
            snapshot: World::default(),
            threads: (0..prog.actors.len().max(1))
                .map(|_| Thread::new())
                .collect(),
            nthreads: 0,
            runnable: ThreadSet::new(),
            fair_mask: ThreadSet::new(),
            cur: NONE,
            steps: 0,
            ops: 0,
            switches: 0,
            preemptions: 0,
            choices: Vec::with_capacity(256),
            workload_len: 0,
            streak_tid: NONE,
            streak: 0,
            lone: 0,
            fair_out: NONE,
            sleeping: ThreadSet::new(),
            idle_states: Default::default(),
            finding: None,
            fault: None,
            lockgraph: LockGraph::new(prog.lock_classes.len()),
            irq_usage: IrqUsage::new(prog.lock_classes.len()),
            tracing: false,
            rec: Recording::default(),
            feedback: false,
            writers: Vec::new(),
            pending: Vec::new(),
            footprints: Default::default(),
            rcu_at_event: (false, 0),
            marks: Vec::new(),
            scratch: Vec::new(),
            booting: true,
            fail_nth: 0,
            failable: 0,
            injected: None,
            symmetric: false,
            twins: Twins::default(),
            twin_cache: Default::default(),
            order_observed: false,
        };
        for &sid in &prog.globals {
            let idx = ex.world.alloc_struct(prog, sid);
            let r = ex.world.ref_of(idx);
            ex.world.globals.push(r);
        }
        ex.boot()?;
        ex.booting = false;
        ex.lockgraph.mark_base();
        ex.irq_usage.mark_base();
        ex.snapshot = ex.world.clone();
        Ok(ex)
    }

    fn boot(&mut self) -> CoreResult<()> {
        let prog = self.prog;
        for &f in &prog.boot {
            self.nthreads = 1;
            self.runnable.clear();
            self.threads[0].reset(NONE, Context::Process);
            self.set_status(0, Status::Runnable);
            self.push_frame(0, f, &[], 0, None);
            let mut guard = 0u64;
            while let Some(tid) = self.runnable.first().filter(|_| self.finding.is_none()) {
                self.cur = tid;
                self.step_thread(tid as usize);
                guard += 1;
                if guard > prog.config.max_steps * 10 {
                    return Err(CoreError::BootFailed(format!(
                        "boot function '{}' does not terminate",
                        prog.functions[f as usize].name
                    )));
                }
            }
            if let Some(fnd) = &self.finding {
                let first = fnd
                    .report
                    .lines()
                    .find(|l| !l.is_empty() && !l.chars().all(|c| c == '=' || c == '-'))
                    .unwrap_or("");
                let (file, line) = self.threads[0]
                    .frames
                    .last()
                    .map(|fr| prog.location(fr.func, fr.pc))
                    .unwrap_or_default();
                return Err(CoreError::BootFailed(format!(
                    "{file}:{line}: {} in boot function '{}' ({first})",
                    fnd.title, prog.functions[f as usize].name
                )));
            }
            if let Some(t) = (0..self.nthreads).find(|&t| self.threads[t].status == Status::Blocked)
            {
                return Err(CoreError::BootFailed(format!(
                    "thread {t} blocked during boot in '{}'",
                    self.threads[t]
                        .frames
                        .last()
                        .map(|fr| prog.functions[fr.func as usize].name.as_str())
                        .unwrap_or("?")
                )));
            }
        }
        Ok(())
    }

    /// Enables or disables recording of the step trace for the next runs.
    pub fn set_tracing(&mut self, on: bool) {
        self.tracing = on;
    }

    #[inline]
    pub(crate) fn set_status(&mut self, tid: usize, s: Status) {
        self.threads[tid].status = s;
        if s == Status::Runnable {
            self.runnable.insert(tid as u32);
        } else {
            self.runnable.remove(tid as u32);
            self.end_sleep(tid);
            if s == Status::Done && tid >= self.prog.actors.len() {
                // A worker's slot is free again. Freeing two slots gives the same pool in
                // either order, so an end only reads the pool key: it conflicts with a spawn
                // (a write: the slot a spawn takes depends on the slots freed before it), not
                // with another end, and n workers that end need not cost n! orders.
                self.touch(crate::sched::events::KEY_WORKERS, false);
                if self.footprints.on && tid as u32 != self.cur {
                    self.record_kill(tid);
                }
            }
        }
    }

    pub(crate) fn block(&mut self, tid: usize, w: Wait) {
        self.threads[tid].wait = w;
        self.threads[tid].retrying = true;
        self.set_status(tid, Status::Blocked);
    }

    /// Puts `tid` in a timed sleep: it stays runnable, and the next pick of it is its timer
    /// firing (`Thread::sleeping`).
    pub(crate) fn start_sleep(&mut self, tid: usize) {
        let t = &mut self.threads[tid];
        t.yielded = true;
        if !t.sleeping && !self.booting {
            t.sleeping = true;
            self.sleeping.insert(tid as u32);
        }
    }

    /// `tid`'s timed sleep is over (its timer fired, or it left the runnable set).
    fn end_sleep(&mut self, tid: usize) {
        let t = &mut self.threads[tid];
        if t.sleeping {
            t.sleeping = false;
            self.sleeping.remove(tid as u32);
        }
    }

    pub(crate) fn unblock(&mut self, tid: usize) {
        if self.threads[tid].status == Status::Blocked {
            self.threads[tid].wait = Wait::None;
            self.set_status(tid, Status::Runnable);
        }
    }

    fn reset(&mut self) {
        self.world.reset_from(&self.snapshot);
        self.lockgraph.reset();
        self.irq_usage.reset();
        self.nthreads = 0;
        self.runnable.clear();
        self.cur = NONE;
        self.steps = 0;
        self.ops = 0;
        self.switches = 0;
        self.preemptions = 0;
        self.choices.clear();
        self.streak_tid = NONE;
        self.streak = 0;
        self.lone = 0;
        self.fair_out = NONE;
        self.sleeping.clear();
        self.idle_states.clear();
        self.finding = None;
        self.fault = None;
        self.failable = 0;
        self.injected = None;
        self.order_observed = false;
        self.rec.clear();
        self.footprints.clear();
        if self.feedback {
            self.writers.clear();
        }
    }

    /// Appends a workload choice to the choice list (and to the recording when tracing).
    pub(crate) fn record_workload(&mut self, kind: ChoiceKind, value: u32, n: u32) {
        if self.tracing {
            self.rec.workload.push(WorkloadRecord {
                choice: self.choices.len() as u32,
                kind,
                value,
                n,
            });
        }
        self.choices.push(value);
    }

    /// Decodes the workload: which actors run and which actions each performs.
    fn start_workload<D: Decider + ?Sized>(&mut self, d: &mut D) {
        let prog = self.prog;
        for (ai, actor) in prog.actors.iter().enumerate() {
            let ai32 = ai as u32;
            let t = &mut self.threads[ai];
            t.reset(ai32, actor.context);
            t.status = Status::Done;
            let enabled = if actor.optional {
                let kind = ChoiceKind::ActorEnabled { actor: ai32 };
                let c = d.choose(kind, 2, 1).min(1);
                self.record_workload(kind, c, 2);
                c == 1
            } else {
                true
            };
            if !enabled {
                continue;
            }
            let n = if actor.min < actor.max {
                let span = actor.max - actor.min + 1;
                let def = actor.default.len() as u32 - actor.min;
                let kind = ChoiceKind::ActionCount { actor: ai32 };
                let c = d.choose(kind, span, def).min(span - 1);
                self.record_workload(kind, c, span);
                actor.min + c
            } else {
                actor.min
            };
            let nact = actor.actions.len() as u32;
            for slot in 0..n {
                let def = actor.default.get(slot as usize).copied().unwrap_or(0);
                let a = if nact > 1 {
                    let kind = ChoiceKind::Action { actor: ai32, slot };
                    let c = d.choose(kind, nact, def).min(nact - 1);
                    self.record_workload(kind, c, nact);
                    c
                } else {
                    0
                };
                self.threads[ai].actions.push(a);
            }
            if n > 0 {
                self.threads[ai].status = Status::Runnable;
            }
        }
        self.choose_fail_nth(d);
        self.nthreads = prog.actors.len();
        self.workload_len = self.choices.len();
        for ai in 0..self.nthreads {
            if self.threads[ai].status == Status::Runnable {
                self.runnable.insert(ai as u32);
                self.start_next_action(ai);
            }
        }
        if self.symmetric {
            self.find_twins();
        }
    }

    /// Pushes the frame of the thread's next action; returns false when there is none.
    pub(crate) fn start_next_action(&mut self, tid: usize) -> bool {
        let prog = self.prog;
        let t = &mut self.threads[tid];
        if t.actor == NONE || t.next_action as usize >= t.actions.len() {
            return false;
        }
        let actor = &prog.actors[t.actor as usize];
        let action = &actor.actions[t.actions[t.next_action as usize] as usize];
        t.next_action += 1;
        let mut args = [Value::Null; crate::limits::MAX_PARAMS as usize];
        for (i, a) in action.args.iter().enumerate() {
            args[i] = match *a {
                crate::ir::ConstArg::Int(v) => Value::Int(v),
                crate::ir::ConstArg::Null => Value::Null,
                crate::ir::ConstArg::Global(g) => Value::Ref(self.world.globals[g as usize]),
                crate::ir::ConstArg::Func(f) => Value::Func(f),
                crate::ir::ConstArg::Str(s) => Value::Str(s),
            };
        }
        let n = action.args.len();
        self.push_frame(tid, action.func, &args[..n], 0, None);
        true
    }

    /// Runs one execution with decisions from `d`.
    pub fn run<D: Decider + ?Sized>(&mut self, d: &mut D) -> RunStatus {
        self.reset();
        self.symmetric = d.wants_symmetry();
        d.begin();
        self.start_workload(d);
        let max_steps = self.prog.config.max_steps;
        let wants_pending = d.wants_pending();
        let mut pending = std::mem::take(&mut self.pending);
        let status = loop {
            if self.finding.is_some() {
                // It fired inside the operation just run (the quiescent checks break below).
                if self.tracing && !self.rec.events.is_empty() {
                    self.rec.fatal = Some(self.rec.events.len() - 1);
                }
                break self.finding_status();
            }
            if d.diverged() {
                break RunStatus::Invalid;
            }
            // A thread running alone may go past the step limit until the watchdog decides.
            if self.steps >= max_steps && self.lone == 0 {
                break RunStatus::StepLimit;
            }
            // Only threads in a timed sleep can run: the CPUs are idle until a timer fires.
            if !self.sleeping.is_empty() && self.sleeping.len() == self.runnable.len() {
                if let Some(end) = self.idle() {
                    break end;
                }
            }
            // Fair scheduling may set one runnable thread aside for this decision.
            let mut fair = false;
            if self.fair_out != NONE {
                let out = std::mem::replace(&mut self.fair_out, NONE);
                fair = self.runnable.several() && self.runnable.contains(out);
                if fair {
                    self.fair_mask.clone_from(&self.runnable);
                    self.fair_mask.remove(out);
                }
            }
            let mask = if fair {
                &self.fair_mask
            } else {
                &self.runnable
            };
            let Some(lowest) = mask.first() else {
                match self.idle() {
                    Some(end) => break end,
                    None => continue,
                }
            };
            let cur = self.cur;
            let voluntary = cur != NONE && self.threads[cur as usize].yielded;
            let picked = mask.several();
            let mut preempted = false;
            let tid = if !picked {
                // A single runnable thread: no decision to make or record.
                lowest
            } else {
                if wants_pending {
                    if pending.len() < self.nthreads {
                        pending.resize(self.nthreads, NONE);
                    }
                    for (t, p) in pending.iter_mut().enumerate().take(self.nthreads) {
                        *p = self.pending_object(t);
                    }
                }
                let p = Point {
                    runnable: mask,
                    current: cur,
                    voluntary,
                    sleeping: &self.sleeping,
                    step: self.steps,
                    pending: &pending[..self.nthreads.min(pending.len())],
                    twins: self.symmetric.then_some(&self.twins),
                };
                if d.wants_state() {
                    d.observe_state(self.state_key(mask));
                }
                let t = d.pick(&p);
                if d.redundant() {
                    break RunStatus::Redundant;
                }
                let t = if mask.contains(t) {
                    t
                } else {
                    // A decider bug or a diverged replay: fall back deterministically.
                    crate::sched::default_pick(&p)
                };
                preempted = p.is_preemption(t);
                if preempted {
                    self.preemptions += 1;
                }
                if self.tracing {
                    let choice = self.choices.len() as u32;
                    self.rec.picks.push(PickRecord {
                        choice,
                        current: cur,
                        chosen: t,
                        runnable: mask.clone(),
                        default: crate::sched::default_pick(&p),
                        preemption: preempted,
                    });
                    self.rec.mark = Some((choice, preempted));
                }
                self.choices.push(t);
                d.after_step(t, &p);
                t
            };
            // After the decision's borrows end (the set `mask` is a field of the execution).
            if preempted && self.feedback {
                self.fb_preempt(cur, tid);
            }
            if tid != cur {
                self.switches += 1;
            }
            if cur != NONE {
                self.threads[cur as usize].yielded = false;
            }
            if self.watchdog(tid, picked) {
                continue;
            }
            // The pick of a sleeping thread is its timer firing. (Its run of steps goes on
            // for fair scheduling; `idle` restarts the watchdog's count when only
            // sleepers could run.)
            self.end_sleep(tid as usize);
            if self.symmetric {
                self.twins.fresh.remove(tid);
            }
            self.cur = tid;
            if self.footprints.on {
                self.begin_event(tid as usize, picked);
                self.step_thread(tid as usize);
                self.end_event();
                if let Some(e) = self.footprints.events.last() {
                    d.after_event(e, self.footprints.accesses_of(e));
                }
            } else {
                self.step_thread(tid as usize);
            }
            self.rec.mark = None;
            if self.streak >= FAIR_STEPS && self.runnable.has_other_than(tid) {
                self.fair_out = tid;
                self.streak = 0;
            }
        };
        self.pending = pending;
        if self.injected.is_some() {
            self.prefix_fault_report();
        }
        status
    }

    /// The status of a run that stopped on a finding: a model error is not a kernel finding.
    fn finding_status(&self) -> RunStatus {
        if self.fault.is_some() {
            RunStatus::ModelError
        } else {
            RunStatus::Finding
        }
    }

    /// Counts `tid`'s streak before it steps (`others`: whether another thread could have
    /// run instead); true when the step must not run: a timed wait
    /// was ended instead (virtual time passes while a lone thread spins), or the soft-lockup
    /// watchdog fired (nothing else can run, nothing can time out, and the thread has run
    /// `soft_lockup_steps` steps in a row).
    fn watchdog(&mut self, tid: u32, others: bool) -> bool {
        if tid == self.streak_tid {
            self.streak += 1;
        } else {
            self.streak_tid = tid;
            self.streak = 1;
            self.lone = 0;
        }
        if others {
            self.lone = 0;
            return false;
        }
        self.lone += 1;
        if self.lone < self.prog.config.soft_lockup_steps {
            return false;
        }
        self.lone = 0;
        if self.fire_timeout() {
            return true;
        }
        self.report_soft_lockup(tid as usize);
        true
    }

    /// Nothing can run but threads in a timed sleep, if any: the CPUs are idle, so the
    /// soft-lockup count starts again, and virtual time passes. A blocked timed wait
    /// (`wait_for_completion_timeout`, ...) ends first; otherwise a sleeper's timer fires,
    /// at the decision that follows (None: the run goes on). With neither, the run ends
    /// with the end-of-run checks; so it does when this idle state was reached before in
    /// the run (`idle_cycle`): only time passes from then on.
    fn idle(&mut self) -> Option<RunStatus> {
        self.streak_tid = NONE;
        self.lone = 0;
        let forever = self.idle_cycle();
        if !forever && (self.fire_timeout() || !self.runnable.is_empty()) {
            return None;
        }
        self.quiescent_checks(forever);
        Some(if self.finding.is_some() {
            self.finding_status()
        } else {
            RunStatus::Ok
        })
    }

    /// At an idle point where a timed wait or sleep could end: whether the run was in this
    /// very state (`state_key`) at an earlier idle point. Then whatever the timers lead to
    /// leads back here (a `while (!cond) msleep(..)` poll whose condition nothing left can
    /// change); from the same state the same choices are open, so nothing new lies beyond,
    /// and the run ends as though time passed forever: the hung-task detector sees the
    /// D-state waiters, and a task that only ever wakes to sleep again never returns
    /// (`quiescent_checks`).
    fn idle_cycle(&mut self) -> bool {
        let timed =
            |t: &Thread| t.sleeping || (t.status == Status::Blocked && t.wait.has_timeout());
        if !self.threads[..self.nthreads].iter().any(timed) {
            return false;
        }
        let key = self.state_key(&ThreadSet::new()).hash;
        !self.idle_states.insert(key)
    }

    /// Wakes the lowest thread in a timed wait, if any (virtual time advances only when
    /// nothing else can run).
    fn fire_timeout(&mut self) -> bool {
        let timed = |t: &Thread| t.status == Status::Blocked && t.wait.has_timeout();
        let Some(tid) = (0..self.nthreads).find(|&t| timed(&self.threads[t])) else {
            return false;
        };
        if self.symmetric {
            let waiters: Vec<usize> = (tid..self.nthreads)
                .filter(|&t| timed(&self.threads[t]))
                .collect();
            self.note_order_choice(&waiters, false);
        }
        self.threads[tid].timed_out = true;
        self.unblock(tid);
        true
    }

    /// Nothing can run (`forever`: nothing but timers, which lead back to this state, see
    /// `idle_cycle`): hung tasks, stranded waiters, then leaks.
    fn quiescent_checks(&mut self, forever: bool) {
        let prog = self.prog;
        if self.kthread_quiescent_check() {
            return;
        }
        // A kthread asleep interruptibly, or with a timeout, that kthread_stop can still
        // reach is idle, as kernel threads wait for work (or poll for it): neither a hung
        // task nor a stranded waiter.
        let timed = |t: &Thread| t.sleeping || t.wait.has_timeout();
        let reportable = |t: &Thread| {
            (t.status == Status::Blocked || t.sleeping)
                && !(t.actor != NONE && prog.actors[t.actor as usize].daemon)
                && !(t.kthread != NONE && (t.wait.interruptible() || timed(t)))
        };
        // Hung tasks first, then stranded interruptible waiters, then tasks that wake from
        // a timed wait or sleep to the same state forever (only `forever` leaves any):
        // check_hung_task skips a task whose context-switch count moved since its last
        // look, so a task that keeps waking up is never a hung task. Each report names the
        // lowest-numbered such task.
        for class in 0..3 {
            let of_class = |t: &Thread| match class {
                0 => !t.wait.interruptible() && !timed(t),
                1 => t.wait.interruptible() && !timed(t),
                _ => forever && timed(t),
            };
            let blocked = |i: usize| reportable(&self.threads[i]) && of_class(&self.threads[i]);
            let Some(tid) = (0..self.nthreads).find(|&i| blocked(i)) else {
                continue;
            };
            if self.symmetric {
                let named: Vec<usize> = (tid..self.nthreads).filter(|&i| blocked(i)).collect();
                self.note_order_choice(&named, true);
            }
            match class {
                0 => self.report_hung_task(tid),
                1 => self.report_stranded(tid),
                _ => self.report_polling_forever(tid),
            }
            return;
        }
        let mut marks = std::mem::take(&mut self.marks);
        let leak = find_leak(&self.world, &self.threads[..self.nthreads], &mut marks);
        self.marks = marks;
        if let Some(obj) = leak {
            self.report_leak(obj);
        }
    }

    /// The object the thread's next visible operation touches, if it can be told.
    pub fn pending_object(&self, tid: usize) -> u32 {
        let t = &self.threads[tid];
        if t.status != Status::Runnable {
            return NONE;
        }
        let Some(fr) = t.frames.last() else {
            return NONE;
        };
        let f = &self.prog.functions[fr.func as usize];
        let Some(ins) = f.code.get(fr.pc as usize) else {
            return NONE;
        };
        let reg = match *ins {
            Instr::Load { a, .. }
            | Instr::Store { a, .. }
            | Instr::ILoad { a, .. }
            | Instr::IStore { a, .. } => Some(a),
            Instr::Prim { args, .. } if args.len > 0 => Some(self.prog.arg_regs(args)[0]),
            _ => None,
        };
        match reg.map(|r| t.regs[fr.base as usize + r as usize]) {
            Some(Value::Ref(r)) => r.idx,
            _ => NONE,
        }
    }

    /// Starts a thread at run time (a work item's worker, a kthread) in the first free slot
    /// after the actors: one whose thread is done, or a new one. There is no limit: each
    /// live worker or kthread has its own work item or task object on the model heap, which
    /// `heap_objects` bounds. The new thread runs `func(args)` in context `ctx` from its
    /// first step (None: it has no function to run, a work item's NULL one); the creating
    /// step records the spawn for the partial-order reduction.
    pub(crate) fn spawn_thread(
        &mut self,
        ctx: Context,
        func: Option<u32>,
        args: &[Value],
    ) -> usize {
        let first = self.prog.actors.len();
        let w = (first..self.nthreads)
            .find(|&t| self.threads[t].status == Status::Done)
            .unwrap_or(self.nthreads.max(first));
        if w == self.threads.len() {
            self.threads.push(Thread::new());
        }
        self.threads[w].reset(NONE, ctx);
        self.nthreads = self.nthreads.max(w + 1);
        self.set_status(w, Status::Runnable);
        self.record_spawn(w);
        if let Some(f) = func {
            self.push_frame(w, f, args, 0, None);
        }
        w
    }

    /// Pushes a call frame on thread `tid`.
    pub(crate) fn push_frame(
        &mut self,
        tid: usize,
        func: u32,
        args: &[Value],
        ret_dst: u8,
        ret_override: Option<Value>,
    ) {
        let f = &self.prog.functions[func as usize];
        let t = &mut self.threads[tid];
        let base = t.regs.len();
        t.regs.resize(base + f.locals as usize, Value::Null);
        t.regs[base..base + args.len()].copy_from_slice(args);
        t.frames.push(Frame {
            func,
            pc: 0,
            base: base as u32,
            ret_dst,
            ret_override,
        });
    }

    /// Summary figures of the last run.
    pub fn finding_kind(&self) -> Option<Kind> {
        self.finding.as_ref().map(|f| f.kind)
    }
}
