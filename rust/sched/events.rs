//! The event log an execution writes for dynamic partial-order reduction (`sched::dpor`)
//! when `Footprints::on`: one `Event` per step (one `step_thread`), with the keys it read
//! and wrote. `exec::footprint` records them; this module only defines the format, so that
//! the reduction reads it without depending on the executor. Keys: a field or array slot,
//! a primitive object, an allocation (accessing memory reads it, freeing writes it), and a
//! few shared resources (all lists, RCU, the worker pool, fault injection's counter).

/// What a key designates (the high 32 bits of a `Key`).
pub const SPACE_SLOT: u64 = 1 << 32;
pub const SPACE_OBJ: u64 = 2 << 32;
pub const SPACE_ALLOC: u64 = 3 << 32;
pub const SPACE_SHARED: u64 = 4 << 32;

/// Every list, as one key.
pub const KEY_LISTS: Key = SPACE_SHARED;
/// RCU grace periods.
pub const KEY_RCU: Key = SPACE_SHARED | 1;
/// The worker pool's thread slots.
pub const KEY_WORKERS: Key = SPACE_SHARED | 2;
/// Fault injection's count of failable calls.
pub const KEY_FAIL_NTH: Key = SPACE_SHARED | 3;

/// A memory location or shared resource.
pub type Key = u64;

/// One access of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub key: Key,
    pub write: bool,
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
}

/// The event log of one execution.
#[derive(Clone, Debug, Default)]
pub struct Footprints {
    /// Whether runs record events (searches with partial-order reduction only).
    pub on: bool,
    pub events: Vec<Event>,
    pub accesses: Vec<Access>,
}

impl Footprints {
    /// Forgets the last run's events.
    pub fn clear(&mut self) {
        self.events.clear();
        self.accesses.clear();
    }

    /// The accesses of event `e`.
    pub fn accesses_of(&self, e: &Event) -> &[Access] {
        &self.accesses[e.start as usize..e.end as usize]
    }

    /// The event being recorded.
    pub fn current(&mut self) -> Option<&mut Event> {
        self.events.last_mut()
    }
}
