"""The readers of an IRQ descriptor (kernel/irq/proc.c show_interrupts, kernel/irq/debugfs.c
irq_debug_show) against an irqchip driver that goes away while a consumer's mapping remains.

An irqchip driver G (a GPIO controller) keeps its irq_chip inside its private data and creates
a linear irq domain with it; consumer C maps G's hwirq 0 and requests it ("c_dev"). G is then
removed while a user reads /proc/interrupts (or /sys/kernel/debug/irq/irqs/1):
  * leaky-chip (buggy): G removes its domain and frees its data, C's mapping left behind:
    /proc/interrupts reads the freed chip's name, `KASAN: slab-use-after-free Read in
    show_interrupts` (the domain pointer is only tested, as the kernel does).
  * leaky-chip-debugfs (buggy): the same, read through debugfs: irq_debug_show reads the freed
    domain's name first.
  * dispose-with-action (buggy): G disposes the mapping before removing the domain, but C
    still has its action: the descriptor is freed with /proc/irq/1/c_dev inside,
    `remove_proc_entry: removing non-empty directory 'irq/1', leaking at least 'c_dev'`.
  * fixed: the consumer is unbound first (device links: free_irq), then G disposes the
    mapping and removes the domain: clean.
"""

from pyfuzz.model import *
from pyfuzz.kernel.irq_domain import irq_create_mapping, irq_dispose_mapping
from pyfuzz.kernel.irq_domain import irq_domain_create_linear_chip, irq_domain_remove
from pyfuzz.kernel.irq_domain import irq_find_mapping
from pyfuzz.kernel.irq_manage import free_irq, irq_chip, irq_debugfs_read, kstrdup_const
from pyfuzz.kernel.irq_manage import request_threaded_irq, show_interrupts

READS = 4


class gpio_priv(Struct):
    chip: irq_chip          # embedded: freed with the driver's data
    domain: Ref


class consumer(Struct):
    irq: int
    events: int


class world_t(Struct):
    g: Ref[gpio_priv]
    c: Ref[consumer]
    virq: int


world = Global(world_t, name="world")


def c_isr(irq, c):
    c.events += 1
    return IRQ_HANDLED


def boot_gpio():
    g = kzalloc(gpio_priv, GFP_KERNEL)
    g.chip.name = kstrdup_const("gpio-x", GFP_KERNEL)
    g.domain = irq_domain_create_linear_chip(4, kstrdup_const("gpio-x-domain", GFP_KERNEL),
                                             g.chip)
    world.g = g
    c = kzalloc(consumer, GFP_KERNEL)
    c.irq = irq_create_mapping(g.domain, 0)
    world.c = c
    world.virq = c.irq
    request_threaded_irq(c.irq, c_isr, None, 0, "c_dev", c)


def consumer_unbind():
    # device links: the consumer's driver is unbound before its supplier
    c = world.c
    world.c = None
    free_irq(c.irq, c)
    kfree(c)


def gpio_remove_leaky():
    g = world.g
    world.g = None
    irq_domain_remove(g.domain)
    kfree(g)


def gpio_remove_disposing():
    g = world.g
    world.g = None
    virq = irq_find_mapping(g.domain, 0)
    if virq:
        irq_dispose_mapping(virq)
    irq_domain_remove(g.domain)
    kfree(g)


def gpio_remove_fixed():
    consumer_unbind()
    gpio_remove_disposing()


def cat_proc_interrupts():
    for i in range(READS):
        show_interrupts(world.virq)


def cat_debugfs_irq():
    for i in range(READS):
        irq_debugfs_read(world.virq)




irq_readers = Scenario(
    name="irq-readers",
    description="an irqchip driver unbinds while /proc/interrupts or debugfs read a mapping",
    boot=[boot_gpio],
    actors=[
        Thread(gpio_remove_fixed, name="unbind-gpio"),
        Actor(name="reader",
              actions=[Action(cat_proc_interrupts, name="cat /proc/interrupts"),
                       Action(cat_debugfs_irq, name="cat /sys/kernel/debug/irq/irqs/1")],
              default=(0,), min=1, max=2),
    ],
    variants={
        "fixed": {},
        "fixed-debugfs": {cat_proc_interrupts: cat_debugfs_irq},
        "leaky-chip": {gpio_remove_fixed: gpio_remove_leaky},
        "leaky-chip-debugfs": {gpio_remove_fixed: gpio_remove_leaky,
                               cat_proc_interrupts: cat_debugfs_irq},
        "dispose-with-action": {gpio_remove_fixed: gpio_remove_disposing},
    },
    default_variant="fixed",
    expect={
        "fixed": "clean",
        "fixed-debugfs": "clean",
        "leaky-chip": "KASAN: slab-use-after-free Read in show_interrupts",
        "leaky-chip-debugfs": "KASAN: slab-use-after-free Read in irq_debug_show",
        "dispose-with-action": "WARNING in remove_proc_entry",
    },
)
