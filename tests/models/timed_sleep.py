"""msleep is a timed sleep (kernel/time/sleep_timeout.c: schedule_timeout_uninterruptible
until the time has passed): the sleeping task is off the CPU, so a polling loop is not a
soft lockup, and it wakes up again, so it is not a hung task either. The model has no
durations: a sleeper's timer may fire at any scheduling point, and must once nothing else
can run.

* `msleep-poll-alone`: a kthread polls a status register every 100 ms and nothing ever
  stops it (its task stays reachable). `msleep` is clean (the engine used to report
  `watchdog: BUG: soft lockup`); `spin` polls without sleeping: a real soft lockup;
  `atomic` sleeps under its spinlock: `BUG: sleeping function called from invalid context`.
* `msleep-poll-driver`: probe starts the poller, remove stops it. `fixed` stops it, then
  frees what it polls; `free-first` frees first, and the poller, woken by its timer before
  kthread_stop, reads freed memory: `KASAN: slab-use-after-free Read in poll_thread`;
  `no-stop` forgets the thread, which outlives the module:
  `BUG: unable to handle kernel paging request in poll_thread`.
* `msleep-hung`: `holder` polls a flag with msleep while holding a mutex; `waiter` wants the
  mutex. `fixed`: `setter` sets the flag. `buggy`: it sets another one, so the holder polls
  forever and the waiter hangs in D state: `INFO: task waiter:... blocked for more than 120
  seconds.` (the sleeping holder is not the hung task).
* `msleep-poll-forever`: a process polls a flag nothing will set: it never returns, which
  the kernel does not report; pyfuzz reports a stranded waiter.
"""

from pyfuzz.model import *


class poll_regs(Struct):
    lock: Spinlock
    status: int
    handled: int


class poll_dev(Struct):
    task: Ref
    regs: Ref[poll_regs]


pd = Global(poll_dev, name="pd")


def poll_thread(regs):
    while not kthread_should_stop():
        if regs.status:
            regs.status = 0
            regs.handled = 1
        msleep(100)
    return 0


def poll_thread_spin(regs):
    while not kthread_should_stop():
        if regs.status:  # BUG: never gives up the CPU
            regs.status = 0
            regs.handled = 1
    return 0


def poll_thread_atomic(regs):
    while not kthread_should_stop():
        spin_lock(regs.lock)
        if regs.status:
            regs.status = 0
            regs.handled = 1
        msleep(100)  # BUG: sleeps holding a spinlock
        spin_unlock(regs.lock)
    return 0


def poll_probe():
    regs = kzalloc(poll_regs, GFP_KERNEL)
    pd.regs = regs
    pd.task = kthread_run(poll_thread, regs, "mypoll")


def poll_remove():
    kthread_stop(pd.task)
    pd.task = None
    regs = pd.regs
    pd.regs = None
    kfree(regs)


def poll_remove_free_first():
    regs = pd.regs
    pd.regs = None
    kfree(regs)  # BUG: the poller still runs
    kthread_stop(pd.task)
    pd.task = None


def poll_remove_no_stop():
    pd.task = None  # BUG: nothing stops the poller any more
    pd.regs = None


def poll_bind_unbind():
    poll_probe()
    poll_remove()


class hold_state(Struct):
    lock: Mutex
    ready: int
    other: int
    count: int


hs = Global(hold_state, name="hs")


def holder():
    mutex_lock(hs.lock)
    while not hs.ready:
        msleep(10)
    mutex_unlock(hs.lock)


def waiter():
    mutex_lock(hs.lock)
    hs.count = 1
    mutex_unlock(hs.lock)


def setter():
    hs.ready = 1


def setter_wrong_flag():
    hs.other = 1  # BUG: the holder waits for `ready`


def poller():
    while not hs.ready:
        msleep(10)


msleep_poll_alone = Scenario(
    name="msleep-poll-alone",
    description="a kthread that polls with msleep and is never stopped",
    actors=[Thread(poll_probe, name="probe")],
    variants={
        "msleep": {},
        "spin": {poll_thread: poll_thread_spin},
        "atomic": {poll_thread: poll_thread_atomic},
    },
    expect={
        "msleep": "clean",
        "spin": "BUG: soft lockup",
        "atomic": "BUG: sleeping function called from invalid context",
    },
)

msleep_poll_driver = Scenario(
    name="msleep-poll-driver",
    description="probe starts a polling kthread, remove stops it",
    actors=[Thread(poll_bind_unbind, name="driver")],
    variants={
        "fixed": {},
        "free-first": {poll_remove: poll_remove_free_first},
        "no-stop": {poll_remove: poll_remove_no_stop},
    },
    expect={
        "fixed": "clean",
        "free-first": "KASAN: slab-use-after-free",
        "no-stop": "BUG: unable to handle kernel paging request",
    },
)

msleep_hung = Scenario(
    name="msleep-hung",
    description="a mutex holder polls with msleep for a flag; a waiter wants the mutex",
    actors=[
        Thread(holder, name="holder"),
        Thread(waiter, name="waiter"),
        Thread(setter, name="setter"),
    ],
    variants={"fixed": {}, "buggy": {setter: setter_wrong_flag}},
    expect={"fixed": "clean", "buggy": "INFO: task hung"},
)

msleep_poll_forever = Scenario(
    name="msleep-poll-forever",
    description="a process polls with msleep for a flag nothing sets",
    actors=[Thread(poller, name="poller"), Thread(setter, name="setter")],
    variants={"fixed": {}, "buggy": {setter: setter_wrong_flag}},
    expect={"fixed": "clean", "buggy": "stranded waiter"},
)
