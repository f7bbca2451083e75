//! State fingerprints for the stateful search of `verify --preemptions all`: a 128-bit hash
//! of everything that decides how an execution can go on from a scheduling point, so that a
//! point reached again by another interleaving is explored once. It covers the World (every
//! object's identity, kind, primitive state, freed flag and every value slot), every thread
//! (status, wait, call stack and registers, atomic-context counters, held locks, RCU and
//! work/kthread state, its place on an rw_semaphore's wait list, remaining actions), the
//! threads that may be picked, the accumulated lockdep state (the lock-order edges and the
//! IRQ-usage bits, which decide later reports), and fault injection's counters. Left out are
//! records that only shape a report's text (allocation and free stacks, the acquisition
//! stacks of lock-order edges) and run statistics; the step count and the current thread's
//! streak are not hashed but compared (`StateKey`), since a later visit with fewer steps or
//! a shorter streak can reach more.
//! Sets kept in insertion order (lock-order edges, IRQ usage) are hashed order-free.

use super::thread::{Thread, Wait};
use super::Execution;
use crate::sched::ThreadSet;
use crate::world::{Obj, ObjState, Value};

/// A scheduling point's state: its hash, and the two counters a revisit is compared on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateKey {
    pub hash: u128,
    /// Steps run so far (the step limit counts them).
    pub steps: u64,
    /// How many steps in a row the last thread ran (fair scheduling counts them).
    pub streak: u64,
}

/// A deterministic 128-bit hash over 64-bit words: two multiply-fold lanes with different
/// constants, each word folded into both.
struct Hasher {
    a: u64,
    b: u64,
}

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;
const K3: u64 = 0x1656_67b1_9e37_79f9;

