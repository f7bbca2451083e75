"""A driver with a kernel thread (kthread_run in probe, kthread_stop in remove), as drivers
use one for polling or deferred processing: the thread sleeps in
wait_event_interruptible(wq, pending || kthread_should_stop()), a user kick sets `pending`
and wakes it.

Variants:
* `free-first` (buggy): remove frees the device state, then stops the thread; the thread,
  woken by kthread_stop (or by a kick just before), runs on freed memory:
  `KASAN: slab-use-after-free ... in mydev_thread`.
* `no-stop` (buggy): remove forgets kthread_stop (and leaves the state to the thread): nothing
  can stop the thread any more, and once the module is unloaded it runs freed module text:
  `BUG: unable to handle kernel paging request in mydev_thread`.
* `exits-early` (buggy): the thread returns after its first request; remove's kthread_stop
  then uses a task_struct that was freed when the thread exited:
  `KASAN: slab-use-after-free ... in mydev_remove`.
* `fixed`: kthread_stop, then kfree.
"""

from pyfuzz.model import *


class mydev(Struct):
    lock: Mutex
    wq: WaitQueue
    task: Ref
    pending: int
    processed: int


class world_t(Struct):
    lock: Mutex                 # protects `dev` (the driver's drvdata)
    dev: Ref[mydev]


world = Global(world_t, name="world")


def mydev_thread(md):
    while not kthread_should_stop():
        wait_event_interruptible(md.wq, md.pending or kthread_should_stop())
        mutex_lock(md.lock)
        if md.pending:
            md.pending = 0
            md.processed += 1
        mutex_unlock(md.lock)
    return 0


def mydev_thread_oneshot(md):
    # returns on its own after the first request (or when stopped)
    wait_event_interruptible(md.wq, md.pending or kthread_should_stop())
    mutex_lock(md.lock)
    md.pending = 0
    mutex_unlock(md.lock)
    return 0


def mydev_probe():
    mutex_lock(world.lock)
    if world.dev is None:
        md = kzalloc(mydev, GFP_KERNEL)
        md.task = kthread_run(mydev_thread, md, "mydev-poll")
        world.dev = md
    mutex_unlock(world.lock)


def mydev_probe_oneshot():
    mutex_lock(world.lock)
    if world.dev is None:
        md = kzalloc(mydev, GFP_KERNEL)
        md.task = kthread_run(mydev_thread_oneshot, md, "mydev-poll")
        world.dev = md
    mutex_unlock(world.lock)


@infra
def mydev_detach():
    mutex_lock(world.lock)
    md = world.dev
    world.dev = None
    mutex_unlock(world.lock)
    return md


def mydev_remove(pdev):
    md = mydev_detach()
    if md is None:
        return
    kthread_stop(md.task)
    kfree(md)


def mydev_remove_free_first(pdev):
    md = mydev_detach()
    if md is None:
        return
    task = md.task
    kfree(md)
    kthread_stop(task)


def mydev_remove_no_stop(pdev):
    mydev_detach()


def user_kick():
    mutex_lock(world.lock)
    md = world.dev
    if md is not None:
        mutex_lock(md.lock)
        md.pending = 1
        mutex_unlock(md.lock)
        wake_up_interruptible(md.wq)
    mutex_unlock(world.lock)


def driver_remove():
    mydev_remove(None)


SCENARIOS = [
    Scenario(
        name="kthread-driver",
        description="probe starts a kthread, a user kicks it, remove stops it",
        actors=[
            Actor(
                name="driver",
                actions=[Action(mydev_probe, name="probe"), Action(driver_remove, name="remove")],
                default=(0, 1),
                min=1,
                max=3,
            ),
            Actor(name="user", actions=[Action(user_kick, name="kick")], default=(0,), min=0,
                  max=2),
        ],
        variants={
            "fixed": {},
            "free-first": {mydev_remove: mydev_remove_free_first},
            "no-stop": {mydev_remove: mydev_remove_no_stop},
            "exits-early": {mydev_probe: mydev_probe_oneshot},
        },
        default_variant="fixed",
        expect={
            "fixed": "clean",
            "free-first": "KASAN: slab-use-after-free",
            "no-stop": "BUG: unable to handle kernel paging request",
            "exits-early": "KASAN: slab-use-after-free",
        },
    ),
]
