"""RCU contracts (include/linux/rcupdate.h, kernel/rcu/tree.c kernel-doc of
synchronize_rcu()): it waits for every read-side critical section that began before it and
not for those that begin after it; freeing after it is safe for pre-existing readers and a
use-after-free without it; a read-side section may not sleep."""

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
        name="rcu-reader-may-not-sleep",
        actors=[Thread(sleeping_reader, name="reader")],
        expect={"": "BUG: sleeping function called from invalid context"},
    ),
]
