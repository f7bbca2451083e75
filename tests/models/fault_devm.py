"""Error paths of a managed (devm) probe under fault injection: a platform driver loaded at run
time (modprobe) allocates its private data and a buffer with devm_kzalloc, maps its registers
with devm_platform_ioremap_resource and requests its IRQ with devm_request_irq; every failure
returns the error and leaves the undo to devres (really_probe releases the probe's devres on
failure). A failed devm_kzalloc is reported as the kernel's fail_nth shows it: the allocation
inside devm_kmalloc, `devm_kzalloc <T>` with devm_kmalloc's frames.

`double-free` kfree()s its devm private data when the buffer's devm_kzalloc fails (KASAN
double-free when release_nodes frees it again); `leaky` kzallocs the private data and returns
without freeing it when the buffer's devm_kzalloc fails (kmemleak). An unbind and an interrupt
race with the probe; the fixed driver is clean with every call failed in turn."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import dev_get_drvdata, dev_set_drvdata
from pyfuzz.kernel.base_dd import device_driver, driver_attach, unbind_store
from pyfuzz.kernel.base_devres import devm_kzalloc
from pyfuzz.kernel.base_platform import IORESOURCE_IRQ, IORESOURCE_MEM
from pyfuzz.kernel.base_platform import devm_platform_ioremap_resource, platform_add_resource
from pyfuzz.kernel.base_platform import platform_device, platform_device_register
from pyfuzz.kernel.base_platform import platform_get_irq
from pyfuzz.kernel.errno import ENOMEM
from pyfuzz.kernel.irq_devres import devm_request_irq
from pyfuzz.kernel.irq_manage import handle_irq, irq_alloc_desc

REG_CTRL = 0


class fd_buf(Struct):
    data: int


class fd_priv(Struct):
    buf: Ref[fd_buf]
    regs: Ref


class fd_world(Struct):
    pdev: Ref[platform_device]
    irq: int


world = Global(fd_world, name="world")
fd_driver = Global(device_driver, name="fd_driver")


def fd_isr(irq, dev_id):
    priv = dev_id
    priv.buf.data += 1
    return IRQ_HANDLED


def fd_probe(pdev):
    priv = devm_kzalloc(pdev.dev, kzalloc(fd_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    buf = devm_kzalloc(pdev.dev, kzalloc(fd_buf, GFP_KERNEL))
    if buf is None:
        return -ENOMEM
    priv.buf = buf
    priv.regs = devm_platform_ioremap_resource(pdev, 0)
    if priv.regs is None:
        return -ENOMEM
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        return irq
    rc = devm_request_irq(pdev.dev, irq, fd_isr, priv)
    if rc:
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def fd_probe_double_free(pdev):
    priv = devm_kzalloc(pdev.dev, kzalloc(fd_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    buf = devm_kzalloc(pdev.dev, kzalloc(fd_buf, GFP_KERNEL))
    if buf is None:
        kfree(priv)                     # BUG: devm memory; release_nodes frees it again
        return -ENOMEM
    priv.buf = buf
    priv.regs = devm_platform_ioremap_resource(pdev, 0)
    if priv.regs is None:
        return -ENOMEM
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        return irq
    rc = devm_request_irq(pdev.dev, irq, fd_isr, priv)
    if rc:
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def fd_probe_leaky(pdev):
    priv = kzalloc(fd_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    buf = devm_kzalloc(pdev.dev, kzalloc(fd_buf, GFP_KERNEL))
    if buf is None:
        return -ENOMEM                  # BUG: priv is not devm memory and leaks
    priv.buf = buf
    priv.regs = devm_platform_ioremap_resource(pdev, 0)
    if priv.regs is None:
        kfree(priv)
        return -ENOMEM
    irq = platform_get_irq(pdev, 0)
    if irq < 0:
        kfree(priv)
        return irq
    rc = devm_request_irq(pdev.dev, irq, fd_isr, priv)
    if rc:
        kfree(priv)
        return rc
    dev_set_drvdata(pdev.dev, priv)
    return 0


def fd_remove(pdev):
    priv = dev_get_drvdata(pdev.dev)
    mmio_write(priv.regs, REG_CTRL, 0)


def fd_boot():
    fd_driver.probe = fd_probe
    fd_driver.remove = fd_remove
    world.irq = irq_alloc_desc(None, 0)
    pdev = kzalloc(platform_device, GFP_KERNEL)
    platform_add_resource(pdev, IORESOURCE_MEM, 0x1000, 4)
    platform_add_resource(pdev, IORESOURCE_IRQ, world.irq, 1)
    platform_device_register(pdev)
    world.pdev = pdev


def fd_modprobe():
    driver_attach(fd_driver, world.pdev.dev)


def fd_unbind():
    unbind_store(fd_driver, world.pdev.dev)


def fd_interrupt():
    handle_irq(world.irq)


scenarios = [
    Scenario(
        name="devm-probe-error-paths",
        description="a devm probe's error paths under fail-nth: devm_kzalloc fails by name",
        boot=[fd_boot],
        actors=[
            Thread(fd_modprobe, name="modprobe"),
            Thread(fd_interrupt, name="irq", context="hardirq"),
        ],
        variants={
            "fixed": {},
            "double-free": {fd_probe: fd_probe_double_free},
            "leaky": {fd_probe: fd_probe_leaky},
        },
        expect={
            "fixed": "clean",
            "double-free": "KASAN: double-free",
            "leaky": "memory leak",
        },
        config={"fault_injection": ["alloc", "irq"]},
    ),
    # The same driver with an unbind racing the probe (the fixed driver's teardown).
    Scenario(
        name="devm-probe-unbind",
        description="the fixed devm probe against an unbind, every call failed in turn",
        boot=[fd_boot],
        actors=[
            Thread(fd_modprobe, name="modprobe"),
            Thread(fd_unbind, name="unbind"),
            Thread(fd_interrupt, name="irq", context="hardirq"),
        ],
        variants={"fixed": {}},
        expect={"fixed": "clean"},
        config={"fault_injection": ["alloc", "irq"]},
    ),
]