#[inline]
fn fold(x: u64, k: u64) -> u64 {
    let m = (x as u128).wrapping_mul(k as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

impl Hasher {
    fn new() -> Hasher {
        Hasher { a: K3, b: K1 ^ K2 }
    }

    #[inline]
    fn word(&mut self, w: u64) {
        self.a = fold(self.a ^ w, K1);
        self.b = fold(self.b.rotate_left(23) ^ w, K2);
    }

    #[inline]
    fn pair(&mut self, x: u32, y: u32) {
        self.word(((x as u64) << 32) | y as u64);
    }

    fn value(&mut self, v: Value) {
        match v {
            Value::Null => self.word(0),
            Value::Int(i) => {
                self.word(1);
                self.word(i as u64);
            }
            Value::Ref(r) => self.word(2 << 60 | (r.idx as u64) << 28 ^ r.gen as u64),
            Value::Func(f) => self.word(3 << 60 | f as u64),
            Value::Str(s) => self.word(4 << 60 | s as u64),
        }
    }

    fn finish(self) -> u128 {
        let a = fold(self.a ^ (self.b >> 17), K3);
        let b = fold(self.b ^ (self.a >> 13), K1);
        ((a as u128) << 64) | b as u128
    }
}

/// An order-free hash of one element of a set (summed by the caller).
#[inline]
pub(crate) fn set_element(x: u64) -> u64 {
    fold(fold(x ^ K2, K1), K3)
}

impl Execution<'_> {
    /// The state at a scheduling point whose pickable threads are `mask`.
    pub(crate) fn state_key(&self, mask: &ThreadSet) -> StateKey {
        let mut h = Hasher::new();
        let (inline, spill) = mask.words();
        h.word(inline as u64);
        h.word((inline >> 64) as u64);
        for &w in spill {
            h.word(w);
        }
        h.pair(self.nthreads as u32, self.streak_tid);
        h.pair(self.fail_nth, self.failable);
        h.word(self.injected.is_some() as u64);
        h.word(self.world.objs.len() as u64);
        for o in &self.world.objs {
            object(&mut h, o);
        }
        h.word(self.world.vals.len() as u64);
        for &v in &self.world.vals {
            h.value(v);
        }
        let threads = &self.threads[..self.nthreads];
        for t in threads {
            thread(&mut h, t);
            rw_place(&mut h, threads, t);
        }
        h.word(self.lockgraph.fingerprint());
        h.word(self.irq_usage.fingerprint());
        StateKey {
            hash: h.finish(),
            steps: self.steps,
            streak: self.streak,
        }
    }
}

fn object(h: &mut Hasher, o: &Obj) {
    h.pair(
        o.gen,
        o.kind as u32 | (o.freed as u32) << 8 | (o.novalidate as u32) << 9,
    );
    h.pair(o.sid, o.parent);
    h.pair(o.base, o.parent_field);
    h.pair(o.vals_start, o.vals_len);
    h.pair(o.lock_class, o.owner);
    match o.state {
        ObjState::None => h.word(0),
        ObjState::Lock(l) => {
            h.word(1);
            h.pair(l.owner, l.readers as u32);
        }
        ObjState::Completion(c) => {
            h.word(2);
            h.word(c.done as u64);
        }
        ObjState::Kref(k) => {
            h.word(3);
            h.word(k.count as u64);
        }
        ObjState::Work(w) => {
            h.word(4);
            h.pair(w.delayed as u32 | (w.armed as u32) << 1, w.queued);
            h.pair(w.queued_seq, w.running);
            h.pair(w.running_seq, w.seq);
            h.word(w.canceling as u64);
            h.pair(w.comm, 0);
            h.word(w.comm_irq as u64);
        }
        ObjState::Task(t) => {
            h.word(5);
            h.pair(t.tid, t.should_stop as u32 | (t.exited as u32) << 1);
            h.pair(t.stoppers, 0);
            h.word(t.result as u64);
        }
    }
}

fn wait(h: &mut Hasher, w: Wait) {
    let (tag, obj, mode) = match w {
        Wait::None => (0, 0, 0),
        Wait::Mutex { obj, interruptible } => (1, obj, interruptible as u32),
        Wait::Spin { obj } => (2, obj, 0),
        Wait::RwSem { obj, write } => (3, obj, write as u32),
        Wait::Completion { obj, mode } => (4, obj, mode as u32),
        Wait::WaitQueue { obj, mode } => (5, obj, mode as u32),
        Wait::Rcu => (6, 0, 0),
        Wait::Work { obj } => (7, obj, 0),
        Wait::Kthread { obj } => (8, obj, 0),
    };
    h.pair(tag, mode);
    h.word(obj as u64);
}

/// A task's place on an rw_semaphore's wait list: the rwsem and its rank among that
/// rwsem's waiters (the order decides who is woken; the ticket values themselves do not).
fn rw_place(h: &mut Hasher, threads: &[Thread], t: &Thread) {
    let rank = if t.rw_queue == crate::world::NONE {
        0
    } else {
        threads
            .iter()
            .filter(|o| o.rw_queue == t.rw_queue && o.rw_ticket < t.rw_ticket)
            .count() as u32
    };
    h.pair(t.rw_queue, rank);
    h.word(t.rw_write as u64 | (t.rw_granted as u64) << 1);
}

fn thread(h: &mut Hasher, t: &Thread) {
    h.pair(t.actor, t.name_actor);
    h.pair(t.ctx as u32, t.status as u32);
    wait(h, t.wait);
    h.word(t.frames.len() as u64);
    for f in &t.frames {
        h.pair(f.func, f.pc);
        h.pair(f.base, f.ret_dst as u32);
        match f.ret_override {
            None => h.word(u64::MAX),
            Some(v) => h.value(v),
        }
    }
    h.word(t.regs.len() as u64);
    for &v in &t.regs {
        h.value(v);
    }
    h.word(t.actions.len() as u64);
    for &a in &t.actions {
        h.word(a as u64);
    }
    h.pair(t.next_action, t.preempt);
    h.pair(t.softirq, t.hardirq);
    h.pair(t.irqs_off, t.rcu_depth);
    h.word(t.rcu_epoch);
    h.word(t.rcu_wait.len() as u64);
    for &(tid, epoch) in &t.rcu_wait {
        h.word(tid as u64);
        h.word(epoch);
    }
    h.word(t.held.len() as u64);
    for l in &t.held {
        h.pair(l.obj, l.class);
        h.pair(l.validated as u32 | (l.read as u32) << 1, l.func);
        h.word(l.pc as u64);
    }
    let flags = t.wq_woken as u32
        | (t.wq_woken_intr as u32) << 1
        | (t.timed_out as u32) << 2
        | (t.retrying as u32) << 3
        | (t.yielded as u32) << 4
        | (t.work_started as u32) << 5
        | (t.work_ret as u32) << 6
        | (t.kthread_started as u32) << 7
        | (t.sleeping as u32) << 8;
    h.pair(t.wq, flags);
    h.pair(t.work, t.work_wait);
    h.pair(t.kthread, t.comm);
    h.word(t.kthread_ret as u64);
    h.word(t.comm_irq as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The top-level field names of a struct's `Debug` output (`Name { a: .., b: .. }`).
    fn debug_fields(dbg: &str) -> Vec<String> {
        let body = &dbg[dbg.find('{').expect("a struct") + 1..];
        let (mut depth, mut names, mut token) = (0i32, Vec::new(), String::new());
        for c in body.chars() {
            match c {
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                ':' if depth == 0 && !token.trim().is_empty() => {
                    names.push(token.trim().to_string());
                    token.clear();
                }
                ',' if depth == 0 => token.clear(),
                _ if depth == 0 => token.push(c),
                _ => {}
            }
        }
        names
    }

    /// A field the fingerprint leaves out must be a record of the past, named here; any
    /// other field a thread or an object gains must be hashed, or the stateful search would
    /// take two different states for one (and miss what the second leads to).
    #[test]
    fn every_field_of_a_thread_and_an_object_is_hashed_or_known_to_be_history() {
        let source = include_str!("state.rs");
        let thread = format!("{:?}", Thread::new());
        for name in debug_fields(&thread) {
            assert!(
                source.contains(&format!("t.{name}")),
                "Thread::{name} is not hashed"
            );
        }
        let mut world = crate::world::World::default();
        world.alloc_task();
        let history = ["alloc_stack", "free_stack"];
        for name in debug_fields(&format!("{:?}", world.objs[0])) {
            if history.contains(&name.as_str()) {
                continue;
            }
            assert!(
                source.contains(&format!("o.{name}")),
                "Obj::{name} is not hashed"
            );
        }
    }

    #[test]
    fn the_hash_sees_every_word_and_its_position() {
        let hash = |words: &[u64]| {
            let mut h = Hasher::new();
            for &w in words {
                h.word(w);
            }
            h.finish()
        };
        assert_eq!(hash(&[1, 2, 3]), hash(&[1, 2, 3]));
        assert_ne!(hash(&[1, 2, 3]), hash(&[1, 3, 2]));
        assert_ne!(hash(&[0]), hash(&[0, 0]));
        assert_ne!(hash(&[1 << 63]), hash(&[1]));
    }
}
