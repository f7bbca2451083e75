"""Benchmark model: the yardstick's own program (`../shared/yardstick` beside the checkout, "reader/remover"),
transliterated into the model language so that pyfuzz and the yardstick run like with like.

Two readers loop ITERS times { lock; if alive { count += 1 }; unlock } and a remover does
{ lock; alive = 0; unlock }. As in the yardstick, the visible operations are the lock, the
loads of `alive` and `count`, the store of `count` and the unlock (five per iteration), and a
few local instructions pad each iteration. The yardstick's lock is a plain owner word; here it
is a real mutex with lockdep, the hung-task/deadlock checks and the leak check at the end, i.e.
pyfuzz with every oracle on. Clean: every execution runs to completion.
"""

from pyfuzz.model import *

ITERS = 20


class Obj(Struct):
    lock: Mutex
    alive: int
    count: int


obj0 = Global(Obj)


def reader(o, iters):
    i = iters
    pad = 0
    while i:
        mutex_lock(o.lock)
        if o.alive:
            o.count = o.count + 1
            pad = pad + 3
        mutex_unlock(o.lock)
        i = i - 1
    return pad


def remover(o):
    mutex_lock(o.lock)
    o.alive = 0
    mutex_unlock(o.lock)


def boot_obj():
    obj0.alive = 1


yardstick_equiv = Scenario(
    name="yardstick_equiv",
    description="the yardstick's reader/remover program (20 iterations), for like-for-like ratios",
    actors=[
        Thread(reader, obj0, ITERS, name="reader1"),
        Thread(reader, obj0, ITERS, name="reader2"),
        Thread(remover, obj0, name="remover"),
    ],
    boot=[boot_obj],
    expect={"": "clean"},
)
