//! The event log an execution writes for dynamic partial-order reduction (`sched::dpor`)
//! when `Footprints::on`: one `Event` per step (one `step_thread`), with the keys it read
//! and wrote. `exec::footprint` records them; this module only defines the format, so that
//! the reduction reads it without depending on the executor. Keys: a field or array slot,
//! a primitive object, an allocation (accessing memory reads it, freeing writes it), and a
//! few shared resources (RCU, the thread pool, fault injection's counter).

/// What a key designates (the high 32 bits of a `Key`).
pub const SPACE_SLOT: u64 = 1 << 32;
pub const SPACE_OBJ: u64 = 2 << 32;
pub const SPACE_ALLOC: u64 = 3 << 32;
pub const SPACE_SHARED: u64 = 4 << 32;

/// RCU grace periods.
pub const KEY_RCU: Key = SPACE_SHARED | 1;
/// The worker pool's thread slots.
pub const KEY_WORKERS: Key = SPACE_SHARED | 2;
/// Fault injection's count of failable calls.
pub const KEY_FAIL_NTH: Key = SPACE_SHARED | 3;
/// Per task (added to its thread id): its exits from RCU read sections.
pub const KEY_RCU_TASKS: Key = SPACE_SHARED | 1 << 16;

/// A memory location or shared resource.
pub type Key = u64;

/// How a step accesses a key. Two accesses of one key commute when both read, or both
/// add to a counter in the same direction without taking it to zero: two `kref_get`s on a
/// live kref, or two `kref_put`s neither of which is the last (whichever runs second leaves
/// the same count, so neither order releases). Everything else conflicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Read,
    Write,
    Increment,
    Decrement,
}

impl Mode {
    /// Whether two accesses of one key in these modes do not commute.
    #[inline]
    pub fn conflicts(self, other: Mode) -> bool {
        !matches!(
            (self, other),
            (Mode::Read, Mode::Read)
                | (Mode::Increment, Mode::Increment)
                | (Mode::Decrement, Mode::Decrement)
        )
    }
}

/// One access of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub key: Key,
    pub mode: Mode,
}

/// One step of one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub tid: u32,
    /// Whether a scheduling decision (a `Decider::pick`) chose this step.
    pub picked: bool,
    /// Dependent with every other step.
    pub global: bool,
    /// Its accesses: `Footprints::accesses[start..end]`.
    pub start: u32,
    pub end: u32,
    /// The worker thread this step spawned (or NONE).
    pub spawned: u32,
    /// The threads this step ended before they could take their next step (a cancelled
    /// work item's worker): each had a pending step the reduction must order against it.
    /// They are `Footprints::kills[kills_start..kills_end]`.
    pub kills_start: u32,
    pub kills_end: u32,
}

/// The event log of one execution.
#[derive(Clone, Debug, Default)]
pub struct Footprints {
    /// Whether runs record events (searches with partial-order reduction only).
    pub on: bool,
    pub events: Vec<Event>,
    pub accesses: Vec<Access>,
    /// The threads each event ended (see `Event::kills_start`).
    pub kills: Vec<u32>,
}

impl Footprints {
    /// Forgets the last run's events.
    pub fn clear(&mut self) {
        self.events.clear();
        self.accesses.clear();
        self.kills.clear();
    }

    /// The accesses of event `e`.
    pub fn accesses_of(&self, e: &Event) -> &[Access] {
        &self.accesses[e.start as usize..e.end as usize]
    }

    /// The threads event `e` ended before their next step.
    pub fn kills_of(&self, e: &Event) -> &[u32] {
        &self.kills[e.kills_start as usize..e.kills_end as usize]
    }

    /// The event being recorded.
    pub fn current(&mut self) -> Option<&mut Event> {
        self.events.last_mut()
    }
}

/// What one step touched, kept by the reduction to compare with later steps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub tid: u32,
    pub global: bool,
    pub accesses: Vec<Access>,
}

impl Footprint {
    /// Whether this step and a step with `global` and `accesses` do not commute: either is
    /// global, or they touch one key in conflicting modes.
    pub fn depends_on(&self, global: bool, accesses: &[Access]) -> bool {
        self.global
            || global
            || self.accesses.iter().any(|a| {
                accesses
                    .iter()
                    .any(|b| a.key == b.key && a.mode.conflicts(b.mode))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_depend_when_they_share_a_key_and_one_writes_or_either_is_global() {
        let read = |key| Access {
            key,
            mode: Mode::Read,
        };
        let write = |key| Access {
            key,
            mode: Mode::Write,
        };
        let inc = |key| Access {
            key,
            mode: Mode::Increment,
        };
        let dec = |key| Access {
            key,
            mode: Mode::Decrement,
        };
        let step = |global, accesses: Vec<Access>| Footprint {
            tid: 0,
            global,
            accesses,
        };
        assert!(!step(false, vec![read(1)]).depends_on(false, &[read(1)]));
        assert!(step(false, vec![read(1)]).depends_on(false, &[write(1)]));
        assert!(step(false, vec![write(1)]).depends_on(false, &[read(1), read(2)]));
        assert!(!step(false, vec![write(1)]).depends_on(false, &[write(2)]));
        assert!(step(true, vec![]).depends_on(false, &[]));
        assert!(step(false, vec![]).depends_on(true, &[]));
        // Counters: gets commute, puts that are not the last commute, a get and a put do
        // not, and neither commutes with a read or a write.
        assert!(!step(false, vec![inc(1)]).depends_on(false, &[inc(1)]));
        assert!(!step(false, vec![dec(1)]).depends_on(false, &[dec(1)]));
        assert!(step(false, vec![inc(1)]).depends_on(false, &[dec(1)]));
        assert!(step(false, vec![inc(1)]).depends_on(false, &[read(1)]));
        assert!(step(false, vec![dec(1)]).depends_on(false, &[write(1)]));
    }
}
