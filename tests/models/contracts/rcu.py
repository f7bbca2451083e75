"""RCU contracts (include/linux/rcupdate.h, kernel/rcu/tree.c kernel-doc of
synchronize_rcu()): it waits for every read-side critical section that began before it and
not for those that begin after it; freeing after it is safe for pre-existing readers and a
use-after-free without it; a read-side section may not sleep. Since the flavours were
consolidated (v4.20; kernel/rcu/tree.c), a region with interrupts, preemption or softirqs
disabled (a spinlock holder) and a running interrupt handler are read-side critical sections
too (`rcu-sched-readers`); a reader with no protection at all is not, and a handler that runs
after the grace period still sees what the updater forgot to unpublish."""

from pyfuzz.model import *


class Cfg(Struct):
    val: int


class Root(Struct):
    cfg: Ref[Cfg]
    entered: Completion
    synced: int


root = Global(Root)


def setup():
    c = kzalloc(Cfg, GFP_KERNEL)
    c.val = 1
    root.cfg = c


def reader():
    rcu_read_lock()
    c = root.cfg
    if c is not None:
        assert c.val == 1
    rcu_read_unlock()


def updater():
    old = root.cfg
    root.cfg = None
    synchronize_rcu()
    kfree(old)


def updater_no_sync():
    old = root.cfg
    root.cfg = None
    kfree(old)


def early_reader():
    # a section that began before the grace period: synchronize_rcu() waits for it, so the
    # grace period never ends while it is inside
    rcu_read_lock()
    complete(root.entered)  # complete() does not sleep: allowed in a read section
    a = root.synced
    b = root.synced
    rcu_read_unlock()
    assert a == b


def syncer_after_reader():
    wait_for_completion(root.entered)
    synchronize_rcu()
    root.synced = 1


def any_reader():
    # BUG when the grace period ended while this section was inside: possible only for a
    # section that began after synchronize_rcu() started
    rcu_read_lock()
    a = root.synced
    b = root.synced
    rcu_read_unlock()
    assert not (a == 0 and b == 1)


def syncer():
    synchronize_rcu()
    root.synced = 1


def sleeping_reader():
    rcu_read_lock()
    msleep(1)
    rcu_read_unlock()


class Stats(Struct):
    lock: Spinlock  # the reader's own lock: the updater never takes it
    reads: int


stats = Global(Stats)


def reader_irqsave():
    # spin_lock_irqsave on a lock the updater does not take: irqs (and preemption) off
    flags = spin_lock_irqsave(stats.lock)
    c = root.cfg
    if c is not None:
        stats.reads += c.val
    spin_unlock_irqrestore(stats.lock, flags)


def reader_irq_off():
    flags = local_irq_save()
    c = root.cfg
    if c is not None:
        stats.reads += c.val
    local_irq_restore(flags)


def reader_preempt_off():
    preempt_disable()
    c = root.cfg
    if c is not None:
        stats.reads += c.val
    preempt_enable()


def reader_bh_off():
    local_bh_disable()
    c = root.cfg
    if c is not None:
        stats.reads += c.val
    local_bh_enable()


def reader_unprotected():
    # BUG: nothing makes this a read-side critical section
    c = root.cfg
    if c is not None:
        stats.reads += c.val


def reader_nested():
    # rcu_read_unlock() inside a spinlock section: still a critical section until the
    # spin_unlock (the grace period may not end at the rcu_read_unlock)
    spin_lock(stats.lock)
    rcu_read_lock()
    c = root.cfg
    rcu_read_unlock()
    if c is not None:
        stats.reads += c.val
    spin_unlock(stats.lock)


def handler_reader():
    # a hardirq handler: a read-side critical section without any rcu_read_lock()
    c = root.cfg
    if c is not None:
        stats.reads += c.val


def updater_keeps_published():
    # BUG: synchronize_rcu() without unpublishing first: a handler that runs after the
    # grace period still finds the pointer
    old = root.cfg
    synchronize_rcu()
    kfree(old)


SCENARIOS = [
    Scenario(
        name="rcu-free-after-grace-period",
        boot=[setup],
        actors=[Thread(reader, name="reader"), Thread(updater, name="updater")],
        variants={"sync": {}, "no-sync": {updater: updater_no_sync}},
        expect={"sync": "clean", "no-sync": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="rcu-waits-for-earlier-readers",
        actors=[Thread(early_reader, name="reader"), Thread(syncer_after_reader, name="sync")],
        expect={"": "clean"},
    ),
    Scenario(
        name="rcu-not-for-later-readers",
        actors=[Thread(any_reader, name="reader"), Thread(syncer, name="sync")],
        expect={"": "kernel BUG"},
    ),
    Scenario(
        name="rcu-sched-readers",
        boot=[setup],
        actors=[Thread(reader_irqsave, name="reader"), Thread(updater, name="updater")],
        variants={
            "irqsave": {},
            "irq-off": {reader_irqsave: reader_irq_off},
            "preempt-off": {reader_irqsave: reader_preempt_off},
            "bh-off": {reader_irqsave: reader_bh_off},
            "nested": {reader_irqsave: reader_nested},
            "unprotected": {reader_irqsave: reader_unprotected},
        },
        expect={
            "irqsave": "clean",
            "irq-off": "clean",
            "preempt-off": "clean",
            "bh-off": "clean",
            "nested": "clean",
            "unprotected": "KASAN: slab-use-after-free",
        },
    ),
    Scenario(
        name="rcu-hardirq-reader",
        boot=[setup],
        actors=[
            Thread(handler_reader, name="irq", context="hardirq"),
            Thread(updater, name="updater"),
        ],
        variants={"unpublished": {}, "kept-published": {updater: updater_keeps_published}},
        expect={"unpublished": "clean", "kept-published": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="rcu-reader-may-not-sleep",
        actors=[Thread(sleeping_reader, name="reader")],
        expect={"": "BUG: sleeping function called from invalid context"},
    ),
]
