// The three peer programs, written once and compiled twice by main.rs: `include!`d into a
// `shuttle_programs` module and a `loom_programs` module, each of which first brings its tool's
// `Mutex`, `AtomicUsize`, `Ordering` and `thread` into scope.
//
// Each program is the twin of a pyfuzz model in bench/peers/models/ (the header of each model
// lists the operations side by side). The rule that makes the scheduling points equal: one
// shuttle/loom operation (an atomic load, store or swap; a `Mutex::lock`; a guard drop) for
// each pyfuzz visible operation (a load or store of a shared field, a lock or unlock, a kfree),
// and nothing else that the tools instrument. Plain shared `int` and `Ref` fields are atomics
// (SeqCst: pyfuzz's memory model is sequentially consistent); locals are plain Rust locals.
//
// Memory errors: a freeable object has exactly one field, so that `kfree` is one operation
// (a swap that writes POISON, KASAN's freed-memory poison in spirit) and every access checks
// for the poison in the same operation (a load, or a swap for a store): a use-after-free
// panics at the access, as KASAN reports it at the access in pyfuzz. Deadlocks are found by the
// tools themselves (no runnable thread while some are blocked).
//
// Harness: the first actor runs on the execution's main thread after it spawns the others, so
// the harness adds only the spawns (taken while a single thread exists: no choice) and thread
// exits. Nothing is joined: shuttle and loom both run an execution until every thread is done.

/// What a freed one-field object reads as.
pub const POISON: usize = 0xdead_4ead;
const SC: Ordering = Ordering::SeqCst;
const ENODEV: i64 = 19;

/// A kzalloc'd object with one field (an `int` or `Ref` field of the model).
struct Obj {
    field: AtomicUsize,
}

impl Obj {
    fn new(value: usize) -> Self {
        Obj {
            field: AtomicUsize::new(value),
        }
    }

    /// `x = obj.field`: one operation.
    fn load(&self, what: &str) -> usize {
        let v = self.field.load(SC);
        if v == POISON {
            panic!("use-after-free: read of {what}");
        }
        v
    }

    /// `obj.field = v`: one operation (a swap, so that the write sees a free before it).
    fn store(&self, v: usize, what: &str) {
        if self.field.swap(v, SC) == POISON {
            panic!("use-after-free: write of {what}");
        }
    }

    /// `kfree(obj)`: one operation.
    fn free(&self, what: &str) {
        if self.field.swap(POISON, SC) == POISON {
            panic!("double-free of {what}");
        }
    }
}

/// The objects that boot allocated; a `Ref` field holds an index into it (0 is None).
struct Heap {
    objs: Vec<Obj>,
}

impl Heap {
    fn get(&self, r: usize, what: &str) -> &Obj {
        if r == 0 {
            panic!("NULL pointer dereference: {what}");
        }
        &self.objs[r - 1]
    }
}

// ---------------------------------------------------------------------------------------------
// (a) stop-io: bench/peers/models/stop_io.py
// ---------------------------------------------------------------------------------------------

const DEV_STOPPED: usize = 0;
const DEV_RUNNING: usize = 1;

struct StopIoDev {
    lock: Mutex<()>,
    state: AtomicUsize,
    queue: AtomicUsize, // Ref[txq]
    submitted: AtomicUsize,
    heap: Heap, // the txq: one field, `head`
}

impl StopIoDev {
    /// The state after `stopio_probe` (boot is not part of the execution in pyfuzz: the
    /// snapshot; here, constructors, which are no scheduling points).
    fn booted() -> Self {
        StopIoDev {
            lock: Mutex::new(()),
            state: AtomicUsize::new(DEV_RUNNING),
            queue: AtomicUsize::new(1),
            submitted: AtomicUsize::new(0),
            heap: Heap {
                objs: vec![Obj::new(0)],
            },
        }
    }
}

/// The bug: state tested, and the queue touched, outside dev.lock.
fn io_submit(dev: &StopIoDev) -> i64 {
    if dev.state.load(SC) != DEV_RUNNING {
        return -ENODEV;
    }
    let q = dev.heap.get(dev.queue.load(SC), "dev.queue");
    let slot = q.load("txq.head");
    q.store(slot + 1, "txq.head");
    let guard = dev.lock.lock().unwrap();
    let n = dev.submitted.load(SC);
    dev.submitted.store(n + 1, SC);
    drop(guard);
    0
}

