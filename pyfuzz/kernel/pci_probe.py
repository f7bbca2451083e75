"""drivers/pci/probe.c and bus.c: struct pci_dev / pci_bus, device add and driver attach.

A device's matching driver (the id_table match) is `pdev.match_driver`, set by the scenario.
`pci_globals` holds pci_rescan_remove_lock and pci_bus_sem.

INTx routing (drivers/pci/setup-irq.c, 6.x): the root bus's `pci_host_bridge` may provide
`map_irq(dev, slot, pin)` and `swizzle_irq(dev, pin)`; `pci_assign_irq`, called by
pci_device_probe before the driver's probe, reads the device's Interrupt Pin (1..4 = INTA..INTD,
0 = none, > 4 treated as INTA), swizzles it through the bridges up to the root bus, maps it, and
sets `pdev->irq` (-1 from map_irq means none: 0). Without map_irq it leaves pdev->irq as it is
("runtime IRQ mapping not provided by arch"). The kernel's swizzle_irq returns the slot and
updates the pin through a pointer; the model's returns `slot << 8 | pin`. Nothing undoes the
assignment: pdev->irq stays set after unbind, and a mapping made by map_irq
(of_irq_parse_and_map_pci) belongs to the host's interrupt domain.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize, device_lock, device_unlock
from pyfuzz.kernel.base_dd import __driver_probe_device, bus_type


class pci_host_bridge(Struct):
    map_irq: Func           # map_irq(dev, slot, pin) -> irq, or -1 / 0 for none
    swizzle_irq: Func       # swizzle_irq(dev, pin) -> slot << 8 | pin (pci_common_swizzle)
    intx_domain: Ref        # the host's INTx irq_domain (of_irq_parse_and_map_pci's target)


class pci_bus(Struct):
    devices: ListHead
    msi_domain: Ref         # the host bridge's MSI irq_domain
    bridge: Ref             # the host bridge / upstream device
    host: Ref[pci_host_bridge]  # the root bus's pci_host_bridge (to_pci_host_bridge(bridge))
    parent: Ref["pci_bus"]  # NULL for the root bus
    self: Ref               # the pci_dev of the bridge above this bus (NULL for the root)


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
    nvec: int               # vectors allocated (MSI or MSI-X)
    irqs: Array[int, 8]     # their Linux IRQs, by vector index (PCI_MSI_MODEL_VECS)
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
    pin: int                # PCI_INTERRUPT_PIN: 1..4 = INTA..INTD, 0 = no INTx
    irq: int                # pdev->irq: the INTx line pci_assign_irq gave it
    msix_enabled: int
    msi_desc: Ref           # the MSI descriptor (dev->msi.data's xarray, one entry for MSI)
    msi_attrs: Array[Ref, 8]    # msi_irqs/<irq> attributes (desc->sysfs_attrs), by vector
    msi_irqs_kn: Array[Ref, 8]  # the msi_irqs/ directory's file nodes, by vector
    # Config space, set by the scenario's boot (pci_msi_set_caps): the kernel reads them from
    # the capabilities (msi_cap, msix_cap are offsets there); 0 = no such capability.
    msi_cap: int            # Multiple Message Capable: 1, 2, 4 .. 32 vectors
    msix_cap: int           # the MSI-X table size (pci_msix_vec_count), 1 .. 2048
    msix_ctrl: int          # the MSI-X Message Control register: ENABLE, MASKALL bits
    msi_data: int           # dev->msi.data installed (msi_setup_device_data's devres)
    msix_descs: Array[Ref, 8]   # MSI-X: one descriptor per vector, by msi_index


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
    # bus.c pci_bus_add_device() (6.12): device_attach() probes synchronously (a VF whose PF
    # has sriov_drivers_autoprobe off is refused by pci_device_probe's
    # pci_device_can_probe, pyfuzz/kernel/pci_driver.py), a failure is only a pci_warn, and
    # only then pci_dev_assign_added(): the device counts as added once its probe is over.
    # [V drivers/pci/bus.c 6.12]
    ret = device_attach(pdev.dev, pdev.match_driver)
    pci_dev_assign_added(pdev)
    return ret


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


# ---- INTx routing (drivers/pci/setup-irq.c, pci.c, of.c) -------------------------------------


@infra
def pci_find_host_bridge(bus):
    # host-bridge.c pci_find_host_bridge(): up to the root bus, whose bridge is the host's
    while bus.parent is not None:
        bus = bus.parent
    return bus.host


@infra
def PCI_SLOT(devfn):
    return (devfn >> 3) & 0x1F


@infra
def pci_swizzle_interrupt_pin(dev, pin):
    # pci.c: the standard bridge swizzle, INTx rotated by the device number
    return (((pin - 1) + PCI_SLOT(dev.devfn)) % 4) + 1


def pci_common_swizzle(dev, pin):
    # pci.c pci_common_swizzle(): swizzle across each bridge up to the root bus; the slot is
    # that of the device (or bridge) on the root bus.  Returns slot << 8 | pin.
    while dev.bus.parent is not None:
        pin = pci_swizzle_interrupt_pin(dev, pin)
        dev = dev.bus.self
    return (PCI_SLOT(dev.devfn) << 8) | pin


def of_irq_parse_and_map_pci(dev, slot, pin):
    # of_pci_irq.c of_irq_parse_and_map_pci(): the host's interrupt-map gives the hwirq (here
    # the common map on the pin alone, interrupt-map-mask <0 0 0 7>: INTA of every slot is
    # one line), then irq_create_of_mapping(), which returns the existing virq if mapped.
    d = dev.bus.host.intx_domain
    if d is None:
        return 0
    hwirq = pin - 1
    virq = irq_find_mapping(d, hwirq)
    if virq == 0:
        virq = irq_create_mapping(d, hwirq)
    return virq


def pci_assign_irq(dev):
    # setup-irq.c pci_assign_irq() [V]
    hbrg = pci_find_host_bridge(dev.bus)
    if hbrg is None or hbrg.map_irq is None:
        return                              # "runtime IRQ mapping not provided by arch"
    pin = dev.pin
    if pin > 4:                             # "Cope with illegal."
        pin = 1
    irq = 0
    if pin:
        slot = -1
        if hbrg.swizzle_irq is not None:
            slot_pin = hbrg.swizzle_irq(dev, pin)
            slot = slot_pin >> 8
            pin = slot_pin & 0xFF
        irq = hbrg.map_irq(dev, slot, pin)
        if irq == -1:
            irq = 0
    dev.irq = irq                           # then pcibios_update_irq(): PCI_INTERRUPT_LINE


from pyfuzz.kernel.base_core import put_device  # noqa: E402
from pyfuzz.kernel.irq_domain import irq_create_mapping, irq_find_mapping  # noqa: E402
