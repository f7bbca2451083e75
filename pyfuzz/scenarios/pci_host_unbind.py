"""pci-host-unbind: removing a PCIe host controller driver while an endpoint driver still has
IRQ mappings in the controller's MSI domain (kernel-model.md C1, pcie-qcom / dw_pcie, 2022).

Topology: platform device H bound to `qcom-pcie`, which owns the dw_pcie MSI irq_domain and a
root bus with one endpoint E bound to driver X (unmanaged: pci_enable_device,
pci_alloc_irq_vectors, request_irq). Actors: `rmmod pcie-qcom` and `cat /proc/interrupts`.
MSI core: the pre-5.17 one (descriptors not devres), so the endpoint's leak is silent at its
own unbind; on >= 6.2 msi_device_data_release would WARN first (B3').
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver, driver_attach, driver_detach
from pyfuzz.kernel.base_platform import platform_device, platform_device_register
from pyfuzz.kernel.irq_domain import DOMAIN_SIZE, irq_dispose_mapping, irq_domain_create_linear
from pyfuzz.kernel.irq_domain import irq_domain_remove, irq_find_mapping
from pyfuzz.kernel.irq_manage import free_irq, request_irq, show_interrupts
from pyfuzz.kernel.pci_devres import pci_disable_device, pci_enable_device
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_msi import pci_alloc_irq_vectors, pci_free_irq_vectors, pci_irq_vector
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


qcom_pcie_driver = Global(device_driver, name="qcom_pcie_driver")
x_driver = Global(device_driver, name="x_driver")
world = Global(topology, name="world")


# ---- endpoint driver X ------------------------------------------------------------------

def x_isr(irq, priv):
    priv.events += 1
    return IRQ_HANDLED


def x_probe(pdev):
    priv = kzalloc(x_priv, GFP_KERNEL)
    priv.pdev = pdev
    pci_enable_device(pdev)
    pci_alloc_irq_vectors(pdev, 1)
    priv.irq = pci_irq_vector(pdev, 0)
    request_irq(priv.irq, x_isr, priv)
    pci_set_drvdata(pdev, priv)
    return 0


def x_remove(pdev):
    # fixed endpoint: free the IRQ and the vectors, as Manivannan asked.
    priv = pci_get_drvdata(pdev)
    free_irq(priv.irq, priv)
    pci_free_irq_vectors(pdev)
    pci_disable_device(pdev)
    kfree(priv)


def x_remove_leaky(pdev):
    # buggy endpoint: neither free_irq nor pci_free_irq_vectors (priv stays referenced by the
    # irqaction's dev_id).
    pci_disable_device(pdev)


# ---- host controller ------------------------------------------------------------------------

def dw_pcie_free_msi(pp):
    irq_domain_remove(pp.msi_domain)


def dw_pcie_free_msi_disposing(pp):
    # Pali Rohar's aardvark/mvebu pattern: dispose leftover mappings before removing the
    # domain [V C1 (b)].
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
    # pci_host_probe(): scan and add the endpoint
    e = pci_alloc_dev(bus, 0)
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
        "kernel-model.md C1. leaky-endpoint: X leaves its IRQ and vectors; rmmod pcie-qcom "
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
        Thread(rmmod_pcie_qcom, name="rmmod"),
        Thread(cat_proc_interrupts, name="cat"),
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
