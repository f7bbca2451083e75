"""Primitive family `work`: init_work, init_delayed_work, schedule_work, schedule_delayed_work,
mod_delayed_work, cancel_work, cancel_delayed_work, cancel_work_sync, cancel_delayed_work_sync,
flush_work, flush_delayed_work, name_irq_thread: their return values, the remove path with and
without a cancel, a sleeping cancel in atomic context, a flush from the work function itself,
and a worker named as an IRQ thread (its BUG_ON is reported in `irq/37-mydevice`, the
comm cut to 15 characters)."""

from pyfuzz.model import *


class Dev(Struct):
    work: Work
    dwork: DelayedWork
    lock: Spinlock
    count: int
    dcount: int


class Holder(Struct):
    dev: Ref[Dev]


g = Global(Holder)


def work_fn(w):
    assert current_context() == 3
    d = container_of(w)
    d.count += 1


def dwork_fn(w):
    d = container_of(w)
    d.dcount += 1


def probe():
    d = kzalloc(Dev, GFP_KERNEL)
    init_work(d.work, work_fn)
    init_delayed_work(d.dwork, dwork_fn)
    g.dev = d
    return d


def schedule_flush_cancel():
    d = probe()
    assert schedule_work(d.work) == 1
    # 0 while still pending; once the worker took it (PENDING is cleared before the function
    # runs) it is queued again, and runs again after the running call.
    again = schedule_work(d.work)
    # The flush returns once the last queued instance has run (1 if it had to wait).
    flush_work(d.work)
    assert d.count == 1 + again
    assert flush_work(d.work) == 0  # idle: nothing to wait for
    assert cancel_work_sync(d.work) == 0
    assert schedule_work(d.work) == 1
    # Either the worker has not started (pending: cancelled, it never runs) or cancel waits
    # until it has run.
    cancelled = cancel_work_sync(d.work)
    assert d.count + cancelled == 2 + again
    assert schedule_work(d.work) == 1
    # cancel_work only dequeues; flush_work then waits for a started instance.
    dequeued = cancel_work(d.work)
    flush_work(d.work)
    assert d.count + cancelled + dequeued == 3 + again
    g.dev = None
    kfree(d)


def delayed_api():
    d = probe()
    assert schedule_delayed_work(d.dwork, 10) == 1
    # Pending (armed or queued) until the worker takes it: then 1, and it runs again.
    again = schedule_delayed_work(d.dwork, 10)
    # Pending: re-armed to fire at once (1); idle or running: queued (0).
    modified = mod_delayed_work(d.dwork, 0)
    flush_delayed_work(d.dwork)
    # Instances run one after the other, and the flush waits for the last one queued.
    assert d.dcount == 2 + again - modified
    assert mod_delayed_work(d.dwork, 5) == 0  # idle: queued
    dequeued = cancel_delayed_work(d.dwork)
    # Nothing is pending any more: the sync cancel only waits for a started instance.
    assert cancel_delayed_work_sync(d.dwork) == 0
    assert d.dcount == 3 + again - modified - dequeued
    assert flush_work(d.dwork) == 0
    assert flush_delayed_work(d.dwork) == 0
    g.dev = None
    kfree(d)


def remove_buggy():
    d = probe()
    schedule_work(d.work)
    g.dev = None
    kfree(d)


def remove_fixed():
    d = probe()
    schedule_work(d.work)
    g.dev = None
    cancel_work_sync(d.work)
    kfree(d)


def cancel_under_spinlock():
    d = probe()
    schedule_work(d.work)
    spin_lock(d.lock)
    cancel_work_sync(d.work)
    spin_unlock(d.lock)


def delayed_on_plain_work():
    d = probe()
    schedule_delayed_work(d.work, 1)


def self_flush_fn(w):
    flush_work(w)


def self_flush():
    d = probe()
    init_work(d.work, self_flush_fn)
    schedule_work(d.work)


def irq_thread_fn(w):
    BUG_ON(1)


def named_irq_thread():
    d = probe()
    init_work(d.work, irq_thread_fn)
    name_irq_thread(d.work, 37, "mydevice-ctrl")
    schedule_work(d.work)


SCENARIOS = [
    Scenario(name="work-api", actors=[Thread(schedule_flush_cancel)], expect={"": "clean"}),
    Scenario(name="delayed-work-api", actors=[Thread(delayed_api)], expect={"": "clean"}),
    Scenario(
        name="work-remove",
        actors=[Thread(remove_buggy, name="t1")],
        variants={"buggy": {}, "fixed": {remove_buggy: remove_fixed}},
        expect={"buggy": "KASAN: slab-use-after-free", "fixed": "clean"},
    ),
    Scenario(
        name="work-cancel-atomic",
        actors=[Thread(cancel_under_spinlock)],
        expect={"": "BUG: sleeping function called from invalid context"},
    ),
    # C would not compile it: a model error.
    Scenario(
        name="work-delayed-on-plain",
        actors=[Thread(delayed_on_plain_work)],
        expect={"": "pyfuzz: model error"},
    ),
    # start_flush_work queues the barrier behind the running instance: the worker waits for
    # itself forever.
    Scenario(
        name="work-self-flush",
        actors=[Thread(self_flush)],
        expect={"": "INFO: task hung"},
    ),
    Scenario(
        name="work-irq-thread-name",
        actors=[Thread(named_irq_thread)],
        expect={"": "kernel BUG"},
    ),
]
