"""IRQ contracts (kernel/irq/manage.c kernel-doc, via pyfuzz/kernel/irq_manage.py):
free_irq() "does not return until any executing interrupts for this IRQ have completed", so
freeing the handler's data after it is safe and before it is not; synchronize_irq() waits for
a running handler; free_irq() from interrupt context is a WARNING."""

from pyfuzz.model import *
from pyfuzz.kernel.irq_manage import free_irq, handle_irq, irq_alloc_desc_at, irq_chip
from pyfuzz.kernel.irq_manage import kstrdup_const, request_irq, synchronize_irq

LINE = 40


class Dev(Struct):
    in_handler: int
    events: int


class World(Struct):
    chip: Ref[irq_chip]
    dev: Ref[Dev]
    quiesced: int


w = Global(World, name="world")


def dev_isr(irq, d):
    d.in_handler = 1
    d.events += 1
    d.in_handler = 0
    return IRQ_HANDLED


def boot():
    chip = kzalloc(irq_chip, GFP_KERNEL)
    chip.name = kstrdup_const("IO-APIC", GFP_KERNEL)
    w.chip = chip
    irq_alloc_desc_at(LINE, chip)
    d = kzalloc(Dev, GFP_KERNEL)
    w.dev = d
    request_irq(LINE, dev_isr, d)


def interrupt():
    handle_irq(LINE)


def remove():
    d = w.dev
    free_irq(LINE, d)
    assert not d.in_handler
    w.dev = None
    kfree(d)


def remove_free_first():
    d = w.dev
    w.dev = None
    kfree(d)
    free_irq(LINE, d)


def quiesce():
    d = w.dev
    synchronize_irq(LINE)
    # a handler that started before is done; one may start again, but not be half-way
    # through the one that was running
    w.quiesced = d.events


def free_in_irq():
    free_irq(LINE, w.dev)


SCENARIOS = [
    Scenario(
        name="irq-free-waits",
        boot=[boot],
        actors=[Thread(remove, name="remove"), Thread(interrupt, name="irq", context="hardirq")],
        variants={"free-irq-first": {}, "kfree-first": {remove: remove_free_first}},
        expect={"free-irq-first": "clean", "kfree-first": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="irq-synchronize",
        boot=[boot],
        actors=[Thread(quiesce, name="sync"), Thread(interrupt, name="irq", context="hardirq")],
        expect={"": "clean"},
    ),
    Scenario(
        name="irq-free-in-irq",
        boot=[boot],
        actors=[Thread(free_in_irq, name="irq", context="hardirq")],
        expect={"": "WARNING"},
    ),
]
