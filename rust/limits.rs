//! The core's size limits, in one place. The IR loader enforces them and the model compiler
//! reads them through `_core.LIMITS`, so a model that exceeds one fails when it is compiled,
//! with its file and line, rather than when a hand-made IR reaches the interpreter.
//!
//! Threads alive at once have no limit: thread sets (`sched::ThreadSet`) and the per-thread
//! arrays grow with the highest thread a run uses, and every worker or kthread beyond the
//! actors owns a work item or task object on the model heap, which `heap_objects` bounds.

/// Actors a scenario declares (each is one thread of every run that enables it).
pub const MAX_ACTORS: usize = 4096;
/// Actions one actor performs (an actor's `max`).
pub const MAX_ACTIONS: u32 = 64;
/// Parameters of a model function (and arguments of a call or an action).
pub const MAX_PARAMS: u32 = 16;
/// Registers (parameters plus locals and temporaries) of one function.
pub const MAX_LOCALS: u32 = 255;
/// Nested calls on one thread.
pub const MAX_CALL_DEPTH: usize = 64;
/// Elements of a fixed-size array field.
pub const MAX_ARRAY_LEN: u64 = 4096;
/// The highest failable call fault injection can fail (the fail-nth choice has
/// `MAX_FAIL_NTH + 1` values, 0 meaning no failure).
pub const MAX_FAIL_NTH: u32 = 255;

/// Every limit by the name `_core.LIMITS` exports.
pub const ALL: [(&str, u64); 7] = [
    ("max_actors", MAX_ACTORS as u64),
    ("max_actions", MAX_ACTIONS as u64),
    ("max_params", MAX_PARAMS as u64),
    ("max_locals", MAX_LOCALS as u64),
    ("max_call_depth", MAX_CALL_DEPTH as u64),
    ("max_array_len", MAX_ARRAY_LEN),
    ("max_fail_nth", MAX_FAIL_NTH as u64),
];
