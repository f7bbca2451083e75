"""Runaway models against the soft-lockup watchdog: what must fire and what must not."""

from pyfuzz.model import *


class Flags(Struct):
    lock: Mutex
    ready: int
    count: int


flags = Global(Flags)


def spin_until_ready():
    while not flags.ready:
        flags.count = flags.count
    return 0


def sleep_then_set():
    msleep(10)
    flags.ready = 1


def count_to_3000():
    for i in range(3000):
        flags.count = flags.count + 1


def spin_holding_lock():
    mutex_lock(flags.lock)
    while not flags.ready:
        flags.count = flags.count
    mutex_unlock(flags.lock)


def set_under_lock():
    mutex_lock(flags.lock)
    flags.ready = 1
    mutex_unlock(flags.lock)


spin_until_timer = Scenario(
    name="spin-until-timer",
    description="a spin ended by a thread that sleeps first: virtual time passes while it spins",
    actors=[Thread(spin_until_ready, name="spinner"), Thread(sleep_then_set, name="sleeper")],
    expect={"": "clean"},
)

long_loop = Scenario(
    name="long-loop",
    description="a long but finite loop running alone is not a lockup",
    actors=[Thread(count_to_3000, name="counter")],
    expect={"": "clean"},
)

spin_blocks_setter = Scenario(
    name="spin-blocks-setter",
    description="the only thread that could end the spin waits for the lock the spinner holds",
    actors=[Thread(spin_holding_lock, name="spinner"), Thread(set_under_lock, name="setter")],
    expect={"": "BUG: soft lockup"},
)
