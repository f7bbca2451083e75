"""Primitive family `context`: irq, preempt and softirq state, the might-sleep check, voluntary
yields and the context queries."""

from pyfuzz.model import *


class State(Struct):
    n: int


st = Global(State)


def process_context():
    assert current_context() == 0
    assert not irqs_disabled() and not in_atomic() and not in_interrupt()
    local_irq_disable()
    assert irqs_disabled()
    local_irq_enable()
    assert not irqs_disabled()
    flags = local_irq_save()
    assert flags == 0 and irqs_disabled()
    inner = local_irq_save()
    assert inner == 1
    local_irq_restore(inner)
    assert irqs_disabled()
    local_irq_restore(flags)
    assert not irqs_disabled()
    preempt_disable()
    preempt_disable()
    assert in_atomic()
    preempt_enable()
    assert in_atomic()
    preempt_enable()
    assert not in_atomic()
    local_bh_disable()
    assert in_atomic() and not in_interrupt()
    local_bh_enable()
    assert not in_atomic()
    might_sleep()
    msleep(10)
    schedule()
    cond_resched()
    yield_cpu()
    st.n += 1


def hardirq():
    assert current_context() == 1
    assert in_interrupt() and in_atomic() and irqs_disabled()


def softirq():
    assert current_context() == 2
    assert in_interrupt() and in_atomic() and not irqs_disabled()


def worker():
    assert current_context() == 3
    assert not in_interrupt()
    cond_resched()


def sleep_preempt_off():
    preempt_disable()
    might_sleep()
    preempt_enable()


def sleep_preempt_on():
    preempt_disable()
    preempt_enable()
    might_sleep()


def msleep_irqs_off():
    local_irq_disable()
    msleep(1)
    local_irq_enable()


def msleep_irqs_on():
    local_irq_disable()
    local_irq_enable()
    msleep(1)


SCENARIOS = [
    Scenario(
        name="context-state",
        actors=[
            Thread(process_context, name="proc"),
            Thread(hardirq, name="irq", context="hardirq"),
            Thread(softirq, name="bh", context="softirq"),
            Thread(worker, name="kworker", context="work"),
        ],
        expect={"": "clean"},
    ),
    Scenario(
        name="context-might-sleep",
        actors=[Thread(sleep_preempt_off, name="t1")],
        variants={"buggy": {}, "fixed": {sleep_preempt_off: sleep_preempt_on}},
        expect={"buggy": "BUG: sleeping function called from invalid context", "fixed": "clean"},
    ),
    Scenario(
        name="context-msleep",
        actors=[Thread(msleep_irqs_off, name="t1")],
        variants={"buggy": {}, "fixed": {msleep_irqs_off: msleep_irqs_on}},
        expect={"buggy": "BUG: sleeping function called from invalid context", "fixed": "clean"},
    ),
]
