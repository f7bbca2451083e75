"""Primitive family `kthread`: kthread_run, kthread_should_stop, kthread_stop, signal_pending: the thread runs
its function in process context under its own name, kthread_stop wakes it from its idle
wait_event and returns its result (or -EINTR when it never ran), a kthread_stop on a thread
that already exited by itself is a use-after-free of its task_struct, a kthread nothing can
stop outlives its module, and kthread_should_stop outside a kthread is a model error."""

from pyfuzz.model import *


class Dev(Struct):
    task: Ref
    wq: WaitQueue
    done: Completion
    req: int
    handled: int


class Holder(Struct):
    dev: Ref[Dev]


g = Global(Holder)


def dev_thread(d):
    assert current_context() == 0  # process context
    while True:
        wait_event_interruptible(d.wq, d.req or kthread_should_stop())
        if kthread_should_stop():
            # kthread_stop set TIF_NOTIFY_SIGNAL with the bit, and nothing clears it
            assert signal_pending()
            break
        d.req = 0
        d.handled += 1
    return 5


def start():
    assert not signal_pending()  # no signals outside a stopped kthread
    d = kzalloc(Dev, GFP_KERNEL)
    g.dev = d
    d.task = kthread_run(dev_thread, d, "devthr/0")
    return d


def start_request_stop():
    d = start()
    d.req = 1
    wake_up(d.wq)
    ret = kthread_stop(d.task)
    # 5 once the function ran; -EINTR when the stop came before the thread's first step
    assert ret == 5 or ret == -EINTR
    assert d.handled <= 1
    g.dev = None
    kfree(d)


def start_and_idle():
    # the thread stays asleep, g reaches its task: a kernel thread's idle state
    start()


def start_and_forget():
    # nothing reaches the task any more: the module cannot stop it before it is unloaded
    d = start()
    d.task = None


def oneshot(d):
    d.handled = 1
    complete(d.done)
    return 0


def stop_exited():
    d = kzalloc(Dev, GFP_KERNEL)
    g.dev = d
    t = kthread_run(oneshot, d, "oneshot")
    wait_for_completion(d.done)
    kthread_stop(t)


def should_stop_outside():
    kthread_should_stop()


SCENARIOS = [
    Scenario(name="kthread-api", actors=[Thread(start_request_stop)], expect={"": "clean"}),
    Scenario(name="kthread-idle", actors=[Thread(start_and_idle)], expect={"": "clean"}),
    Scenario(
        name="kthread-orphan",
        actors=[Thread(start_and_forget)],
        expect={"": "BUG: unable to handle kernel paging request in dev_thread"},
    ),
    Scenario(
        name="kthread-stop-exited",
        actors=[Thread(stop_exited)],
        expect={"": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="kthread-should-stop-outside",
        actors=[Thread(should_stop_outside)],
        expect={"": "pyfuzz: model error"},
    ),
]
