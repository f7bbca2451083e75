"""kernel/irq/devres.c: devm_request_irq / devm_request_threaded_irq, a devres node whose release
is free_irq, and devm_free_irq.

Checked against kernel/irq/devres.c (6.x): __devm_request_threaded_irq allocates the node, then
requests the IRQ (freeing the node if that fails), then devres_add()s it; devm_free_irq is
WARN_ON(devres_release(dev, devm_irq_release, devm_irq_match, &match_data)): the matching node
leaves the list under devres_lock and its release (free_irq) runs; with no matching node the
WARN_ON fires in devm_free_irq and nothing is freed.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devres, devres_add, devres_alloc
from pyfuzz.kernel.irq_manage import free_irq, request_threaded_irq


def devm_irq_release(dev, dr):
    free_irq(dr.ival, dr.data)


def devm_request_threaded_irq(dev, irq, handler, thread_fn, irqflags, devname, dev_id):
    dr = devres_alloc(devm_irq_release, GFP_KERNEL)
    rc = request_threaded_irq(irq, handler, thread_fn, irqflags, devname, dev_id)
    if rc:
        kfree(dr)                           # devres_free()
        return rc
    dr.ival = irq
    dr.data = dev_id
    devres_add(dev, dr)
    return 0


def devm_request_irq(dev, irq, handler, dev_id):
    # devm_request_irq(dev, irq, handler, 0, devname, dev_id) of the seed models
    return devm_request_threaded_irq(dev, irq, handler, None, 0, "irq", dev_id)


@infra
def devres_release_irq(dev, irq, dev_id):
    # devres_release(dev, devm_irq_release, devm_irq_match, {irq, dev_id}): remove the
    # matching node under devres_lock, then release and free it; -ENOENT if none
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
    if found is None:
        return -ENOENT
    devm_irq_release(dev, found)
    kfree(found)
    return 0


def devm_free_irq(dev, irq, dev_id):
    WARN_ON(devres_release_irq(dev, irq, dev_id))
