"""Completion contracts (kernel/sched/completion.c kernel-doc): complete() before
wait_for_completion() does not block (the done count remembers it); each complete() releases
one waiter; complete_all() releases every waiter, present and future, until
reinit_completion(); wait_for_completion_timeout() returns 0 on a timeout; completion_done()
is true while a complete() is not consumed."""

from pyfuzz.model import *


class Req(Struct):
    done: Completion
    result: int
    passed: int


r = Global(Req)


def complete_then_wait():
    complete(r.done)
    wait_for_completion(r.done)
    assert not completion_done(r.done)


def producer():
    r.result = 42
    complete(r.done)


def consumer():
    wait_for_completion(r.done)
    assert r.result == 42
    r.passed += 1


def producer_all():
    r.result = 42
    complete_all(r.done)


def late_consumer():
    # complete_all() also releases a waiter that comes after it
    consumer()
    wait_for_completion(r.done)
    assert completion_done(r.done)


def timed_consumer():
    if wait_for_completion_timeout(r.done, 100) == 0:
        assert r.result == 0  # timed out: nobody completed
    else:
        assert r.result == 42


def idle():
    r.result = 0


SCENARIOS = [
    Scenario(
        name="cmp-complete-first",
        actors=[Thread(complete_then_wait, name="a")],
        expect={"": "clean"},
    ),
    # one complete(), two waiters: one of them is left waiting
    Scenario(
        name="cmp-one-per-complete",
        actors=[
            Thread(consumer, name="w1"),
            Thread(consumer, name="w2"),
            Thread(producer, name="producer"),
        ],
        variants={"complete": {}, "complete-all": {producer: producer_all}},
        expect={"complete": "INFO: task hung", "complete-all": "clean"},
    ),
    Scenario(
        name="cmp-all-is-sticky",
        actors=[Thread(late_consumer, name="w"), Thread(producer_all, name="producer")],
        expect={"": "clean"},
    ),
    Scenario(
        name="cmp-timeout",
        actors=[Thread(timed_consumer, name="w"), Thread(producer, name="producer")],
        variants={"completed": {}, "nobody": {producer: idle}},
        expect={"completed": "clean", "nobody": "clean"},
    ),
]
