"""Peer program (a): a driver's stop path racing its I/O path (buggy and fixed).

A device `dev` has a mutex `lock` that guards its `state` flag (DEV_RUNNING or DEV_STOPPED)
and its `submitted` counter, and a transmit queue `queue` (a separately allocated object). Two
I/O threads submit one request each; a submit bumps the queue's `head` and the device's
counter. The stop thread marks the device stopped under the lock, takes the queue, and frees
it after dropping the lock. The buggy `io_submit` tests `state` before taking the lock and
touches the queue outside it, so a stop between the test and the queue access frees the queue
under it: KASAN slab-use-after-free (a stop that runs before the test, or after the submit, is
harmless). The fixed `io_submit_locked` tests the flag and touches the queue under the lock.

Scheduling points (pyfuzz: every load/store of a shared field and every lock op and kfree;
locals, constants and branches are not). The Rust twin in bench/peers/src/programs.rs does the
same accesses, one atomic or lock operation per pyfuzz visible operation:

    io_submit (running)           pyfuzz                     shuttle/loom
      1 test state              load dev.state             dev.state.load
      2 take the queue          load dev.queue             dev.queue.load
      3 read the queue head     load q.head                queue.head.load   (POISON: UAF)
      4 write the queue head    store q.head               queue.head.swap   (old POISON: UAF)
      5 lock                    mutex_lock(dev.lock)       dev.lock.lock()
      6 read the counter        load dev.submitted         dev.submitted.load
      7 write the counter       store dev.submitted        dev.submitted.store
      8 unlock                  mutex_unlock(dev.lock)     guard drop
    io_submit (stopped): 1 operation (the test), then return.
    io_submit_locked (running): lock, test, take queue, read head, write head, read counter,
      write counter, unlock = 8; (stopped): lock, test, unlock = 3.
    dev_stop: lock, store dev.state, load dev.queue, unlock, kfree(q) (queue.head.swap(POISON))
      = 5.

Per execution: two I/O threads x 8 (or fewer once stopped) + stop thread 5 = 21 visible
operations when the stop comes last (pyfuzz's `steps` of the serial schedule). The Rust
harness adds points that are no operation of the program: one per spawn (2), one at the main
thread's exit and one as each thread finishes (3), so shuttle counts 27 on the same schedule;
compare.py prints both counts (see bench/peers/README.md).
"""

# A model file reads like the kernel C it mirrors (docs/model.md): star import, C struct names.
# ruff: noqa: F403, F405, N801, ANN201
from pyfuzz.model import *

DEV_STOPPED = 0
DEV_RUNNING = 1


class txq(Struct):
    head: int


class stopio_dev(Struct):
    lock: Mutex
    state: int
    queue: Ref[txq]
    submitted: int


dev = Global(stopio_dev)


def stopio_probe():
    q = kzalloc(txq, GFP_KERNEL)
    dev.queue = q
    dev.state = DEV_RUNNING


def io_submit():  # the bug: state tested, and the queue touched, outside dev.lock
    if dev.state != DEV_RUNNING:
        return -ENODEV
    q = dev.queue
    slot = q.head
    q.head = slot + 1
    mutex_lock(dev.lock)
    dev.submitted += 1
    mutex_unlock(dev.lock)
    return 0


def io_submit_locked():  # the fix: test and queue access under dev.lock
    mutex_lock(dev.lock)
    if dev.state != DEV_RUNNING:
        mutex_unlock(dev.lock)
        return -ENODEV
    q = dev.queue
    slot = q.head
    q.head = slot + 1
    dev.submitted += 1
    mutex_unlock(dev.lock)
    return 0


def dev_stop():
    mutex_lock(dev.lock)
    dev.state = DEV_STOPPED
    q = dev.queue
    mutex_unlock(dev.lock)
    kfree(q)


stop_io = Scenario(
    name="stop-io",
    description="an I/O path tests the device state outside the lock the stop path clears it under",
    boot=[stopio_probe],
    actors=[
        Thread(io_submit, name="io1"),
        Thread(io_submit, name="io2"),
        Thread(dev_stop, name="stop"),
    ],
    variants={"buggy": {}, "fixed": {io_submit: io_submit_locked}},
    default_variant="buggy",
    expect={"buggy": "KASAN: slab-use-after-free", "fixed": "clean"},
)
