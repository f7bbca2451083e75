"""IRQ action lists and IRQ threads (kernel/irq/manage.c, handle.c): two drivers share the
interrupt line 30 (IRQF_SHARED), and a third driver uses a threaded handler.

irq-shared-line: devices A and B sit on GSI 30; each driver's handler reads its own device's
status and returns IRQ_NONE when the interrupt is not its own. Removing A while B interrupts:
  * free-before-irq (buggy): A frees its private data, then free_irq(30, a) -- B's interrupt
    still runs A's handler (the line is shared): KASAN use-after-free in shared_isr.
  * fixed: free_irq(30, a) first (it unlinks A's action and waits for a running handler), then
    kfree: clean, and B's action stays on the line.
  * wrong-cookie (buggy): free_irq(30, pdev) with a dev_id that matches no action:
    `Trying to free already-free IRQ 30`, a WARNING in __free_irq.
irq-threaded: request_threaded_irq(31, t_primary, t_thread_fn, IRQF_ONESHOT, "t_dev", t); the
primary handler returns IRQ_WAKE_THREAD and the thread touches t.
  * free-before-irq (buggy): kfree(t), then free_irq: KASAN use-after-free in the thread or the
    handler.
  * fixed: free_irq (which waits for the running thread, __synchronize_irq) then kfree: clean.
A `cat /proc/interrupts` reader walks line 30's action list (both names) meanwhile.
"""

from pyfuzz.model import *
from pyfuzz.kernel.irq_manage import IRQF_ONESHOT, IRQF_SHARED, IRQ_WAKE_THREAD, free_irq
from pyfuzz.kernel.irq_manage import handle_irq, irq_alloc_desc_at, irq_chip, kstrdup_const
from pyfuzz.kernel.irq_manage import request_threaded_irq, show_interrupts

SHARED_GSI = 30
THREADED_GSI = 31
STATUS_PENDING = 1


class hwregs(Struct):
    status: int             # the device's interrupt status register (hardware, never freed)


class shdev(Struct):
    regs: Ref[hwregs]
    events: int


class cookie(Struct):
    unused: int


class world_t(Struct):
    ioapic: Ref[irq_chip]
    a: Ref[shdev]
    b: Ref[shdev]
    t: Ref[shdev]
    a_regs: Ref[hwregs]
    b_regs: Ref[hwregs]
    t_regs: Ref[hwregs]
    pdev: Ref[cookie]       # A's pci_dev, the wrong cookie


world = Global(world_t, name="world")


def shared_isr(irq, dev):
    # the shared-handler contract: check the device, IRQ_NONE when it did not interrupt
    regs = dev.regs
    if not (regs.status & STATUS_PENDING):
        return IRQ_NONE
    regs.status = 0
    dev.events += 1
    return IRQ_HANDLED


def a_isr(irq, a):
    return shared_isr(irq, a)


def b_isr(irq, b):
    return shared_isr(irq, b)


def t_primary(irq, t):
    # the primary handler of a threaded IRQ: quiesce the device, defer the work
    regs = t.regs
    regs.status = 0
    return IRQ_WAKE_THREAD


def t_thread_fn(irq, t):
    t.events += 1
    return IRQ_HANDLED


def boot_irq_lines():
    chip = kzalloc(irq_chip, GFP_KERNEL)
    chip.name = kstrdup_const("IO-APIC", GFP_KERNEL)
    world.ioapic = chip
    irq_alloc_desc_at(SHARED_GSI, chip)         # legacy GSIs have fixed numbers
    irq_alloc_desc_at(THREADED_GSI, chip)
    world.pdev = kzalloc(cookie, GFP_KERNEL)
    a = kzalloc(shdev, GFP_KERNEL)
    b = kzalloc(shdev, GFP_KERNEL)
    t = kzalloc(shdev, GFP_KERNEL)
    world.a = a
    world.b = b
    world.t = t
    a.regs = kzalloc(hwregs, GFP_KERNEL)
    b.regs = kzalloc(hwregs, GFP_KERNEL)
    t.regs = kzalloc(hwregs, GFP_KERNEL)
    world.a_regs = a.regs
    world.b_regs = b.regs
    world.t_regs = t.regs
    request_threaded_irq(SHARED_GSI, a_isr, None, IRQF_SHARED, "a_dev", a)
    request_threaded_irq(SHARED_GSI, b_isr, None, IRQF_SHARED, "b_dev", b)
    request_threaded_irq(THREADED_GSI, t_primary, t_thread_fn, IRQF_ONESHOT, "t_dev", t)


# ---- driver A's remove ---------------------------------------------------------------------

def a_remove():
    a = world.a
    world.a = None
    free_irq(SHARED_GSI, a)
    kfree(a)


def a_remove_free_first():
    # "my device is quiesced, so its handler cannot run" -- but the line is shared
    a = world.a
    world.a = None
    kfree(a)
    free_irq(SHARED_GSI, a)


def a_remove_wrong_cookie():
    a = world.a
    world.a = None
    free_irq(SHARED_GSI, world.pdev)
    free_irq(SHARED_GSI, a)
    kfree(a)


def b_raises():
    # hardware: B sets its status bit and asserts the shared line
    regs = world.b_regs
    regs.status = STATUS_PENDING
    handle_irq(SHARED_GSI)


def cat_proc_interrupts():
    show_interrupts(SHARED_GSI)
    show_interrupts(THREADED_GSI)


# ---- the threaded driver's remove --------------------------------------------------------

def t_remove():
    t = world.t
    world.t = None
    free_irq(THREADED_GSI, t)
    kfree(t)


def t_remove_free_first():
    t = world.t
    world.t = None
    kfree(t)
    free_irq(THREADED_GSI, t)


def t_raises():
    regs = world.t_regs
    regs.status = STATUS_PENDING
    handle_irq(THREADED_GSI)


irq_shared_line = Scenario(
    name="irq-shared-line",
    description="two IRQF_SHARED actions on GSI 30; A is removed while B interrupts",
    boot=[boot_irq_lines],
    actors=[
        Thread(a_remove, name="unbind-a"),
        Actor(name="irq", actions=[Action(b_raises, name="B raises GSI 30")],
              default=(0,), min=1, max=2, context="hardirq"),
        Actor(name="cat", actions=[Action(cat_proc_interrupts, name="cat /proc/interrupts")],
              default=(), min=0, max=2),
    ],
    variants={
        "fixed": {},
        "free-before-irq": {a_remove: a_remove_free_first},
        "wrong-cookie": {a_remove: a_remove_wrong_cookie},
    },
    default_variant="fixed",
    expect={
        "fixed": "clean",
        "free-before-irq": "KASAN: slab-use-after-free Read in shared_isr",
        "wrong-cookie": "WARNING in __free_irq",
    },
)

irq_threaded = Scenario(
    name="irq-threaded",
    description="request_threaded_irq: free_irq waits for the IRQ thread before returning",
    boot=[boot_irq_lines],
    actors=[
        Thread(t_remove, name="unbind-t"),
        Actor(name="irq", actions=[Action(t_raises, name="T raises GSI 31")],
              default=(0,), min=1, max=2, context="hardirq"),
        Actor(name="cat", actions=[Action(cat_proc_interrupts, name="cat /proc/interrupts")],
              default=(), min=0, max=2),
    ],
    variants={
        "fixed": {},
        "free-before-irq": {t_remove: t_remove_free_first},
    },
    default_variant="fixed",
    expect={
        "fixed": "clean",
        "free-before-irq": "KASAN: slab-use-after-free Read in t_thread_fn",
    },
)
