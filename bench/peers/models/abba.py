"""Peer program (c): an AB-BA mutex pair (buggy) and the same pair taken in one order (fixed).

Two threads each take two mutexes, bump a counter and release them. In `buggy` the second
thread takes them in the opposite order: if each thread gets its first mutex before the other
takes its second, both block forever (a deadlock, found at quiescence; lockdep is off so that
the deadlock itself, not lockdep's earlier cycle report, is the finding, as in shuttle and
loom, which have no lockdep). In `ordered` both take a, then b.

Scheduling points (pyfuzz: every lock op and every load/store of a shared field; the embedded
`pair.a`/`pair.b` are address arithmetic, not accesses). The Rust twin in
bench/peers/src/programs.rs does one lock or atomic operation per pyfuzz visible operation:

    take_ab / take_ba             pyfuzz                     shuttle/loom
      1 first lock              mutex_lock(pair.a|b)       a|b.lock()
      2 second lock             mutex_lock(pair.b|a)       b|a.lock()
      3 read the counter        load pair.count            count.load
      4 write the counter       store pair.count           count.store
      5 inner unlock            mutex_unlock               guard drop
      6 outer unlock            mutex_unlock               guard drop

Per execution: 6 + 6 = 12 visible operations (the deadlock stops after 4: two locks each). The
Rust harness adds points that are no operation of the program: the spawn of the second thread,
the main thread's exit and one as each thread finishes, so shuttle counts 16 on the serial
schedule.
"""

# A model file reads like the kernel C it mirrors (docs/model.md): star import, C struct names.
# ruff: noqa: F403, F405, N801, ANN201
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


abba = Scenario(
    name="abba",
    description="two threads take two mutexes in opposite orders (buggy) or the same order",
    actors=[Thread(take_ab, name="t1"), Thread(take_ba, name="t2")],
    variants={"buggy": {}, "ordered": {take_ba: take_ab}},
    default_variant="buggy",
    expect={"buggy": "deadlock", "ordered": "clean"},
    config={"lockdep": False},
)
