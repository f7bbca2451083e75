"""Primitive family `waitqueue`: wq_prepare/wq_wait/wq_finish (what wait_event expands to) and
the wake-ups."""

from pyfuzz.model import *


class Chan(Struct):
    wq: WaitQueue
    ready: int


ch = Global(Chan)


def manual_timeout():
    wq_prepare(ch.wq)
    # Nobody wakes the queue: the timed sleep times out (returns 1).
    assert wq_wait(ch.wq, 2) == 1
    wq_finish(ch.wq)
    assert wait_event_timeout(ch.wq, ch.ready, 10) == 0


def waiter():
    wait_event(ch.wq, ch.ready)
    assert ch.ready == 1


def waiter_interruptible():
    assert wait_event_interruptible(ch.wq, ch.ready) == 0
    assert ch.ready == 1


def waker():
    ch.ready = 1
    wake_up(ch.wq)


def waker_interruptible():
    ch.ready = 1
    wake_up_interruptible(ch.wq)


def waker_all():
    ch.ready = 1
    wake_up_all(ch.wq)


# The condition is tested before registering: a wake-up between the test and wq_prepare is
# lost (the bug wait_event's prepare-then-test order prevents).
def waiter_lost_wakeup():
    if not ch.ready:
        wq_prepare(ch.wq)
        wq_wait(ch.wq, 0)
        wq_finish(ch.wq)
    assert ch.ready == 1


SCENARIOS = [
    Scenario(name="wq-timeout", actors=[Thread(manual_timeout)], expect={"": "clean"}),
    Scenario(
        name="wq-wake",
        actors=[Thread(waiter, name="w1"), Thread(waiter, name="w2"), Thread(waker, name="waker")],
        variants={
            "wake-up": {},
            "interruptible": {waiter: waiter_interruptible, waker: waker_interruptible},
            "all": {waker: waker_all},
            "lost-wakeup": {waiter: waiter_lost_wakeup},
            # wake_up_interruptible reaches only interruptible sleepers (TASK_INTERRUPTIBLE):
            # the uninterruptible waiters of wait_event stay asleep.
            "interruptible-wakes-uninterruptible": {waker: waker_interruptible},
        },
        expect={
            "wake-up": "clean",
            "interruptible": "clean",
            "all": "clean",
            "lost-wakeup": "INFO: task hung",
            "interruptible-wakes-uninterruptible": "INFO: task hung",
        },
    ),
]
