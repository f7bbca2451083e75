"""Built-in demo: a char device whose read path checks `alive` without the lock that guards it.

`remove` (sysfs unbind) clears `alive` under `lock` and frees the device's buffer; the buggy
`read` tests `alive` before taking the lock, so an unbind between the check and the access makes
the read touch freed memory (KASAN slab-use-after-free). The fixed read tests the flag under the
lock, the same fence as switchtec's `lock_mutex_and_test_alive`.
"""

from pyfuzz.model import *


class demo_buf(Struct):
    data: int


class demo_dev(Struct):
    lock: Mutex
    alive: int
    buf: Ref[demo_buf]
    reads: int


dev = Global(demo_dev)


def demo_probe():
    buf = kzalloc(demo_buf, GFP_KERNEL)
    buf.data = 42
    dev.buf = buf
    dev.alive = 1


def demo_read_unlocked():
    if not dev.alive:
        return -ENODEV
    mutex_lock(dev.lock)
    value = dev.buf.data
    dev.reads += 1
    mutex_unlock(dev.lock)
    return value


def demo_read():
    mutex_lock(dev.lock)
    if not dev.alive:
        mutex_unlock(dev.lock)
        return -ENODEV
    value = dev.buf.data
    dev.reads += 1
    mutex_unlock(dev.lock)
    return value


def demo_remove():
    mutex_lock(dev.lock)
    dev.alive = 0
    buf = dev.buf
    mutex_unlock(dev.lock)
    kfree(buf)


demo = Scenario(
    name="demo-alive-flag",
    description="a read path that tests the alive flag outside the mutex guarding it, racing unbind",
    boot=[demo_probe],
    actors=[
        Actor("reader", [Action(demo_read_unlocked, name="read")], default=[0, 0], min=1, max=3),
        Actor("unbind", [Action(demo_remove, name="remove")]),
    ],
    variants={"unlocked-check": {}, "locked-check": {demo_read_unlocked: demo_read}},
    default_variant="unlocked-check",
    expect={"unlocked-check": "KASAN: slab-use-after-free Read", "locked-check": "clean"},
)
