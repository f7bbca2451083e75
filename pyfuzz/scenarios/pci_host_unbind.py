"""pci-host-unbind: removing a PCIe host controller driver while an endpoint driver still has
IRQ mappings in the controller's MSI domain (pcie-qcom / dw_pcie, 2022).

Topology: platform device H bound to `qcom-pcie`, which owns the dw_pcie MSI irq_domain and a
root bus with one endpoint E bound to driver X (unmanaged: pci_enable_device,
pci_alloc_irq_vectors, request_irq). Actors: `rmmod pcie-qcom` (or, for the randomized
strategies, `echo H > .../qcom-pcie/unbind`) and `cat /proc/interrupts` (the default workload);
for the randomized strategies also the endpoint raising its MSI (delivered through the
controller's chained MSI handler) and X's own late teardown (its module exit frees what its
.remove left: free_irq after the controller is gone).
MSI core: the pre-5.17 one (descriptors not devres), so the endpoint's leak is silent at its
own unbind; on >= 6.2 msi_device_data_release would WARN first (B3').
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import get_device, put_device
from pyfuzz.kernel.base_dd import device_driver, driver_attach, driver_detach, unbind_store
from pyfuzz.kernel.base_platform import platform_device, platform_device_register
from pyfuzz.kernel.irq_domain import DOMAIN_SIZE, irq_dispose_mapping, irq_domain_create_linear
from pyfuzz.kernel.irq_domain import irq_domain_remove, irq_find_mapping
from pyfuzz.kernel.irq_manage import free_irq, handle_irq, request_irq, show_interrupts
from pyfuzz.kernel.pci_devres import pci_disable_device, pci_enable_device
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_msi import PCI_IRQ_MSI, pci_alloc_irq_vectors, pci_free_irq_vectors
from pyfuzz.kernel.pci_msi import pci_irq_vector, pci_msi_set_caps
from pyfuzz.kernel.pci_msi import pci_setup_msi_context, pci_setup_msi_context_2017
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata
from pyfuzz.kernel.pci_remove import pci_remove_root_bus, pci_stop_root_bus


WATCH_ROUNDS = 16


class dw_pcie_rp(Struct):
    pdev: Ref[platform_device]
    msi_domain: Ref
    bus: Ref[pci_bus]


class x_priv(Struct):
    pdev: Ref[pci_dev]
    irq: int
    events: int


class topology(Struct):
    host: Ref[platform_device]


class msi_parent_t(Struct):
    # The controller's MSI parent interrupt (a GIC SPI) with dw_chained_msi_isr installed as
    # its chained handler (irq_set_chained_handler_and_data).  `lock` is that descriptor's
    # lock; the model holds it across the chained handler, so detaching waits for a handler
    # in flight (the real detach does not synchronize; that residual irqchip-level window is
    # not modelled).
    lock: Spinlock
    pp: Ref


class x_module_t(Struct):
    # X's module state: the driver's klist of bound devices (`bound`, E while X is bound to
    # it) and the private data X keeps for its module exit to tear down (`priv`).
    lock: Spinlock
    bound: Ref[pci_dev]
    priv: Ref[x_priv]


qcom_pcie_driver = Global(device_driver, name="qcom_pcie_driver")
x_driver = Global(device_driver, name="x_driver")
world = Global(topology, name="world")
msi_parent = Global(msi_parent_t, name="msi_parent")
x_module = Global(x_module_t, name="x_module")


# ---- endpoint driver X ------------------------------------------------------------------

def x_isr(irq, priv):
    priv.events += 1
    return IRQ_HANDLED


def x_probe(pdev):
    priv = kzalloc(x_priv, GFP_KERNEL)
    priv.pdev = pdev
    pci_enable_device(pdev)
    pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI)
    priv.irq = pci_irq_vector(pdev, 0)
    request_irq(priv.irq, x_isr, priv)
    pci_set_drvdata(pdev, priv)
    spin_lock(x_module.lock)
    x_module.bound = pdev
    x_module.priv = priv
    spin_unlock(x_module.lock)
    return 0


def x_remove(pdev):
    # fixed endpoint: free the IRQ and the vectors, as Manivannan asked.
    priv = pci_get_drvdata(pdev)
    spin_lock(x_module.lock)
    x_module.bound = None               # (the driver core's klist_remove, done earlier here)
    x_module.priv = None
    spin_unlock(x_module.lock)
    free_irq(priv.irq, priv)
    pci_free_irq_vectors(pdev)
    pci_disable_device(pdev)
    kfree(priv)


def x_remove_leaky(pdev):
    # buggy endpoint: neither free_irq nor pci_free_irq_vectors (priv stays referenced by the
    # irqaction's dev_id and by X's device list, for its module exit).
    spin_lock(x_module.lock)
    x_module.bound = None
    spin_unlock(x_module.lock)
    pci_disable_device(pdev)


def x_exit():
    # `rmmod x` after the controller is gone: pci_unregister_driver finds nothing bound, then
    # X's exit frees what its .remove left behind -- a late free_irq (C1 T_use).
    # pci_unregister_driver(&x_driver) -> driver_detach(): unbind E if X is still bound
    spin_lock(x_module.lock)
    e = x_module.bound
    if e is not None:
        get_device(e.dev)
    spin_unlock(x_module.lock)
    if e is not None:
        driver_detach(x_driver, e.dev)
        put_device(e.dev)
    # then X's exit frees what a .remove left behind
    spin_lock(x_module.lock)
    priv = x_module.priv
    x_module.priv = None
    spin_unlock(x_module.lock)
    if priv is not None:
        free_irq(priv.irq, priv)
        kfree(priv)


# ---- host controller ------------------------------------------------------------------------

def dw_chained_msi_isr(pp):
    # dw_chained_msi_isr() -> dw_handle_msi_irq(): read the controller's MSI status, then
    # generic_handle_domain_irq(pp->irq_domain, hwirq) for the endpoint's vector (hwirq 0).
    d = pp.msi_domain
    virq = irq_find_mapping(d, 0)
    if virq:
        handle_irq(virq)


@infra
def dw_pcie_msi_detach(pp):
    # irq_set_chained_handler_and_data(pp->msi_irq, NULL, NULL)
    flags = spin_lock_irqsave(msi_parent.lock)
    msi_parent.pp = None
    spin_unlock_irqrestore(msi_parent.lock, flags)


def dw_pcie_free_msi(pp):
    # 6.x dw_pcie_free_msi(): detach the chained handler, then remove the domain [V A.11]
    dw_pcie_msi_detach(pp)
    irq_domain_remove(pp.msi_domain)


def dw_pcie_free_msi_disposing(pp):
    # Pali Rohar's aardvark/mvebu pattern: dispose leftover mappings before removing the
    # domain [V C1 (b)].
    dw_pcie_msi_detach(pp)
    d = pp.msi_domain
    for hw in range(DOMAIN_SIZE):
        virq = irq_find_mapping(d, hw)
        if virq:
            irq_dispose_mapping(virq)
    irq_domain_remove(d)


def dw_pcie_host_deinit(pp):
    # 6.x order: stop the root bus, remove it, ..., free MSI [V A.11]
    bus = pp.bus
    pci_stop_root_bus(bus)
    pci_remove_root_bus(bus)
    kfree(bus)
    dw_pcie_free_msi(pp)


def qcom_pcie_probe(hdev):
    pp = kzalloc(dw_pcie_rp, GFP_KERNEL)
    pp.pdev = hdev
    pp.msi_domain = irq_domain_create_linear(DOMAIN_SIZE)
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = pp.msi_domain
    bus.bridge = hdev.dev
    pp.bus = bus
    hdev.dev.driver_data = pp
    flags = spin_lock_irqsave(msi_parent.lock)   # irq_set_chained_handler_and_data()
    msi_parent.pp = pp
    spin_unlock_irqrestore(msi_parent.lock, flags)
    # pci_host_probe(): scan and add the endpoint
    e = pci_alloc_dev(bus, 0)
    pci_msi_set_caps(e, 1, 0)               # one MSI vector, no MSI-X
    e.match_driver = x_driver
    pci_device_add(e, bus)
    pci_bus_add_device(e)
    return 0


def qcom_pcie_remove(hdev):
    pp = hdev.dev.driver_data
    dw_pcie_host_deinit(pp)
    kfree(pp)


# ---- actors ---------------------------------------------------------------------------

def rmmod_pcie_qcom():
    driver_detach(qcom_pcie_driver, world.host.dev)


def unbind_pcie_qcom():
    # `echo H > /sys/bus/platform/drivers/qcom-pcie/unbind` (a removable controller)
    unbind_store(qcom_pcie_driver, world.host.dev)


def endpoint_msi():
    # Hardware: E writes its MSI to the controller's doorbell; the controller raises its
    # parent interrupt and the chained handler dispatches the endpoint's vector.  Once the
    # chained handler is detached nothing happens [I C1 step 5].
    flags = spin_lock_irqsave(msi_parent.lock)
    pp = msi_parent.pp
    if pp is not None:
        dw_chained_msi_isr(pp)
    spin_unlock_irqrestore(msi_parent.lock, flags)


def cat_proc_interrupts():
    # `watch -n0 cat /proc/interrupts`: the endpoint's vector is irq 1
    for i in range(WATCH_ROUNDS):
        show_interrupts(1)


def boot_host():
    pci_driver_init()
    qcom_pcie_driver.probe = qcom_pcie_probe
    qcom_pcie_driver.remove = qcom_pcie_remove
    x_driver.probe = x_probe
    x_driver.remove = x_remove_leaky
    h = kzalloc(platform_device, GFP_KERNEL)
    world.host = h
    platform_device_register(h)
    driver_attach(qcom_pcie_driver, h.dev)



OLD_MSI = {pci_setup_msi_context: pci_setup_msi_context_2017}

pci_host_unbind = Scenario(
    name="pci-host-unbind",
    description=(
        "leaky-endpoint: X leaves its IRQ and vectors; rmmod pcie-qcom "
        "stops/removes the root bus and irq_domain_remove()s the MSI domain (linear revmap: no "
        "WARN) and frees it; /proc/interrupts then reads the freed domain through the "
        "surviving descriptor: KASAN use-after-free. fixed-endpoint: X frees IRQ and vectors in "
        ".remove, which runs before the domain goes: clean. controller-disposes: the "
        "controller disposes leftover mappings before irq_domain_remove (aardvark/mvebu): "
        "no UAF on the domain any more, but the descriptor is freed with X's action still "
        "attached -- remove_proc_entry 'non-empty directory' WARNING, the irqaction (and X's "
        "stale dev_id) leak. Only a fixed endpoint (or an unremovable controller) is clean."
    ),
    actors=[
        Actor(name="controller",
              actions=[Action(rmmod_pcie_qcom, name="rmmod pcie-qcom"),
                       Action(unbind_pcie_qcom, name="unbind qcom-pcie")],
              default=(0,), min=1, max=1),
        Thread(cat_proc_interrupts, name="cat"),
        # not in the default workload (verify); the randomized strategies run them
        Actor(name="msi", actions=[Action(endpoint_msi, name="endpoint MSI")],
              default=(), min=0, max=2, context="hardirq"),
        Actor(name="x-exit", actions=[Action(x_exit, name="rmmod x")],
              default=(), min=0, max=1),
    ],
    boot=[boot_host],
    variants={
        "leaky-endpoint": dict(OLD_MSI),
        "fixed-endpoint": {**OLD_MSI, x_remove_leaky: x_remove},
        "controller-disposes": {**OLD_MSI, dw_pcie_free_msi: dw_pcie_free_msi_disposing},
    },
    default_variant="leaky-endpoint",
    expect={
        "leaky-endpoint": "KASAN: slab-use-after-free",
        "fixed-endpoint": "clean",
        "controller-disposes": "WARNING",
    },
)
