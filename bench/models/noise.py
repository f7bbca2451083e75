"""Guidance under noise: one racing pair among N independent actors (bench/campaign.py).

The pair is the demo's: a read path that tests `alive` outside the mutex that guards it, and
an unbind that clears `alive` and frees the buffer (a use-after-free when the unbind runs
between the reader's check and its access). The N noise actors stand for the other VFs,
CPUs and user processes of a real system: each updates its own counter slot with visible
loads and stores, touching nothing the pair touches. Scenarios `noise-2`, `noise-10`,
`noise-30`, `noise-50` and `noise-100` (the core runs up to `_core.LIMITS["max_actors"]`).
"""

from pyfuzz.model import *

NOISE_SLOTS = 100


class noise_buf(Struct):
    data: int


class noise_dev(Struct):
    lock: Mutex
    alive: int
    buf: Ref[noise_buf]


class noise_stats(Struct):
    slots: Array[int, NOISE_SLOTS]


dev = Global(noise_dev)
stats = Global(noise_stats)


def noise_probe():
    buf = kzalloc(noise_buf, GFP_KERNEL)
    buf.data = 42
    dev.buf = buf
    dev.alive = 1


def racy_read():
    if not dev.alive:
        return -ENODEV
    mutex_lock(dev.lock)
    value = dev.buf.data
    mutex_unlock(dev.lock)
    return value


def unbind():
    mutex_lock(dev.lock)
    dev.alive = 0
    buf = dev.buf
    mutex_unlock(dev.lock)
    kfree(buf)


def busy(slot):
    for i in range(4):
        stats.slots[slot] = stats.slots[slot] + 1


def _noise_scenario(n):
    noise = [Thread(busy, i, name=f"busy{i}") for i in range(n)]
    return Scenario(
        name=f"noise-{n}",
        description=f"one racing pair (check-then-use of alive vs unbind) among {n} busy actors",
        boot=[noise_probe],
        actors=[*noise[: n // 2], Thread(racy_read, name="reader"), *noise[n // 2 :],
                Thread(unbind, name="unbind")],
        expect={"": "KASAN: slab-use-after-free Read"},
    )


noise_2 = _noise_scenario(2)
noise_10 = _noise_scenario(10)
noise_30 = _noise_scenario(30)
noise_50 = _noise_scenario(50)
noise_100 = _noise_scenario(100)
