"""A driver that starts a kernel thread in probe and stops it in remove, under fault injection:
kthread_run fails as the kernel's does when __kthread_create_on_node cannot allocate its request
(ERR_PTR(-ENOMEM)). The fixed probe checks IS_ERR and returns PTR_ERR; `unchecked` stores the
error pointer as its task and remove calls kthread_stop on it: the kernel's page fault at
fffffffffffffff4, named after the failed call in the FAULT_INJECTION block. A user pokes the
thread (sets a request and wakes it) while probe and remove run."""

from pyfuzz.model import *


class kt_dev(Struct):
    task: Ref
    wq: WaitQueue
    req: int
    handled: int
    bound: int


dev = Global(kt_dev, name="dev")


def kt_thread(d):
    while True:
        wait_event_interruptible(d.wq, d.req or kthread_should_stop())
        if kthread_should_stop():
            break
        d.req = 0
        d.handled += 1
    return 0


def kt_probe():
    task = kthread_run(kt_thread, dev, "kt_worker")
    if IS_ERR(task):
        return PTR_ERR(task)
    dev.task = task
    dev.bound = 1
    return 0


def kt_probe_unchecked():
    dev.task = kthread_run(kt_thread, dev, "kt_worker")  # BUG: ERR_PTR not checked
    dev.bound = 1
    return 0


def kt_remove():
    dev.bound = 0
    kthread_stop(dev.task)
    dev.task = None


def kt_bind_unbind():
    if kt_probe() == 0:
        kt_remove()


def kt_poke():
    dev.req = 1
    wake_up_interruptible(dev.wq)


scenarios = [
    Scenario(
        name="kthread-probe",
        description="kthread_run in probe, kthread_stop in remove; kthread_run may fail",
        actors=[Thread(kt_bind_unbind, name="bind"), Thread(kt_poke, name="user")],
        variants={"fixed": {}, "unchecked": {kt_probe: kt_probe_unchecked}},
        expect={"fixed": "clean", "unchecked": "BUG: unable to handle kernel paging request"},
        config={"fault_injection": ["alloc"]},
    ),
]
