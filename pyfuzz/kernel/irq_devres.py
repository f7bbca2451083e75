"""kernel/irq/devres.c: devm_request_irq, a devres node whose release is free_irq [M A.5]."""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devres_add, devres_alloc
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
