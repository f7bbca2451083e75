"""Lock contracts (kernel/locking/mutex.c, rwsem.c, include/linux/spinlock.h kernel-doc): a
mutex excludes (a read-modify-write under it is never lost; without it, it is); rwsem readers
share (two readers are inside at once); an rwsem writer excludes readers and writers;
mutex_trylock() never blocks; a spinlock holder must not sleep."""

from pyfuzz.model import *


class S(Struct):
    m: Mutex
    sem: RwSem
    sp: Spinlock
    count: int
    writing: int
    both_in: Completion
    done: Completion


s = Global(S)


def inc_locked():
    mutex_lock(s.m)
    v = s.count
    s.count = v + 1
    mutex_unlock(s.m)


def inc_unlocked():
    v = s.count
    s.count = v + 1


def inc_twice():
    inc_locked()
    inc_locked()
    complete(s.done)


def checker():
    wait_for_completion(s.done)
    wait_for_completion(s.done)
    assert s.count == 4


def reader_waits_for_other():
    # inside the read section, wait for a second reader to be inside too
    down_read(s.sem)
    wait_for_completion(s.both_in)
    up_read(s.sem)


def reader_signals():
    down_read(s.sem)
    assert not s.writing
    complete(s.both_in)
    up_read(s.sem)


def writer():
    down_write(s.sem)
    s.writing = 1
    s.writing = 0
    up_write(s.sem)


def reader():
    down_read(s.sem)
    assert not s.writing
    up_read(s.sem)


def writer_checks():
    down_write(s.sem)
    assert not s.writing
    s.writing = 1
    s.writing = 0
    up_write(s.sem)


def writer_signals():
    down_write(s.sem)
    complete(s.both_in)
    up_write(s.sem)


def holder():
    mutex_lock(s.m)
    s.count = 1
    mutex_unlock(s.m)


def trier():
    if mutex_trylock(s.m):
        s.count = 2
        mutex_unlock(s.m)


def sleeps_under_spinlock():
    spin_lock(s.sp)
    msleep(1)
    spin_unlock(s.sp)


SCENARIOS = [
    Scenario(
        name="lock-mutex-excludes",
        actors=[
            Thread(inc_twice, name="a"),
            Thread(inc_twice, name="b"),
            Thread(checker, name="checker"),
        ],
        variants={"mutex": {}, "none": {inc_locked: inc_unlocked}},
        expect={"mutex": "clean", "none": "kernel BUG"},
    ),
    Scenario(
        name="lock-rwsem-readers-share",
        actors=[Thread(reader_waits_for_other, name="r1"), Thread(reader_signals, name="r2")],
        variants={"readers": {}, "writer": {reader_signals: writer_signals}},
        expect={"readers": "clean", "writer": "INFO: task hung"},
    ),
    Scenario(
        name="lock-rwsem-writer-excludes",
        actors=[
            Thread(writer_checks, name="w1"),
            Thread(writer_checks, name="w2"),
            Thread(reader, name="r"),
        ],
        expect={"": "clean"},
    ),
    Scenario(
        name="lock-trylock",
        actors=[Thread(holder, name="holder"), Thread(trier, name="trier")],
        expect={"": "clean"},
    ),
    Scenario(
        name="lock-spin-no-sleep",
        actors=[Thread(sleeps_under_spinlock, name="a")],
        expect={"": "BUG: sleeping function called from invalid context"},
    ),
]
