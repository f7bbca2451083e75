"""Primitive family `lock`: mutexes, spinlocks (plain, _irq, _bh, _irqsave), rw_semaphores and
the generic `with l:` acquire/release."""

from pyfuzz.model import *


class Dev(Struct):
    m: Mutex
    s: Spinlock
    r: RwSem
    count: int


dev = Global(Dev)


def mutex_api():
    with dev.m:
        assert mutex_is_locked(dev.m)
        assert mutex_trylock(dev.m) == 0
    assert not mutex_is_locked(dev.m)
    assert mutex_lock_interruptible(dev.m) == 0
    mutex_unlock(dev.m)
    assert mutex_trylock(dev.m) == 1
    mutex_unlock(dev.m)


def spin_api():
    with dev.s:
        assert in_atomic()
    assert not in_atomic()
    spin_lock(dev.s)
    assert in_atomic() and not irqs_disabled()
    spin_unlock(dev.s)
    spin_lock_irq(dev.s)
    assert irqs_disabled()
    spin_unlock_irq(dev.s)
    assert not irqs_disabled()
    spin_lock_bh(dev.s)
    assert in_atomic() and not in_interrupt()
    spin_unlock_bh(dev.s)
    assert not in_atomic()
    flags = spin_lock_irqsave(dev.s)
    assert flags == 0 and irqs_disabled()
    spin_unlock_irqrestore(dev.s, flags)
    assert not irqs_disabled()


def rwsem_api():
    with dev.r:
        assert down_read_trylock(dev.r) == 0
    down_read(dev.r)
    assert down_read_trylock(dev.r) == 1
    assert down_write_trylock(dev.r) == 0
    up_read(dev.r)
    up_read(dev.r)
    down_write(dev.r)
    assert down_read_trylock(dev.r) == 0
    up_write(dev.r)
    assert down_write_trylock(dev.r) == 1
    up_write(dev.r)


# Each increment is a read-modify-write with a scheduling point between the read and the
# write: the lock makes it atomic under every interleaving.
def inc_mutex():
    mutex_lock(dev.m)
    v = dev.count
    dev.count = v + 1
    assert dev.count == v + 1
    mutex_unlock(dev.m)


def inc_spin():
    spin_lock(dev.s)
    v = dev.count
    dev.count = v + 1
    assert dev.count == v + 1
    spin_unlock(dev.s)


def inc_unlocked():
    v = dev.count
    dev.count = v + 1
    assert dev.count == v + 1


def reader():
    down_read(dev.r)
    v = dev.count
    assert dev.count == v
    up_read(dev.r)


def writer():
    down_write(dev.r)
    dev.count += 1
    up_write(dev.r)


def writer_unlocked():
    dev.count += 1


SCENARIOS = [
    Scenario(
        name="lock-api",
        actors=[Thread(mutex_api), Thread(spin_api), Thread(rwsem_api)],
        expect={"": "clean"},
    ),
    Scenario(
        name="lock-mutual-exclusion",
        actors=[Thread(inc_mutex, name="a"), Thread(inc_spin, name="b")],
        variants={
            "mutex": {inc_spin: inc_mutex},
            "spin": {inc_mutex: inc_spin},
            "none": {inc_mutex: inc_unlocked, inc_spin: inc_unlocked},
        },
        expect={"mutex": "clean", "spin": "clean", "none": "kernel BUG"},
    ),
    Scenario(
        name="rwsem-readers-writer",
        actors=[Thread(reader, name="r1"), Thread(reader, name="r2"), Thread(writer, name="w")],
        variants={"locked": {}, "unlocked": {writer: writer_unlocked}},
        expect={"locked": "clean", "unlocked": "kernel BUG"},
    ),
]
