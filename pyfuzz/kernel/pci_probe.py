"""drivers/pci/probe.c and bus.c: struct pci_dev / pci_bus, device add and driver attach.

A device's matching driver (the id_table match) is `pdev.match_driver`, set by the scenario.
`pci_globals` holds pci_rescan_remove_lock and pci_bus_sem.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize, device_lock, device_unlock
from pyfuzz.kernel.base_dd import __driver_probe_device, bus_type


class pci_bus(Struct):
    devices: ListHead
    msi_domain: Ref         # the host bridge's MSI irq_domain
    bridge: Ref             # the host bridge / upstream device


class pci_dev(Struct):
    dev: device
    bus_list: ListHead
    bus: Ref[pci_bus]
    devfn: int
    match_driver: Ref       # the driver whose id_table matches (scenario topology)
    intx_disable: int       # PCI_COMMAND_INTX_DISABLE
    enabled: int
    is_busmaster: int       # PCI_COMMAND_MASTER: without it the device cannot raise MSIs
    is_managed: int
    is_msi_managed: int
    msi_enabled: int
    msi_lock: Mutex         # msi_lock_descs()
    nvec: int
    irqs: Array[int, 2]
    added: int              # PCI_DEV_ADDED (atomic priv_flags bit)
    removed: int            # PCI_DEV_REMOVED (atomic priv_flags bit)
    is_virtfn: int
    physfn: Ref["pci_dev"]
    num_VFs: int            # pdev->sriov->num_VFs
    total_VFs: int
    drivers_autoprobe: int
    vf_index: int
    pci_dr: Ref             # the pre-6.x struct pci_devres node (pcim_enable_device)
    sysfs_removed: int      # the `remove` attribute is gone (device_remove_file_self)


class pci_globals_t(Struct):
    pci_rescan_remove_lock: Mutex
    pci_bus_sem: RwSem
    priv_flags_lock: Spinlock   # stands for the atomicity of set_bit/test_and_set_bit


pci_globals = Global(pci_globals_t, name="pci_globals")
pci_bus_type = Global(bus_type, name="pci_bus_type")


@infra
def pci_lock_rescan_remove():
    mutex_lock(pci_globals.pci_rescan_remove_lock)


@infra
def pci_unlock_rescan_remove():
    mutex_unlock(pci_globals.pci_rescan_remove_lock)


@infra
def pci_dev_get(pdev):
    if pdev is not None:
        kref_get(pdev.dev.kobj)
    return pdev


@infra
def pci_dev_put(pdev):
    if pdev is not None:
        put_device(pdev.dev)


@infra
def pci_set_drvdata(pdev, data):
    pdev.dev.driver_data = data


@infra
def pci_get_drvdata(pdev):
    return pdev.dev.driver_data


def pci_release_dev(dev):
    pdev = container_of(dev, pci_dev, "dev")
    # pci_release_dev() -> pci_iov_release() -> sriov_release(): BUG_ON(num_VFs) [V A.10]
    BUG_ON(pdev.num_VFs != 0)
    kfree(pdev)


def pci_alloc_dev(bus, devfn):
    pdev = kzalloc(pci_dev, GFP_KERNEL)
    device_initialize(pdev.dev, pci_release_dev)
    pdev.dev.bus = pci_bus_type
    pdev.bus = bus
    pdev.devfn = devfn
    return pdev


def pci_device_add(pdev, bus):
    device_add(pdev.dev, bus.bridge)
    down_write(pci_globals.pci_bus_sem)
    list_add_tail(pdev.bus_list, bus.devices)
    up_write(pci_globals.pci_bus_sem)


@infra
def pci_dev_assign_added(pdev):
    flags = spin_lock_irqsave(pci_globals.priv_flags_lock)
    pdev.added = 1
    spin_unlock_irqrestore(pci_globals.priv_flags_lock, flags)


def device_attach(dev, drv):
    device_lock(dev)
    ret = 0
    if dev.driver is None and drv is not None:
        ret = __driver_probe_device(dev, drv)
    device_unlock(dev)
    return ret


def pci_bus_add_device(pdev):
    # bus.c pci_bus_add_device(): mark added, then probe synchronously if allowed
    # (pci_device_can_probe: !is_virtfn || physfn->sriov->drivers_autoprobe) [V A.10].
    pci_dev_assign_added(pdev)
    if pdev.is_virtfn:
        pf = pdev.physfn
        if not pf.drivers_autoprobe:
            return 0
    return device_attach(pdev.dev, pdev.match_driver)


def pci_get_slot(bus, devfn):
    # search.c pci_get_slot(): find on the bus list under pci_bus_sem and take a reference.
    down_read(pci_globals.pci_bus_sem)
    found = None
    n = list_first(bus.devices)
    while n is not None:
        pdev = container_of(n, pci_dev, "bus_list")
        if pdev.devfn == devfn:
            found = pci_dev_get(pdev)
            break
        n = list_next(n, bus.devices)
    up_read(pci_globals.pci_bus_sem)
    return found


from pyfuzz.kernel.base_core import put_device  # noqa: E402
