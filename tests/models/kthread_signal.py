"""kthread_stop and signals (kernel/kthread.c 6.x: kthread_stop sets KTHREAD_SHOULD_STOP and
TIF_NOTIFY_SIGNAL, then wake_up_process; include/linux/sched/signal.h: signal_pending() is
true while TIF_NOTIFY_SIGNAL is set, and nothing clears it in a kthread). A worker thread
sleeps until a request is pending; `stop` starts it and stops it, `kick` sends a request.

* `interruptible` (correct): the idle loop is `while not kthread_should_stop():
  wait_event_interruptible(wq, pending)`, without the stop in the condition: the stop's
  signal ends the sleep with -ERESTARTSYS and the loop ends. Clean.
* `signal-check` (correct): the thread tests `signal_pending()` after its wait and returns
  the wait's result; the stopper sees -ERESTARTSYS (512 negated) from kthread_stop. Clean.
* `uninterruptible` (buggy): the same loop with `wait_event` (TASK_UNINTERRUPTIBLE): the
  wake-up re-tests the condition and the thread sleeps on, so kthread_stop never returns:
  `INFO: task stop:... blocked for more than 120 seconds.`
"""

from pyfuzz.model import *


class ks_dev(Struct):
    wq: WaitQueue
    task: Ref
    pending: int
    handled: int
    result: int


dev = Global(ks_dev, name="dev")


def ks_thread(d):
    while not kthread_should_stop():
        wait_event_interruptible(d.wq, d.pending)
        if d.pending:
            d.pending = 0
            d.handled += 1
    return 0


def ks_thread_signal(d):
    while True:
        ret = wait_event_interruptible(d.wq, d.pending)
        if signal_pending():
            return ret
        d.pending = 0
        d.handled += 1


def ks_thread_uninterruptible(d):
    while not kthread_should_stop():
        wait_event(d.wq, d.pending)  # BUG: the stop's wake-up cannot end this sleep
        d.pending = 0
        d.handled += 1
    return 0


def ks_start():
    return kthread_run(ks_thread, dev, "ks-worker")


def ks_start_signal():
    return kthread_run(ks_thread_signal, dev, "ks-worker")


def ks_start_uninterruptible():
    return kthread_run(ks_thread_uninterruptible, dev, "ks-worker")


def ks_kick():
    dev.pending = 1
    wake_up(dev.wq)


def ks_stop():
    task = ks_start()
    dev.result = kthread_stop(task)
    # 0 from a loop that saw the stop, -EINTR when the thread never ran, -ERESTARTSYS when
    # it returned its interrupted wait's result.
    BUG_ON(dev.result != 0 and dev.result != -EINTR and dev.result != -ERESTARTSYS)


scenarios = [
    Scenario(
        name="kthread-signal",
        description="kthread_stop's signal ends the thread's interruptible sleep",
        actors=[Thread(ks_stop, name="stop"), Thread(ks_kick, name="kick")],
        variants={
            "interruptible": {},
            "signal-check": {ks_start: ks_start_signal},
            "uninterruptible": {ks_start: ks_start_uninterruptible},
        },
        expect={
            "interruptible": "clean",
            "signal-check": "clean",
            "uninterruptible": "INFO: task hung",
        },
    ),
]
