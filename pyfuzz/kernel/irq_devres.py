"""kernel/irq/devres.c: devm_request_irq, a devres node whose release is free_irq [M A.5]."""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devres, devres_add, devres_alloc
from pyfuzz.kernel.irq_manage import free_irq, request_irq


def devm_irq_release(dev, dr):
    free_irq(dr.ival, dr.data)


def devm_request_irq(dev, irq, handler, dev_id):
    dr = devres_alloc(devm_irq_release, GFP_KERNEL)
    rc = request_irq(irq, handler, dev_id)
    if rc:
        kfree(dr)
        return rc
    dr.ival = irq
    dr.data = dev_id
    devres_add(dev, dr)
    return 0


def devm_free_irq(dev, irq, dev_id):
    # kernel/irq/devres.c devm_free_irq(): WARN_ON(devres_destroy(dev, devm_irq_release,
    # devm_irq_match, &match_data)); free_irq(irq, dev_id).  [V devres.c]
    flags = spin_lock_irqsave(dev.devres_lock)
    found = None
    n = list_first(dev.devres_head)
    while n is not None:
        dr = container_of(n, devres, "node")
        if dr.release == devm_irq_release and dr.ival == irq and dr.data == dev_id:
            found = dr
            break
        n = list_next(n, dev.devres_head)
    if found is not None:
        list_del(found.node)
    spin_unlock_irqrestore(dev.devres_lock, flags)
    WARN(found is None, "devm_free_irq: no devres node for this IRQ")
    if found is not None:
        kfree(found)
    free_irq(irq, dev_id)
