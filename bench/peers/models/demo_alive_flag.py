"""Peer program (b): the built-in `demo-alive-flag` scenario (pyfuzz/scenarios/demo.py).

The same structs, functions and variants as the built-in, with one change: the reader's
workload is pinned to its default (two reads; min = max = 2) so that `run` executes exactly
the program the Rust twin runs (the built-in lets the randomized engines pick one to three
reads). `verify` explores the same default workload as the built-in; compare.py checks that
both give the same schedule counts.

A char device whose read path tests `alive` outside the mutex that guards it (variant
`unlocked-check`), racing sysfs unbind (`remove`), which clears `alive` under the mutex and
frees the device's buffer: KASAN slab-use-after-free. `locked-check` tests the flag under the
mutex.

Scheduling points (pyfuzz: every load/store of a shared field, every lock op and kfree; the
embedded `dev.lock` is address arithmetic, not an access). The Rust twin in
bench/peers/src/programs.rs does one atomic or lock operation per pyfuzz visible operation:

    demo_read_unlocked (alive)    pyfuzz                     shuttle/loom
      1 test alive              load dev.alive             dev.alive.load
      2 lock                    mutex_lock(dev.lock)       dev.lock.lock()
      3 take the buffer         load dev.buf               dev.buf.load
      4 read the data           load buf.data              buf.data.load     (POISON: UAF)
      5 read the counter        load dev.reads             dev.reads.load
      6 write the counter       store dev.reads            dev.reads.store
      7 unlock                  mutex_unlock(dev.lock)     guard drop
    demo_read_unlocked (dead): 1 (the test).
    demo_read (alive): lock, test, take buffer, read data, read counter, write counter,
      unlock = 7; (dead): lock, test, unlock = 3.
    demo_remove: lock, store dev.alive, load dev.buf, unlock, kfree(buf)
      (buf.data.swap(POISON)) = 5.

Per execution: reader 2 x 7 (or fewer once removed) + unbind 5 = 19 visible operations when the
unbind comes last (pyfuzz's `steps` of the serial schedule). The Rust harness adds points that
are no operation of the program: the spawn of the unbind thread, the main thread's exit and one
as each thread finishes, so shuttle counts 23 on the same schedule.
"""

# A model file reads like the kernel C it mirrors (docs/model.md): star import, C struct names.
# ruff: noqa: F403, F405, N801, ANN201
from pyfuzz.model import *


class demo_buf(Struct):
    data: int


class demo_dev(Struct):
    lock: Mutex
    alive: int
    buf: Ref[demo_buf]
    reads: int


dev = Global(demo_dev)


def demo_probe():
    buf = kzalloc(demo_buf, GFP_KERNEL)
    buf.data = 42
    dev.buf = buf
    dev.alive = 1


def demo_read_unlocked():
    if not dev.alive:
        return -ENODEV
    mutex_lock(dev.lock)
    value = dev.buf.data
    dev.reads += 1
    mutex_unlock(dev.lock)
    return value


def demo_read():
    mutex_lock(dev.lock)
    if not dev.alive:
        mutex_unlock(dev.lock)
        return -ENODEV
    value = dev.buf.data
    dev.reads += 1
    mutex_unlock(dev.lock)
    return value


def demo_remove():
    mutex_lock(dev.lock)
    dev.alive = 0
    buf = dev.buf
    mutex_unlock(dev.lock)
    kfree(buf)


demo = Scenario(
    name="demo-alive-flag",
    description="the built-in demo with its default workload pinned: two reads racing unbind",
    boot=[demo_probe],
    actors=[
        Actor("reader", [Action(demo_read_unlocked, name="read")], default=[0, 0], min=2, max=2),
        Actor("unbind", [Action(demo_remove, name="remove")]),
    ],
    variants={"unlocked-check": {}, "locked-check": {demo_read_unlocked: demo_read}},
    default_variant="unlocked-check",
    expect={"unlocked-check": "KASAN: slab-use-after-free Read", "locked-check": "clean"},
)
