"""A work item whose function is NULL (kernel/workqueue.c): queue_work does not look at the
function, so the item is queued, and the kworker's process_one_work calls NULL:
`BUG: kernel NULL pointer dereference, address: 0000000000000000` with `#PF: supervisor
instruction fetch in kernel mode` and `RIP: 0010:0x0`, in the kworker, not in the task that
queued it.

* `fixed`: probe INIT_WORKs the item, an interrupt-style kick queues it, remove cancels it.
* `no-init` (buggy): probe forgets INIT_WORK: the item is zeroed memory.
* `init-null` (buggy): probe INIT_WORKs it with NULL.
"""

from pyfuzz.model import *


class wn_dev(Struct):
    work: Work
    ready: int
    handled: int


wn = Global(wn_dev, name="wn")


def wn_work(w):
    d = container_of(w, wn_dev, "work")
    d.handled += 1


def wn_probe():
    init_work(wn.work, wn_work)
    wn.ready = 1


def wn_probe_no_init():
    wn.ready = 1  # BUG: INIT_WORK(&wn->work, wn_work) forgotten


def wn_probe_init_null():
    init_work(wn.work, None)  # BUG: no work function
    wn.ready = 1


def wn_bind():
    wn_probe()


def wn_kick():
    if wn.ready:
        schedule_work(wn.work)


def wn_remove():
    if wn.ready:
        cancel_work_sync(wn.work)


work_null = Scenario(
    name="work-null",
    description="a work item queued with a NULL function",
    actors=[
        Actor(
            name="driver",
            actions=[Action(wn_bind, name="bind"), Action(wn_remove, name="remove")],
            default=(0, 1),
            min=2,
            max=2,
        ),
        Thread(wn_kick, name="kick"),
    ],
    variants={
        "fixed": {},
        "no-init": {wn_probe: wn_probe_no_init},
        "init-null": {wn_probe: wn_probe_init_null},
    },
    expect={
        "fixed": "clean",
        "no-init": "BUG: unable to handle kernel NULL pointer dereference",
        "init-null": "BUG: unable to handle kernel NULL pointer dereference",
    },
)
