"""Six threads incrementing one counter under one mutex, five times each: correct, and with
a schedule space large enough that exhaustive search runs for minutes (interruption tests)."""

from pyfuzz.model import *


class Counter(Struct):
    lock: Mutex
    value: int


counter = Global(Counter)


def bump():
    for i in range(5):
        mutex_lock(counter.lock)
        counter.value += 1
        mutex_unlock(counter.lock)


contended = Scenario(
    name="contended",
    description="six threads, one mutex, no bug",
    actors=[Thread(bump, name=f"bump{i}") for i in range(6)],
)
