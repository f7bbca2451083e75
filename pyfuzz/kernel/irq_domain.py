"""kernel/irq/irqdomain.c: irq domains and mappings (linear revmap only).

`irq_domain_remove` WARNs only for mappings left in the radix tree; linear-revmap leftovers
go unnoticed [I], then the domain is kfree'd.
"""

from pyfuzz.model import *
from pyfuzz.kernel.irq_manage import irq_alloc_desc, irq_free_desc, irq_to_desc

DOMAIN_SIZE = 4


class irq_domain(Struct):
    name: int
    revmap_tree_count: int                  # mappings in the radix tree (WARNed at remove)
    next_hwirq: int
    linear_revmap: Array[int, DOMAIN_SIZE]  # hwirq -> virq


class irq_domain_globals(Struct):
    irq_domain_mutex: Mutex


irq_domain_state = Global(irq_domain_globals, name="irq_domain_state")


def irq_domain_create_linear(size):
    d = kzalloc(irq_domain, GFP_KERNEL)
    d.name = 1
    return d


def irq_create_mapping(d, hwirq):
    virq = irq_alloc_desc(d, hwirq)
    if virq:
        d.linear_revmap[hwirq] = virq
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
    kfree(d)
