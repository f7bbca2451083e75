"""Primitive family `rcu`: read-side sections and synchronize_rcu."""

from pyfuzz.model import *


class Cfg(Struct):
    val: int


class Root(Struct):
    cfg: Ref[Cfg]


root = Global(Root)


def setup():
    c = kzalloc(Cfg, GFP_KERNEL)
    c.val = 1
    root.cfg = c


def reader():
    rcu_read_lock()
    c = root.cfg
    v = c.val
    rcu_read_unlock()
    assert v == 1


def replace(wait):
    old = root.cfg
    new = kzalloc(Cfg, GFP_KERNEL)
    new.val = 1
    root.cfg = new
    if wait:
        synchronize_rcu()
    kfree(old)


def updater():
    replace(1)


def updater_no_grace_period():
    replace(0)


def sleep_in_reader():
    rcu_read_lock()
    synchronize_rcu()
    rcu_read_unlock()


SCENARIOS = [
    # The updater frees the old config only after every reader that could see it has left.
    Scenario(
        name="rcu-replace",
        boot=[setup],
        actors=[Thread(reader, name="reader"), Thread(updater, name="updater")],
        variants={"fixed": {}, "buggy": {updater: updater_no_grace_period}},
        expect={"fixed": "clean", "buggy": "KASAN: slab-use-after-free Read"},
    ),
    Scenario(
        name="rcu-sleep-in-reader",
        actors=[Thread(sleep_in_reader, name="t1")],
        expect={"": "BUG: sleeping function called from invalid context"},
    ),
]
