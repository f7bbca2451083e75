"""drivers/pci/pci-driver.c: the PCI bus probe/remove methods."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import get_device, put_device
from pyfuzz.kernel.pci_probe import pci_assign_irq, pci_bus_type, pci_dev


def pci_device_probe(dev):
    # pci-driver.c pci_device_probe() (6.x): pci_assign_irq (pdev->irq from the host bridge's
    # map_irq) before the driver runs; pcibios_alloc_irq (an arch hook, 0); pci_dev_get;
    # local_pci_probe -> drv->probe(pdev); on failure pcibios_free_irq (arch hook) and
    # pci_dev_put.  [V A.2]
    pdev = container_of(dev, pci_dev, "dev")
    drv = dev.driver
    pci_assign_irq(pdev)
    get_device(dev)
    ret = drv.probe(pdev)
    if ret:
        put_device(dev)
    return ret


def pci_iov_remove(pdev):
    # iov.c pci_iov_remove(): warn if the driver left SR-IOV enabled.  [V A.4 step 3]
    if pdev.num_VFs != 0:
        report("driver left SR-IOV enabled after remove")


def pci_device_remove(dev):
    # pci_device_remove(): drv->remove; pcibios_free_irq; pci_iov_remove; pci_dev_put. [V A.4]
    pdev = container_of(dev, pci_dev, "dev")
    drv = dev.driver
    if drv.remove is not None:
        drv.remove(pdev)
    pci_iov_remove(pdev)
    put_device(dev)


def pci_driver_init():
    # boot: pci_bus_type = {.probe = pci_device_probe, .remove = pci_device_remove}  [M A.2]
    pci_bus_type.probe = pci_device_probe
    pci_bus_type.remove = pci_device_remove
