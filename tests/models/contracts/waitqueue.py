"""Wait-queue contracts (include/linux/wait.h kernel-doc): wait_event() sleeps until the
condition is true, testing it after registering, so a wake_up() between the test and the
sleep is not lost; a wake_up() with no task registered is lost (an open-coded test then sleep
misses it); wake_up() wakes every (non-exclusive) waiter; wake_up_interruptible() wakes only
tasks sleeping in TASK_INTERRUPTIBLE."""

from pyfuzz.model import *


class Ev(Struct):
    wq: WaitQueue
    flag: int
    woken: int


e = Global(Ev)


def waker():
    e.flag = 1
    wake_up(e.wq)


def waker_interruptible():
    e.flag = 1
    wake_up_interruptible(e.wq)


def waiter():
    wait_event(e.wq, e.flag)
    e.woken += 1


def waiter_interruptible():
    wait_event_interruptible(e.wq, e.flag)
    e.woken += 1


def waiter_open_coded():
    # the lost wake-up: test, then register and sleep (no re-test after registering)
    if not e.flag:
        wq_prepare(e.wq)
        wq_wait(e.wq, 0)
        wq_finish(e.wq)
    e.woken += 1


SCENARIOS = [
    Scenario(
        name="wq-wait-event",
        actors=[Thread(waiter, name="waiter"), Thread(waker, name="waker")],
        variants={"wait_event": {}, "open-coded": {waiter: waiter_open_coded}},
        expect={"wait_event": "clean", "open-coded": "INFO: task hung"},
    ),
    Scenario(
        name="wq-wake-all",
        actors=[
            Thread(waiter, name="w1"),
            Thread(waiter, name="w2"),
            Thread(waker, name="waker"),
        ],
        expect={"": "clean"},
    ),
    Scenario(
        name="wq-wake-interruptible",
        actors=[Thread(waiter, name="waiter"), Thread(waker_interruptible, name="waker")],
        variants={
            "uninterruptible": {},
            "interruptible": {waiter: waiter_interruptible},
        },
        expect={"uninterruptible": "INFO: task hung", "interruptible": "clean"},
    ),
]
