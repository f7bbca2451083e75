"""Language test model: arrays of embedded primitives (`Array[Mutex, N]`, `Array[Work, N]`).

Each element is its own lock or work item: a thread sleeping with `locks[0]` held does not
stop another from taking `locks[1]`, while taking the same element deadlocks; two elements
held at once share the field's lockdep class, so lockdep reports recursive locking as the
kernel does without `mutex_lock_nested`; every work item of the array runs its own function.
"""

from pyfuzz.model import *


class port_dev(Struct):
    locks: Array[Mutex, 2]
    works: Array[Work, 2]
    done: Completion
    count: int


dev = Global(port_dev)


def hold_first():
    with dev.locks[0]:
        wait_for_completion(dev.done)


def signal_with(i):
    with dev.locks[i]:
        complete(dev.done)


def nest_two():
    mutex_lock(dev.locks[0])
    mutex_lock(dev.locks[1])
    mutex_unlock(dev.locks[1])
    mutex_unlock(dev.locks[0])


def port_work(work):
    owner = container_of(work, port_dev, "works")  # the struct that holds the array
    with owner.locks[0]:
        owner.count += 1


def setup_works():
    for i in range(2):
        init_work(dev.works[i], port_work)


def run_works():
    for i in range(2):
        schedule_work(dev.works[i])
    for i in range(2):
        flush_work(dev.works[i])
    assert dev.count == 2


def signal_other():
    signal_with(1)


def signal_same():
    signal_with(0)


locks = Scenario(
    name="lock-array",
    description="a sleeper holds locks[0]; the signaller takes locks[1] (or the same one)",
    actors=[Thread(hold_first, name="sleeper"), Thread(signal_other, name="signaller")],
    variants={"distinct": {}, "same": {signal_other: signal_same}},
    expect={"distinct": "clean", "same": "INFO: task"},
)

nested = Scenario(
    name="lock-array-nested",
    description="two elements of one lock array held at once: one lockdep class",
    actors=[Thread(nest_two)],
    expect={"": "possible recursive locking"},
)

works = Scenario(
    name="work-array",
    description="every work item of an array runs its function once per queueing",
    boot=[setup_works],
    actors=[Thread(run_works)],
)
