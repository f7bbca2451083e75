"""Language test model: a variant wraps a function; inside the wrapper, a call of the
function it replaces runs the original (docs/model.md section 5)."""

from pyfuzz.model import *


class Counter(Struct):
    lock: Mutex
    calls: int
    traced: int


counter = Global(Counter)


def bump(n):
    with counter.lock:
        counter.calls += n
    return counter.calls


def bump_traced(n):  # counts the call, then runs the original bump()
    counter.traced += 1
    return bump(n)


def bump_locked(n):  # the bug: calls the original with the lock it takes held
    with counter.lock:
        return bump(n)


def caller():
    total = bump(2)
    assert total == 2
    assert counter.calls == 2


def caller_traced():
    caller()
    assert counter.traced == 1


wrap = Scenario(
    name="wrap",
    description="bump() wrapped: the traced wrapper runs the original once; the locked one "
    "calls it with the lock held",
    actors=[Thread(caller)],
    variants={
        "plain": {},
        "traced": {bump: bump_traced},
        "locked": {bump: bump_locked},
    },
    expect={"plain": "clean", "traced": "clean", "locked": "possible recursive locking"},
)

wrap_counted = Scenario(
    name="wrap-counted",
    description="the wrapper ran exactly once",
    actors=[Thread(caller_traced)],
    variants={"traced": {bump: bump_traced}},
    expect={"traced": "clean"},
)
