"""Primitive family `work`: init_work, schedule_work, cancel_work_sync, flush_work."""

from pyfuzz.model import *


class Dev(Struct):
    work: Work
    count: int


class Holder(Struct):
    dev: Ref[Dev]


g = Global(Holder)


def work_fn(w):
    assert current_context() == 3
    d = container_of(w)
    d.count += 1


def probe():
    d = kzalloc(Dev, GFP_KERNEL)
    init_work(d.work, work_fn)
    g.dev = d
    return d


def schedule_flush_cancel():
    d = probe()
    assert schedule_work(d.work) == 1
    flush_work(d.work)
    assert d.count == 1
    assert cancel_work_sync(d.work) == 0
    assert schedule_work(d.work) == 1
    # Either the worker has not started (pending: cancelled, it never runs) or cancel waits
    # until it has run.
    cancelled = cancel_work_sync(d.work)
    assert d.count + cancelled == 2
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


SCENARIOS = [
    Scenario(name="work-api", actors=[Thread(schedule_flush_cancel)], expect={"": "clean"}),
    Scenario(
        name="work-remove",
        actors=[Thread(remove_buggy, name="t1")],
        variants={"buggy": {}, "fixed": {remove_buggy: remove_fixed}},
        expect={"buggy": "KASAN: slab-use-after-free", "fixed": "clean"},
    ),
]
