"""Primitive family `lockdep`: lockdep_set_novalidate_class and lockdep_assert_held."""

from pyfuzz.model import *


class Dev(Struct):
    a: Mutex
    b: Mutex
    count: int


dev = Global(Dev)


def novalidate():
    lockdep_set_novalidate_class(dev.a)
    lockdep_set_novalidate_class(dev.b)


def no_annotation():
    dev.count = 0


def ab():
    with dev.a:
        with dev.b:
            dev.count += 1


def ba():
    with dev.b:
        with dev.a:
            dev.count += 1


def relock():
    novalidate()
    mutex_lock(dev.a)
    mutex_lock(dev.a)


def update():
    lockdep_assert_held(dev.a)
    dev.count += 1


def update_locked():
    with dev.a:
        update()


SCENARIOS = [
    # lockdep reports the inversion without a deadlock; a novalidate class hides it, and
    # only the wait-for cycle (one preemption) shows the bug.
    Scenario(
        name="lockdep-novalidate",
        boot=[novalidate],
        actors=[Thread(ab, name="t1"), Thread(ba, name="t2")],
        variants={"novalidate": {}, "validated": {novalidate: no_annotation}},
        expect={"novalidate": "deadlock", "validated": "possible deadlock"},
    ),
    # Taking a lock twice: lockdep's recursive-locking report, or, in a novalidate class,
    # only the wait-for cycle of the task with itself.
    Scenario(
        name="lockdep-relock",
        actors=[Thread(relock, name="t1")],
        variants={"novalidate": {}, "validated": {novalidate: no_annotation}},
        expect={"novalidate": "deadlock", "validated": "possible recursive locking"},
    ),
    Scenario(
        name="lockdep-assert-held",
        actors=[Thread(update_locked, name="t1")],
        variants={"held": {}, "unheld": {update_locked: update}},
        expect={"held": "clean", "unheld": "WARNING"},
    ),
]
