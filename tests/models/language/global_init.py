"""Language test model: initial field values of a `Global` without a boot function."""

from pyfuzz.model import *


class limits(Struct):
    max_users: int


class pool(Struct):
    lock: Mutex
    count: int
    enabled: bool
    slots: Array[int, 4]
    ops: Func
    cfg: Ref[limits]
    inner: limits


def default_ops(p):
    return p.count


lim = Global(limits, init={"max_users": 8})
the_pool = Global(
    pool,
    name="the_pool",
    init={
        "count": 3,
        "enabled": True,
        "slots": [5, 6],
        "ops": default_ops,
        "cfg": lim,
        "inner": {"max_users": -1},
    },
)


def check():
    with the_pool.lock:
        assert the_pool.count == 3
        assert the_pool.enabled
        assert the_pool.slots[0] == 5 and the_pool.slots[1] == 6 and the_pool.slots[2] == 0
        assert the_pool.ops(the_pool) == 3
        assert the_pool.cfg.max_users == 8
        assert the_pool.inner.max_users == -1


bare = Global(pool)  # no initializer: zeroed


def check_bare():
    assert bare.count == 3


initialised = Scenario(
    name="global-init",
    description="the pool starts with the values of its initializer, no boot function",
    actors=[Thread(check)],
    variants={"initialised": {}, "zeroed": {check: check_bare}},
    expect={"initialised": "clean", "zeroed": "kernel BUG"},
)
