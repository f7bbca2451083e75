"""A platform driver against drivers/base/platform.c's resource lookups and drivers/base/dd.c's
deferred probe (pyfuzz/kernel/base_platform.py, base_dd.py).

`platform-irq`: a platform device with a register window (IORESOURCE_MEM) and an interrupt line
(IORESOURCE_IRQ), bound at boot. Its probe maps the registers with
devm_platform_ioremap_resource, finds its IRQ with platform_get_irq and requests it with
devm_request_irq; its handler counts interrupts in the private data. The fixed driver allocates
the private data with devm_kzalloc before requesting the IRQ, so devres frees it after the devm
free_irq (LIFO); `kfree-in-remove` kzallocs it and frees it in ->remove, before devres frees the
IRQ: an interrupt in between reads freed memory. A second device without an IRQ resource checks
that platform_get_irq returns -ENXIO for it.

`platform-defer` (fault injection's `defer` class): the driver is loaded at run time (modprobe:
driver_attach) while the interrupt controller's driver binds (its driver_bound triggers the
deferred probe). A failed platform_get_irq returns -EPROBE_DEFER; the core releases the probe's
devres, puts the device on the deferred list and re-probes it from deferred_probe_work. The fixed
probe returns the error; `leaky` forgets its kzalloc'd private data (kmemleak), `double-free`
kfree()s its devm_kzalloc'd data before returning (KASAN double-free when devres frees it), and
`stale-list` publishes its devm data on a global list before the IRQ lookup and returns without
unlinking it: the re-probe's list_add writes through the freed node."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import dev_get_drvdata, dev_set_drvdata
from pyfuzz.kernel.base_dd import device_driver, device_driver_attach, driver_attach
from pyfuzz.kernel.base_dd import driver_deferred_probe_init, driver_deferred_probe_trigger
from pyfuzz.kernel.base_dd import unbind_store
from pyfuzz.kernel.base_devres import devm_kzalloc
from pyfuzz.kernel.base_platform import IORESOURCE_IRQ, IORESOURCE_MEM
from pyfuzz.kernel.base_platform import devm_platform_ioremap_resource, platform_add_resource
from pyfuzz.kernel.base_platform import platform_device, platform_device_register
from pyfuzz.kernel.base_platform import platform_get_irq
from pyfuzz.kernel.errno import ENOMEM, ENXIO
from pyfuzz.kernel.irq_devres import devm_request_irq
from pyfuzz.kernel.irq_manage import handle_irq, irq_alloc_desc

REG_STATUS = 0


class plat_priv(Struct):
    regs: Ref
    irq: int
    count: int
    node: ListHead          # on plat_world.published (stale-list)


class plat_world(Struct):
    pdev: Ref[platform_device]
    bare: Ref[platform_device]    # no IRQ resource
    irq: int
    published: ListHead
    enxio_checked: int


world = Global(plat_world, name="world")
plat_driver = Global(device_driver, name="plat_driver")


def plat_isr(irq, dev_id):
    priv = dev_id
    priv.count += 1
    return IRQ_HANDLED


def plat_probe(pdev):
    priv = devm_kzalloc(pdev.dev, kzalloc(plat_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    priv.regs = devm_platform_ioremap_resource(pdev, 0)
    if priv.regs is None:
        return -EINVAL
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        return irq
    priv.irq = irq
    rc = devm_request_irq(pdev.dev, irq, plat_isr, priv)
    if rc:
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def plat_probe_kzalloc(pdev):
    priv = kzalloc(plat_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    priv.regs = devm_platform_ioremap_resource(pdev, 0)
    if priv.regs is None:
        kfree(priv)
        return -EINVAL
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        kfree(priv)
        return irq
    priv.irq = irq
    rc = devm_request_irq(pdev.dev, irq, plat_isr, priv)
    if rc:
        kfree(priv)
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def plat_remove(pdev):
    priv = dev_get_drvdata(pdev.dev)
    mmio_write(priv.regs, REG_STATUS, 0)


def plat_remove_kfree(pdev):
    # BUG: the devm IRQ is freed after ->remove, so the handler can still run on priv
    priv = dev_get_drvdata(pdev.dev)
    mmio_write(priv.regs, REG_STATUS, 0)
    kfree(priv)


# ---- the deferral variants ------------------------------------------------------------------


def plat_probe_defer_leaky(pdev):
    priv = kzalloc(plat_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        return irq                      # BUG: priv leaks on the deferral path
    priv.irq = irq
    rc = devm_request_irq(pdev.dev, irq, plat_isr, priv)
    if rc:
        kfree(priv)
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def plat_probe_defer_double_free(pdev):
    priv = devm_kzalloc(pdev.dev, kzalloc(plat_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        kfree(priv)                     # BUG: devm memory; devres frees it again
        return irq
    priv.irq = irq
    rc = devm_request_irq(pdev.dev, irq, plat_isr, priv)
    if rc:
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def plat_probe_defer_stale_list(pdev):
    priv = devm_kzalloc(pdev.dev, kzalloc(plat_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    list_add_tail(priv.node, world.published)
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        return irq                      # BUG: still on the list; devres frees priv
    priv.irq = irq
    rc = devm_request_irq(pdev.dev, irq, plat_isr, priv)
    if rc:
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def plat_remove_unpublish(pdev):
    priv = dev_get_drvdata(pdev.dev)
    if not list_empty(priv.node):
        list_del_init(priv.node)


# ---- topology and actors --------------------------------------------------------------------


def plat_device_new(with_irq):
    pdev = kzalloc(platform_device, GFP_KERNEL)
    platform_add_resource(pdev, IORESOURCE_MEM, 0x1000, 4)
    if with_irq:
        platform_add_resource(pdev, IORESOURCE_IRQ, world.irq, 1)
    platform_device_register(pdev)
    return pdev


def plat_boot():
    plat_driver.probe = plat_probe
    plat_driver.remove = plat_remove
    world.irq = irq_alloc_desc(None, 0)
    world.pdev = plat_device_new(1)
    world.bare = plat_device_new(0)
    device_driver_attach(plat_driver, world.pdev.dev)


def plat_boot_unbound():
    driver_deferred_probe_init()
    plat_driver.probe = plat_probe
    plat_driver.remove = plat_remove_unpublish
    world.irq = irq_alloc_desc(None, 0)
    world.pdev = plat_device_new(1)


def plat_unbind():
    unbind_store(plat_driver, world.pdev.dev)


def plat_interrupt():
    handle_irq(world.irq)


def plat_check_enxio():
    # a device without an IRQ resource: platform_get_irq is -ENXIO
    assert platform_get_irq(world.bare, 0) == -ENXIO
    world.enxio_checked = 1


def plat_modprobe():
    driver_attach(plat_driver, world.pdev.dev)


def irqchip_bound():
    # the interrupt controller's driver binds: driver_bound() -> driver_deferred_probe_trigger()
    driver_deferred_probe_trigger()


scenarios = [
    Scenario(
        name="platform-irq",
        description="platform_get_irq + devm_request_irq; private data freed in ->remove",
        boot=[plat_boot],
        actors=[
            Thread(plat_unbind, name="unbind"),
            Thread(plat_interrupt, name="irq", context="hardirq"),
            Thread(plat_check_enxio, name="bare"),
        ],
        variants={
            "fixed": {},
            "kfree-in-remove": {plat_probe: plat_probe_kzalloc, plat_remove: plat_remove_kfree},
        },
        expect={"fixed": "clean", "kfree-in-remove": "KASAN: slab-use-after-free"},
    ),
    Scenario(
        name="platform-defer",
        description="probe deferral from platform_get_irq, re-probed from the deferred list",
        boot=[plat_boot_unbound],
        actors=[Thread(plat_modprobe, name="modprobe"), Thread(irqchip_bound, name="irqchip")],
        variants={
            "fixed": {},
            "leaky": {plat_probe: plat_probe_defer_leaky},
            "double-free": {plat_probe: plat_probe_defer_double_free},
            "stale-list": {plat_probe: plat_probe_defer_stale_list},
        },
        expect={
            "fixed": "clean",
            "leaky": "memory leak",
            "double-free": "KASAN: double-free",
            "stale-list": "KASAN: slab-use-after-free",
        },
        config={"fault_injection": ["defer"]},
    ),
]
