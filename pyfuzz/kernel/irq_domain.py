"""kernel/irq/irqdomain.c: irq domains and mappings (linear revmap only).

A mapping's descriptor points at the domain (irq_data.domain) and at the domain's irq_chip
(irq_data.chip, set by the domain's ->map, irq_set_chip_and_handler). `irq_domain_create_linear`
gives the domain a generic chip that `irq_domain_remove` destroys with it
(IRQ_DOMAIN_FLAG_DESTROY_GC); `irq_domain_create_linear_chip` takes a chip the irqchip driver
owns (often inside its private data, freed when it unbinds). `irq_domain_remove` WARNs only
for mappings left in the radix tree; linear-revmap leftovers go unnoticed [I], then the domain
is kfree'd: a descriptor left behind still points at the freed domain and chip.
"""

from pyfuzz.model import *
from pyfuzz.kernel.irq_manage import irq_alloc_desc, irq_chip, irq_free_desc, irq_to_desc
from pyfuzz.kernel.irq_manage import kstrdup_const

DOMAIN_SIZE = 8                             # hwirqs of a linear domain (an MSI-X device's 8)


class irq_domain(Struct):
    name: int                               # a string (debugfs and the domain list show it)
    chip: Ref[irq_chip]                     # what ->map gives each mapping
    destroy_gc: int                         # IRQ_DOMAIN_FLAG_DESTROY_GC: the chip is ours
    revmap_tree_count: int                  # mappings in the radix tree (WARNed at remove)
    next_hwirq: int
    linear_revmap: Array[int, DOMAIN_SIZE]  # hwirq -> virq


class irq_domain_globals(Struct):
    irq_domain_mutex: Mutex


irq_domain_state = Global(irq_domain_globals, name="irq_domain_state")


def irq_domain_create_linear(size):
    # a domain with its own generic chip (irq_alloc_domain_generic_chips)
    d = kzalloc(irq_domain, GFP_KERNEL)
    d.name = kstrdup_const("irq-domain", GFP_KERNEL)
    gc = kzalloc(irq_chip, GFP_KERNEL)
    gc.name = kstrdup_const("generic-chip", GFP_KERNEL)
    d.chip = gc
    d.destroy_gc = 1
    return d


def irq_domain_create_linear_chip(size, name, chip):
    # a domain whose ->map sets the caller's irq_chip
    d = kzalloc(irq_domain, GFP_KERNEL)
    d.name = name
    d.chip = chip
    return d


def irq_create_mapping(d, hwirq):
    # irq_create_mapping() -> irq_domain_alloc_descs() + irq_domain_associate(): the
    # revmap entry, then ->map sets the chip
    virq = irq_alloc_desc(d, hwirq)
    if virq > 0:
        d.linear_revmap[hwirq] = virq
        desc = irq_to_desc(virq)
        desc.chip = d.chip
    return virq


def irq_find_mapping(d, hwirq):
    return d.linear_revmap[hwirq]


def irq_dispose_mapping(virq):
    desc = irq_to_desc(virq)
    if desc is None:
        return
    d = desc.domain
    if d is not None:
        d.linear_revmap[desc.hwirq] = 0
    irq_free_desc(virq)


def irq_domain_remove(d):
    # irqdomain.c: "The caller must ensure that all mappings within the domain have been
    # disposed of prior to use" [V kerneldoc].  Only tree mappings are checked [I].
    mutex_lock(irq_domain_state.irq_domain_mutex)
    WARN_ON(d.revmap_tree_count != 0)
    mutex_unlock(irq_domain_state.irq_domain_mutex)
    if d.destroy_gc:
        kfree(d.chip)                       # irq_domain_remove_generic_chips()
    kfree(d)                                # irq_domain_free()
