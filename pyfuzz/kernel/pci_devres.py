"""drivers/pci/devres.c: managed PCI helpers.

* `pcim_enable_device` (6.x): a devm action pcim_disable_device, then pci_enable_device,
  then is_managed = 1 -- which nothing ever clears (Alex Williamson, 2024-09-04 [V]).
* `pcim_enable_device_2017`: the struct pci_devres node with `pcim_release`, which disables
  MSI/MSI-X (freeing the vectors) before disabling the device [V-old]. Added first, released
  last.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devm_add_action, devres_add, devres_alloc, devres_find
from pyfuzz.kernel.pci_probe import pci_dev


@infra
def pci_enable_device(pdev):
    pdev.enabled += 1
    return 0


@infra
def pci_disable_device(pdev):
    # pci.c pci_disable_device() -> do_pci_disable_device() clears PCI_COMMAND_MASTER when
    # the last enable goes.  [V pci.c]
    if pdev.enabled > 0:
        pdev.enabled -= 1
        if pdev.enabled == 0:
            pdev.is_busmaster = 0


@infra
def pci_set_master(pdev):
    pdev.is_busmaster = 1


@infra
def pci_clear_master(pdev):
    pdev.is_busmaster = 0


def pcim_disable_device(dev, dr):
    pdev = dr.data
    pci_disable_device(pdev)


def pcim_enable_device(pdev):
    devm_add_action(pdev.dev, pcim_disable_device, pdev)
    pci_enable_device(pdev)
    pdev.is_managed = 1
    return 0


def pcim_release(dev, dr):
    # old pcim_release(): 1. disable MSI/MSI-X (frees the vectors); 4. restore INTx;
    # 5. disable the device.  [V-old A.6]
    pdev = dr.data
    if pdev.msi_enabled:
        pci_disable_msi(pdev)
    if dr.ival & 2:
        pci_intx(pdev, dr.ival & 1)
    pci_disable_device(pdev)


def pcim_enable_device_2017(pdev):
    dr = devres_alloc(pcim_release, GFP_KERNEL)      # get_pci_dr()
    dr.data = pdev
    devres_add(pdev.dev, dr)
    pdev.pci_dr = dr
    pci_enable_device(pdev)
    pdev.is_managed = 1
    return 0


def pcim_iomap_release(dev, dr):
    iounmap(dr.data)


def pcim_iomap_regions(pdev):
    # pcim_iomap_regions(): the BAR mapping is a devres node, unmapped after ->remove.
    dr = devres_alloc(pcim_iomap_release, GFP_KERNEL)
    io = ioremap(64)
    dr.data = io
    devres_add(pdev.dev, dr)
    return io


@infra
def __pcim_intx(pdev, enable):
    new = 0 if enable else 1
    if pdev.intx_disable != new:
        pdev.intx_disable = new


def pcim_intx_restore(dev, dr):
    __pcim_intx(dr.data, dr.ival)


def get_or_create_intx_devres(dev, pdev):
    dr = devres_find(dev, pcim_intx_restore)
    if dr is not None:
        return dr
    dr = devres_alloc(pcim_intx_restore, GFP_KERNEL)
    dr.data = pdev
    devres_add(dev, dr)
    return dr


def pcim_intx(pdev, enable):
    # 25216afc9db5 pcim_intx(): find or create the intx devres node, record !enable as the
    # value to restore, write the bit.  [V A.6]
    dr = get_or_create_intx_devres(pdev.dev, pdev)
    if dr is None:
        return -ENOMEM
    dr.ival = 0 if enable else 1
    __pcim_intx(pdev, enable)
    return 0


from pyfuzz.kernel.pci_intx import pci_intx  # noqa: E402
from pyfuzz.kernel.pci_msi import pci_disable_msi  # noqa: E402
