"""Primitive family `completion`: init, complete, complete_all, the waits, completion_done."""

from pyfuzz.model import *


class Req(Struct):
    done: Completion
    result: int


req = Global(Req)


def completion_api():
    c = req.done
    init_completion(c)
    assert not completion_done(c)
    complete(c)
    complete(c)
    assert completion_done(c)
    wait_for_completion(c)
    wait_for_completion(c)
    assert not completion_done(c)
    complete_all(c)
    wait_for_completion(c)
    assert wait_for_completion_interruptible(c) == 0
    assert completion_done(c)
    reinit_completion(c)
    assert not completion_done(c)
    # Nothing else can run: the timed wait times out.
    assert wait_for_completion_timeout(c, 100) == 0
    complete(c)
    assert wait_for_completion_timeout(c, 100) == 1


def producer():
    req.result = 42
    complete(req.done)


def consumer():
    wait_for_completion(req.done)
    assert req.result == 42


def consumer_interruptible():
    assert wait_for_completion_interruptible(req.done) == 0
    assert req.result == 42


def idle():
    req.result = 0


SCENARIOS = [
    Scenario(name="completion-api", actors=[Thread(completion_api)], expect={"": "clean"}),
    # The consumer sees the producer's write under every interleaving.
    Scenario(
        name="completion-handoff",
        actors=[Thread(consumer, name="consumer"), Thread(producer, name="producer")],
        variants={
            "fixed": {},
            "interruptible": {consumer: consumer_interruptible},
            "no-producer": {producer: idle},
            "stranded": {producer: idle, consumer: consumer_interruptible},
        },
        expect={
            "fixed": "clean",
            "interruptible": "clean",
            "no-producer": "INFO: task hung",
            "stranded": "stranded waiter",
        },
    ),
]
