"""Language test model: the core module two drivers share (imported by driver_a.py and
driver_b.py beside it). It declares the device struct, its Global and the core's paths."""

from pyfuzz.model import *


class core_dev(Struct):
    lock: Mutex
    users: int
    buf: Ref["core_buf"]


class core_buf(Struct):
    data: int


core = Global(core_dev)


def core_setup():
    core.buf = kzalloc(core_buf, GFP_KERNEL)
    core.buf.data = CORE_MAGIC


def core_get():
    with core.lock:
        if core.buf is None:
            return -ENODEV
        core.users += 1
        return core.buf.data


def core_teardown():
    with core.lock:
        buf = core.buf
        core.buf = None
    kfree(buf)


CORE_MAGIC = 42
