"""Work-item teardown and non-reentrancy against the kernel's workqueue rules. `teardown`: an
interrupt queues the device's work item (twice, so it can be queued again while the function
runs) unless the device is dying; the remove path sets `dying` under the lock,
`cancel_work_sync`s the item, waits for the interrupt path to be gone (free_irq's
synchronize) and frees the device the work function uses. Correct, and clean; the buggy
twins free without a cancel, or cancel before setting the flag (the interrupt queues the
item again afterwards), and the work function then touches freed memory. `delayed-teardown`
is the same with a delayed work item and `cancel_delayed_work_sync`. `reentrancy`: a work
function that would catch a second concurrent run, queued from a thread and an interrupt
while it runs; it runs exactly once per `schedule_work` that returned 1. `self-requeue`: a
work function that queues itself again; `cancel_work_sync` stops it (queueing fails while the
cancel waits for the running call), so freeing afterwards is clean."""

from pyfuzz.model import *


class Dev(Struct):
    lock: Spinlock
    dying: int
    work: Work
    dwork: DelayedWork
    count: int
    running: int
    queued_by_thread: int
    queued_by_irq: int


class Holder(Struct):
    dev: Ref[Dev]
    irq_gone: Completion


g = Global(Holder)


def dev_work(w):
    d = container_of(w)
    d.count += 1


def setup():
    d = kzalloc(Dev, GFP_KERNEL)
    init_work(d.work, dev_work)
    init_delayed_work(d.dwork, dev_work)
    g.dev = d


def dev_irq():
    # The interrupt handler: queue the work unless the device is going away.
    d = g.dev
    for i in range(2):
        spin_lock(d.lock)
        if not d.dying:
            schedule_work(d.work)
        spin_unlock(d.lock)
    complete(g.irq_gone)


def dev_irq_delayed():
    d = g.dev
    for i in range(2):
        spin_lock(d.lock)
        if not d.dying:
            schedule_delayed_work(d.dwork, 10)
        spin_unlock(d.lock)
    complete(g.irq_gone)


def dev_remove():
    d = g.dev
    spin_lock_irq(d.lock)
    d.dying = 1
    spin_unlock_irq(d.lock)
    cancel_work_sync(d.work)
    wait_for_completion(g.irq_gone)
    kfree(d)


def dev_remove_no_cancel():
    d = g.dev
    spin_lock_irq(d.lock)
    d.dying = 1
    spin_unlock_irq(d.lock)
    wait_for_completion(g.irq_gone)
    kfree(d)


def dev_remove_cancel_first():
    d = g.dev
    cancel_work_sync(d.work)
    spin_lock_irq(d.lock)
    d.dying = 1
    spin_unlock_irq(d.lock)
    wait_for_completion(g.irq_gone)
    kfree(d)


def dev_remove_delayed():
    d = g.dev
    spin_lock_irq(d.lock)
    d.dying = 1
    spin_unlock_irq(d.lock)
    cancel_delayed_work_sync(d.dwork)
    wait_for_completion(g.irq_gone)
    kfree(d)


def guarded_work(w):
    d = container_of(w)
    assert not d.running  # a second worker running the same item at once
    d.running = 1
    d.count += 1
    d.running = 0


def setup_guarded():
    d = kzalloc(Dev, GFP_KERNEL)
    init_work(d.work, guarded_work)
    g.dev = d


def kick_thread():
    d = g.dev
    for i in range(3):
        d.queued_by_thread += schedule_work(d.work)
    wait_for_completion(g.irq_gone)
    flush_work(d.work)
    # One run per schedule_work that returned 1: a 0 was merged into a pending instance.
    assert d.count == d.queued_by_thread + d.queued_by_irq


def kick_irq():
    d = g.dev
    for i in range(2):
        d.queued_by_irq += schedule_work(d.work)
    complete(g.irq_gone)


def requeue_work(w):
    d = container_of(w)
    d.count += 1
    if d.count < 4:
        schedule_work(w)


def setup_requeue():
    d = kzalloc(Dev, GFP_KERNEL)
    init_work(d.work, requeue_work)
    g.dev = d


def start_and_remove():
    d = g.dev
    schedule_work(d.work)
    cancel_work_sync(d.work)
    kfree(d)


SCENARIOS = [
    Scenario(
        name="teardown",
        boot=[setup],
        actors=[Thread(dev_irq, name="irq", context="hardirq"), Thread(dev_remove, name="rmmod")],
        variants={
            "correct": {},
            "no-cancel": {dev_remove: dev_remove_no_cancel},
            "cancel-first": {dev_remove: dev_remove_cancel_first},
        },
        expect={
            "correct": "clean",
            "no-cancel": "KASAN: slab-use-after-free",
            "cancel-first": "KASAN: slab-use-after-free",
        },
    ),
    Scenario(
        name="delayed-teardown",
        boot=[setup],
        actors=[
            Thread(dev_irq_delayed, name="irq", context="hardirq"),
            Thread(dev_remove_delayed, name="rmmod"),
        ],
        variants={"correct": {}, "no-cancel": {dev_remove_delayed: dev_remove_no_cancel}},
        expect={"correct": "clean", "no-cancel": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="reentrancy",
        boot=[setup_guarded],
        actors=[Thread(kick_thread, name="kicker"), Thread(kick_irq, name="irq", context="hardirq")],
        expect={"": "clean"},
    ),
    Scenario(
        name="self-requeue",
        boot=[setup_requeue],
        actors=[Thread(start_and_remove, name="rmmod")],
        expect={"": "clean"},
    ),
]
