"""Workqueue contracts (include/linux/workqueue.h, kernel/workqueue.c kernel-doc): a queued
item runs once per successful queue_work(); never on two workers at once;
cancel_work_sync() returns with the item neither pending nor executing, and stops an item
that re-queues itself; flush_work() waits for the last queued instance;
cancel_delayed_work_sync() does the same for a delayed item whose timer is armed; and
flush_delayed_work() fires an armed timer and waits for the function. Each scenario's
`assert` is the clause: a violation is a `kernel BUG`."""

from pyfuzz.model import *


class Item(Struct):
    work: Work
    dwork: DelayedWork
    running: int
    runs: int
    requeue: int


class World(Struct):
    item: Ref[Item]
    queued: int


w = Global(World)


def item_fn(work):
    it = container_of(work)
    assert not it.running  # two workers at once
    it.running = 1
    it.runs += 1
    it.running = 0
    if it.requeue:
        schedule_work(it.work)


def item_dfn(work):
    it = container_of(work)
    it.running = 1
    it.runs += 1
    it.running = 0


def setup():
    it = kzalloc(Item, GFP_KERNEL)
    init_work(it.work, item_fn)
    init_delayed_work(it.dwork, item_dfn)
    w.item = it


def setup_requeue():
    setup()
    w.item.requeue = 1


def queuer():
    it = w.item
    for i in range(2):
        w.queued += schedule_work(it.work)


def queue_then_flush():
    it = w.item
    queuer()
    flush_work(it.work)
    # flush_work waited for the last instance: one run per successful queue_work
    assert it.runs == w.queued


def queue_then_cancel_sync():
    it = w.item
    schedule_work(it.work)
    cancel_work_sync(it.work)
    # neither pending nor executing: nothing changes after the cancel returns
    runs = it.runs
    assert not it.running
    assert it.runs == runs
    kfree(it)
    w.item = None


def queue_then_cancel():
    # cancel_work does not wait for a running instance: freeing after it is a use-after-free
    it = w.item
    schedule_work(it.work)
    cancel_work(it.work)
    kfree(it)
    w.item = None


def requeue_then_cancel_sync():
    it = w.item
    schedule_work(it.work)
    cancel_work_sync(it.work)
    kfree(it)
    w.item = None


def delayed_then_cancel_sync():
    it = w.item
    schedule_delayed_work(it.dwork, 10)
    cancel_delayed_work_sync(it.dwork)
    kfree(it)
    w.item = None


def delayed_then_flush():
    it = w.item
    schedule_delayed_work(it.dwork, 10)
    flush_delayed_work(it.dwork)
    assert it.runs == 1


SCENARIOS = [
    Scenario(
        name="wq-once-per-queueing",
        boot=[setup],
        actors=[Thread(queue_then_flush, name="a")],
        expect={"": "clean"},
    ),
    Scenario(
        name="wq-non-reentrant",
        boot=[setup],
        actors=[Thread(queuer, name="a"), Thread(queuer, name="b")],
        expect={"": "clean"},
    ),
    Scenario(
        name="wq-cancel-sync",
        boot=[setup],
        actors=[Thread(queue_then_cancel_sync, name="remove")],
        variants={"sync": {}, "no-sync": {queue_then_cancel_sync: queue_then_cancel}},
        expect={"sync": "clean", "no-sync": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="wq-cancel-requeueing",
        boot=[setup_requeue],
        actors=[Thread(requeue_then_cancel_sync, name="remove")],
        expect={"": "clean"},
    ),
    Scenario(
        name="wq-cancel-delayed-sync",
        boot=[setup],
        actors=[Thread(delayed_then_cancel_sync, name="remove")],
        expect={"": "clean"},
    ),
    Scenario(
        name="wq-flush-delayed",
        boot=[setup],
        actors=[Thread(delayed_then_flush, name="a")],
        expect={"": "clean"},
    ),
]