/// The fix: test and queue access under dev.lock.
fn io_submit_locked(dev: &StopIoDev) -> i64 {
    let guard = dev.lock.lock().unwrap();
    if dev.state.load(SC) != DEV_RUNNING {
        drop(guard);
        return -ENODEV;
    }
    let q = dev.heap.get(dev.queue.load(SC), "dev.queue");
    let slot = q.load("txq.head");
    q.store(slot + 1, "txq.head");
    let n = dev.submitted.load(SC);
    dev.submitted.store(n + 1, SC);
    drop(guard);
    0
}

fn dev_stop(dev: &StopIoDev) {
    let guard = dev.lock.lock().unwrap();
    dev.state.store(DEV_STOPPED, SC);
    let q = dev.queue.load(SC);
    drop(guard);
    dev.heap.get(q, "dev.queue").free("txq");
}

pub fn stop_io(fixed: bool) {
    let submit: fn(&StopIoDev) -> i64 = if fixed { io_submit_locked } else { io_submit };
    let dev = Arc::new(StopIoDev::booted());
    let d = Arc::clone(&dev);
    thread::spawn(move || {
        submit(&d);
    });
    let d = Arc::clone(&dev);
    thread::spawn(move || dev_stop(&d));
    submit(&dev);
}

// ---------------------------------------------------------------------------------------------
// (b) demo-alive-flag: bench/peers/models/demo_alive_flag.py (pyfuzz/scenarios/demo.py)
// ---------------------------------------------------------------------------------------------

struct DemoDev {
    lock: Mutex<()>,
    alive: AtomicUsize,
    buf: AtomicUsize, // Ref[demo_buf]
    reads: AtomicUsize,
    heap: Heap, // the demo_buf: one field, `data`
}

impl DemoDev {
    /// The state after `demo_probe`.
    fn booted() -> Self {
        DemoDev {
            lock: Mutex::new(()),
            alive: AtomicUsize::new(1),
            buf: AtomicUsize::new(1),
            reads: AtomicUsize::new(0),
            heap: Heap {
                objs: vec![Obj::new(42)],
            },
        }
    }
}

/// The bug: `alive` tested outside the lock.
fn demo_read_unlocked(dev: &DemoDev) -> i64 {
    if dev.alive.load(SC) == 0 {
        return -ENODEV;
    }
    let guard = dev.lock.lock().unwrap();
    let value = dev.heap.get(dev.buf.load(SC), "dev.buf").load("demo_buf.data");
    let n = dev.reads.load(SC);
    dev.reads.store(n + 1, SC);
    drop(guard);
    value as i64
}

fn demo_read(dev: &DemoDev) -> i64 {
    let guard = dev.lock.lock().unwrap();
    if dev.alive.load(SC) == 0 {
        drop(guard);
        return -ENODEV;
    }
    let value = dev.heap.get(dev.buf.load(SC), "dev.buf").load("demo_buf.data");
    let n = dev.reads.load(SC);
    dev.reads.store(n + 1, SC);
    drop(guard);
    value as i64
}

fn demo_remove(dev: &DemoDev) {
    let guard = dev.lock.lock().unwrap();
    dev.alive.store(0, SC);
    let buf = dev.buf.load(SC);
    drop(guard);
    dev.heap.get(buf, "dev.buf").free("demo_buf");
}

pub fn demo(fixed: bool) {
    let read: fn(&DemoDev) -> i64 = if fixed {
        demo_read
    } else {
        demo_read_unlocked
    };
    let dev = Arc::new(DemoDev::booted());
    let d = Arc::clone(&dev);
    thread::spawn(move || demo_remove(&d));
    // The reader's default workload: two reads.
    read(&dev);
    read(&dev);
}

// ---------------------------------------------------------------------------------------------
// (c) abba: bench/peers/models/abba.py
// ---------------------------------------------------------------------------------------------

struct Pair {
    a: Mutex<()>,
    b: Mutex<()>,
    count: AtomicUsize,
}

fn take(pair: &Pair, b_first: bool) {
    let (first, second) = if b_first {
        (&pair.b, &pair.a)
    } else {
        (&pair.a, &pair.b)
    };
    let outer = first.lock().unwrap();
    let inner = second.lock().unwrap();
    let n = pair.count.load(SC);
    pair.count.store(n + 1, SC);
    drop(inner);
    drop(outer);
}

pub fn abba(fixed: bool) {
    let pair = Arc::new(Pair {
        a: Mutex::new(()),
        b: Mutex::new(()),
        count: AtomicUsize::new(0),
    });
    let p = Arc::clone(&pair);
    thread::spawn(move || take(&p, !fixed));
    take(&pair, false);
}
