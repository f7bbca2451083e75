"""pci-intx-devres: the 2024 pci_intx() devres regression.

One PCI device. ahci (managed: pcim_enable_device, MSI) is bound at boot. The admin then
unloads ahci (3a: the MSI teardown inside devres_release_all calls pci_intx), binds vfio-pci
(unmanaged), masks INTx through a VFIO ioctl under vdev->irqlock (3b), unbinds vfio-pci and
loads ahci again. No race is needed: both bugs are history effects (is_managed is never
cleared).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import bind_store, device_driver, driver_attach, driver_detach
from pyfuzz.kernel.base_dd import unbind_store
from pyfuzz.kernel.irq_domain import irq_domain_create_linear
from pyfuzz.kernel.pci_devres import pci_disable_device, pci_enable_device, pcim_enable_device
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_intx import pci_intx, pci_intx_e0c0b1cb2e0d, pci_intx_hybrid_611
from pyfuzz.kernel.pci_msi import PCI_IRQ_MSI, pci_alloc_irq_vectors, pci_msi_set_caps
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata


class vfio_pci_core_device(Struct):
    pdev: Ref[pci_dev]
    irqlock: Spinlock
    masked: int


class topology(Struct):
    bus: Ref[pci_bus]
    pdev: Ref[pci_dev]


ahci_driver = Global(device_driver, name="ahci_driver")
vfio_pci_driver = Global(device_driver, name="vfio_pci_driver")
world = Global(topology, name="world")


def ahci_init_one(pdev):
    # ahci_init_one(): pcim_enable_device, then MSI through ahci_init_msi [M]
    pcim_enable_device(pdev)
    pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI)
    return 0


def ahci_remove_one(pdev):
    # everything ahci holds is managed: released by devres after ->remove
    return 0


def vfio_pci_probe(pdev):
    vdev = kzalloc(vfio_pci_core_device, GFP_KERNEL)
    vdev.pdev = pdev
    pci_enable_device(pdev)             # vfio-pci is unmanaged
    pci_set_drvdata(pdev, vdev)
    return 0


def vfio_pci_remove(pdev):
    vdev = pci_get_drvdata(pdev)
    pci_disable_device(pdev)
    kfree(vdev)


def vfio_pci_intx_mask(vdev):
    # vfio_pci_intx_mask(): spin_lock_irqsave(&vdev->irqlock) around pci_intx(pdev, 0)
    # [V Alex Williamson, 2024-09-03: "when I call pci_intx() from vfio-pci under spinlock"]
    flags = spin_lock_irqsave(vdev.irqlock)
    if not vdev.masked:
        pci_intx(vdev.pdev, 0)
        vdev.masked = 1
    spin_unlock_irqrestore(vdev.irqlock, flags)


def rmmod_ahci():
    driver_detach(ahci_driver, world.pdev.dev)


def modprobe_ahci():
    driver_attach(ahci_driver, world.pdev.dev)


def bind_vfio():
    bind_store(vfio_pci_driver, world.pdev.dev)


def unbind_vfio():
    unbind_store(vfio_pci_driver, world.pdev.dev)


def vfio_ioctl_mask_intx():
    # VFIO_DEVICE_SET_IRQS(INTx, MASK) on an open vfio device fd
    pdev = world.pdev
    device_lock_for_ioctl = pdev.dev.mutex
    mutex_lock(device_lock_for_ioctl)   # stands for the open device's registration ref
    if pdev.dev.driver == vfio_pci_driver:
        vfio_pci_intx_mask(pci_get_drvdata(pdev))
    mutex_unlock(device_lock_for_ioctl)


def boot_intx():
    pci_driver_init()
    ahci_driver.probe = ahci_init_one
    ahci_driver.remove = ahci_remove_one
    vfio_pci_driver.probe = vfio_pci_probe
    vfio_pci_driver.remove = vfio_pci_remove
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = irq_domain_create_linear(4)
    world.bus = bus
    pdev = pci_alloc_dev(bus, 0)
    pci_msi_set_caps(pdev, 1, 0)            # one MSI vector, no MSI-X
    pdev.match_driver = ahci_driver
    world.pdev = pdev
    pci_device_add(pdev, bus)
    pci_bus_add_device(pdev)


pci_intx_devres = Scenario(
    name="pci-intx-devres",
    description=(
        "hybrid (25216afc9db5, 6.11): rmmod ahci -> devres_release_all -> "
        "pcim_msi_release -> pci_intx(1) -> pcim_intx finds nothing on the detached list and "
        "devres_add()s a new node, which survives: binding vfio-pci hits 'Resources present "
        "before probing' (3a). partial-fix (e0c0b1cb2e0d: managed path only when the command "
        "word changes): the intx restore node runs first (LIFO), so pci_intx(1) no longer "
        "changes anything at detach and 3a is gone; but is_managed stays 1, and vfio-pci's "
        "INTx mask under its irqlock changes the bit, so pcim_intx devres_alloc(GFP_KERNEL)s "
        "in atomic context (3b). unmanaged (dfa2f4d5f9e5): pci_intx never allocates: clean."
    ),
    actors=[
        Actor(
            name="admin",
            actions=[Action(rmmod_ahci, name="rmmod ahci"), Action(bind_vfio, name="bind vfio-pci"),
                     Action(unbind_vfio, name="unbind vfio-pci"),
                     Action(modprobe_ahci, name="modprobe ahci")],
            default=(0, 1, 2, 3), min=1, max=5,
        ),
        Actor(name="vfio-user", actions=[Action(vfio_ioctl_mask_intx, name="mask INTx")],
              default=(0,), min=1, max=2),
    ],
    boot=[boot_intx],
    variants={
        "hybrid": {pci_intx: pci_intx_hybrid_611},
        "partial-fix": {pci_intx: pci_intx_e0c0b1cb2e0d},
        "unmanaged": {},
    },
    default_variant="hybrid",
    expect={
        "hybrid": "Resources present before probing",
        "partial-fix": "BUG: sleeping function called from invalid context",
        "unmanaged": "clean",
    },
)
