"""Compiler test model: variants substitute functions everywhere; two scenarios in one file."""

from pyfuzz.model import *


class Dev(Struct):
    lock: Mutex
    cb: Func
    state: int


DEV = Global(Dev, name="the_dev")


def take_lock(d):
    mutex_lock(d.lock)


def take_lock_fixed(d):
    mutex_trylock(d.lock)


def helper(d):
    take_lock(d)
    d.cb = take_lock


def user(d):
    helper(d)


def boot_dev():
    take_lock(DEV)


def reader(d, how):
    return d.state + how


VARIANTS = Scenario(
    name="compiler_variants",
    actors=[
        Thread(user, DEV),
        Actor(
            name="readers",
            actions=[Action(reader, (DEV, 1), name="read1"), Action(take_lock, (DEV,))],
            default=(0, 1),
            min=1,
            max=3,
            optional=True,
            context="softirq",
            daemon=True,
        ),
    ],
    boot=[boot_dev],
    variants={"buggy": {}, "fixed": {take_lock: take_lock_fixed}},
    default_variant="fixed",
    config={"lockdep": False, "max_steps": 500},
)

OTHERS = [
    Scenario(name="compiler_plain", actors=[Thread(user, DEV)]),
    VARIANTS,
]
