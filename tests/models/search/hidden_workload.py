"""A driver clean on its default workload and broken on a small other one: the file's
release frees the buffer but leaves the pointer, so open, read, close (the default) is fine
while open, close, read reads freed memory and open, close, close frees it twice. The fixed
release clears the pointer under the lock."""

from pyfuzz.model import *


class hw_buf(Struct):
    data: int


class hw_dev(Struct):
    lock: Mutex
    buf: Ref[hw_buf]


dev = Global(hw_dev)


def hw_open():
    mutex_lock(dev.lock)
    if not dev.buf:
        dev.buf = kzalloc(hw_buf, GFP_KERNEL)
    mutex_unlock(dev.lock)


def hw_read():
    mutex_lock(dev.lock)
    if dev.buf:
        dev.buf.data += 1
    mutex_unlock(dev.lock)


def hw_release():
    mutex_lock(dev.lock)
    buf = dev.buf
    mutex_unlock(dev.lock)
    kfree(buf)


def hw_release_fixed():
    mutex_lock(dev.lock)
    buf = dev.buf
    dev.buf = None
    mutex_unlock(dev.lock)
    kfree(buf)


hidden_workload = Scenario(
    name="hidden-workload",
    description="release leaves a dangling pointer: only workloads other than the default show it",
    actors=[
        Actor(
            "user",
            [
                Action(hw_open, name="open"),
                Action(hw_read, name="read"),
                Action(hw_release, name="close"),
            ],
            default=[0, 1, 2],
            min=1,
            max=3,
        ),
    ],
    variants={"buggy": {}, "fixed": {hw_release: hw_release_fixed}},
    expect={"buggy": "KASAN: slab-use-after-free", "fixed": "clean"},
)
