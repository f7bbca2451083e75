"""drivers/pci/pci-driver.c: the PCI bus probe/remove methods."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import get_device, put_device
from pyfuzz.kernel.pci_probe import pci_assign_irq, pci_bus_type, pci_dev


@infra
def pci_device_can_probe(pdev):
    # pci-driver.c pci_device_can_probe() (CONFIG_PCI_IOV): !is_virtfn ||
    # physfn->sriov->drivers_autoprobe || driver_override (driver_override not modelled).
    if not pdev.is_virtfn:
        return 1
    return pdev.physfn.drivers_autoprobe


def pci_device_probe(dev):
    # pci-driver.c pci_device_probe() (6.12): -ENODEV before anything else when
    # pci_device_can_probe() refuses (a VF with autoprobe off, whichever path binds it:
    # bus add, sysfs bind, modprobe); pci_assign_irq (pdev->irq from the host bridge's
    # map_irq) before the driver runs; pcibios_alloc_irq (an arch hook, 0); pci_dev_get;
    # __pci_device_probe -> pci_call_probe -> local_pci_probe -> drv->probe(pdev); on failure
    # pcibios_free_irq (arch hook) and pci_dev_put.  [V drivers/pci/pci-driver.c 6.12]
    pdev = container_of(dev, pci_dev, "dev")
    drv = dev.driver
    if not pci_device_can_probe(pdev):
        return -ENODEV
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
    # pci_device_remove() (6.12): drv->remove (between pm_runtime_get_sync and
    # put_noidle); pcibios_free_irq; pci_iov_remove; pm_runtime_put_sync; pci_dev_put.
    # [V drivers/pci/pci-driver.c 6.12]
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
