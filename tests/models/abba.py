"""Two threads taking two mutexes: in opposite orders (buggy) or the same order (fixed)."""

from pyfuzz.model import *


class Pair(Struct):
    a: Mutex
    b: Mutex
    count: int


pair = Global(Pair)


def take_ab():
    mutex_lock(pair.a)
    mutex_lock(pair.b)
    pair.count += 1
    mutex_unlock(pair.b)
    mutex_unlock(pair.a)


def take_ba():
    mutex_lock(pair.b)
    mutex_lock(pair.a)
    pair.count += 1
    mutex_unlock(pair.a)
    mutex_unlock(pair.b)


def take_ab_too():
    with pair.a:
        with pair.b:
            pair.count += 1


abba = Scenario(
    name="abba",
    description="ABBA mutex pair without lockdep: a deadlock needs one preemption",
    actors=[Thread(take_ab, name="t1"), Thread(take_ba, name="t2")],
    variants={"buggy": {}, "ordered": {take_ba: take_ab_too}},
    expect={"buggy": "deadlock", "ordered": "clean"},
    config={"lockdep": False},
)

abba_lockdep = Scenario(
    name="abba-lockdep",
    description="the same pair with lockdep: the circular dependency shows without a deadlock",
    actors=[Thread(take_ab, name="t1"), Thread(take_ba, name="t2")],
    variants={"buggy": {}, "ordered": {take_ba: take_ab_too}},
    expect={"buggy": "possible deadlock", "ordered": "clean"},
)
