"""INTx routing (pyfuzz/kernel/pci_probe.py pci_assign_irq, drivers/pci/setup-irq.c): a host
bridge whose map_irq is of_irq_parse_and_map_pci (the common interrupt-map on the pin alone)
and whose swizzle_irq is pci_common_swizzle; two devices on the root bus in slots 0 and 4, both
INTA, so pci_device_probe gives them the same pdev->irq: one shared legacy line. Each driver
requests it with IRQF_SHARED and its own dev_id; an interrupt from the second device runs every
handler on the line, the first driver's included.

The first driver's fixed ->remove frees its IRQ before its private data; `free-before-irq`
frees the data first, so the other device's interrupt runs the first driver's handler on freed
memory. The sysfs unbind of the first driver races the second device's interrupt."""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver, unbind_store
from pyfuzz.kernel.irq_domain import irq_domain_create_linear
from pyfuzz.kernel.irq_manage import IRQF_SHARED, free_irq, handle_irq, request_threaded_irq
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_probe import of_irq_parse_and_map_pci, pci_alloc_dev, pci_bus
from pyfuzz.kernel.pci_probe import pci_bus_add_device, pci_common_swizzle, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_host_bridge
from pyfuzz.kernel.pci_probe import pci_set_drvdata


class intx_priv(Struct):
    pdev: Ref[pci_dev]
    count: int


class intx_world(Struct):
    bus: Ref[pci_bus]
    first: Ref[pci_dev]
    second: Ref[pci_dev]


world = Global(intx_world, name="world")
first_driver = Global(device_driver, name="first_driver")
second_driver = Global(device_driver, name="second_driver")


def intx_isr(irq, dev_id):
    # a shared handler: is it our device's interrupt? (the status register, here the count)
    priv = dev_id
    priv.count += 1
    return IRQ_NONE


def intx_probe(pdev):
    if pdev.irq == 0:
        return -ENODEV                  # no INTx routed
    priv = kzalloc(intx_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    priv.pdev = pdev
    rc = request_threaded_irq(pdev.irq, intx_isr, None, IRQF_SHARED, "intx", priv)
    if rc:
        kfree(priv)
        return rc
    pci_set_drvdata(pdev, priv)
    return 0


def intx_remove(pdev):
    priv = pci_get_drvdata(pdev)
    free_irq(pdev.irq, priv)
    kfree(priv)


def intx_remove_free_before_irq(pdev):
    # BUG: the line is shared; the other device's interrupt still runs our handler
    priv = pci_get_drvdata(pdev)
    kfree(priv)
    free_irq(pdev.irq, priv)


def intx_boot():
    pci_driver_init()
    first_driver.probe = intx_probe
    first_driver.remove = intx_remove
    second_driver.probe = intx_probe
    second_driver.remove = intx_remove
    host = kzalloc(pci_host_bridge, GFP_KERNEL)
    host.map_irq = of_irq_parse_and_map_pci
    host.swizzle_irq = pci_common_swizzle
    host.intx_domain = irq_domain_create_linear(4)
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.host = host
    world.bus = bus
    first = pci_alloc_dev(bus, 0 << 3)
    first.pin = 1
    first.match_driver = first_driver
    world.first = first
    second = pci_alloc_dev(bus, 4 << 3)
    second.pin = 1
    second.match_driver = second_driver
    world.second = second
    pci_device_add(first, bus)
    pci_device_add(second, bus)
    pci_bus_add_device(first)
    pci_bus_add_device(second)
    # both devices' INTA reach the host as one line: the routing is what makes it shared
    assert first.irq != 0 and first.irq == second.irq


def unbind_first():
    unbind_store(first_driver, world.first.dev)


def second_raises_intx():
    handle_irq(world.second.irq)


scenarios = [
    Scenario(
        name="pci-intx-shared",
        description="two devices' INTA routed by map_irq to one shared line; unbind vs INTx",
        boot=[intx_boot],
        actors=[
            Thread(unbind_first, name="unbind"),
            Thread(second_raises_intx, name="intx", context="hardirq"),
        ],
        variants={
            "fixed": {},
            "free-before-irq": {intx_remove: intx_remove_free_before_irq},
        },
        expect={"fixed": "clean", "free-before-irq": "KASAN: slab-use-after-free"},
    ),
]
