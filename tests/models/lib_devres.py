"""The managed-resource helpers of pyfuzz/kernel/base_devres.py against drivers/base/devres.c:
a driver bound at boot gets its private data from devm_kzalloc, a buffer it frees early with
devm_kfree, registers mapped with devm_ioremap, and a devm action that stops the hardware;
sysfs unbind races a reader that reads the registers under the device lock. Released after
->remove in reverse order of registration, the fixed driver is clean. The buggy twins are the
classic devres mistakes: the stop action registered before the mapping it writes (it runs after
the iounmap: a page fault), a plain kfree() of devm memory in ->remove (the action then touches
freed memory), a second devm_kfree() of the same buffer (WARNING in devm_kfree), and a
devm_remove_action() with the wrong data (WARNING in devm_remove_action)."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize, device_lock
from pyfuzz.kernel.base_core import device_unlock, dev_get_drvdata, dev_set_drvdata
from pyfuzz.kernel.base_dd import device_driver, device_driver_attach, unbind_store
from pyfuzz.kernel.base_devres import devm_add_action_or_reset, devm_ioremap, devm_kfree
from pyfuzz.kernel.base_devres import devm_kzalloc, devm_release_action, devm_remove_action
from pyfuzz.kernel.errno import ENOMEM

REG_CTRL = 0
REG_STATUS = 1


class demo_buf(Struct):
    data: int


class demo_priv(Struct):
    regs: Ref
    buf: Ref[demo_buf]
    stopped: int


class demo_device(Struct):
    dev: device


class demo_world(Struct):
    ddev: Ref[demo_device]
    reads: int


world = Global(demo_world, name="world")
demo_driver = Global(device_driver, name="demo_driver")


def demo_hw_stop(dev, dr):
    # the devm action: quiesce the hardware (it writes the registers, reads the private data)
    priv = dr.data
    mmio_write(priv.regs, REG_CTRL, 0)
    priv.stopped = 1


def demo_flush(dev, dr):
    priv = dr.data
    mmio_write(priv.regs, REG_STATUS, 0)


def demo_probe(dev):
    priv = devm_kzalloc(dev, kzalloc(demo_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    priv.buf = devm_kzalloc(dev, kzalloc(demo_buf, GFP_KERNEL))
    if priv.buf is None:
        return -ENOMEM
    priv.regs = devm_ioremap(dev, 4)
    mmio_write(priv.regs, REG_CTRL, 1)
    rc = devm_add_action_or_reset(dev, demo_hw_stop, priv)
    if rc:
        return rc
    rc = devm_add_action_or_reset(dev, demo_flush, priv)
    if rc:
        return rc
    dev_set_drvdata(dev, priv)
    return 0


def demo_probe_action_first(dev):
    # BUG: the stop action is registered before the mapping it writes, so it runs after the
    # devres iounmap at unbind (LIFO).
    priv = devm_kzalloc(dev, kzalloc(demo_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    priv.buf = devm_kzalloc(dev, kzalloc(demo_buf, GFP_KERNEL))
    if priv.buf is None:
        return -ENOMEM
    rc = devm_add_action_or_reset(dev, demo_hw_stop, priv)
    if rc:
        return rc
    priv.regs = devm_ioremap(dev, 4)
    mmio_write(priv.regs, REG_CTRL, 1)
    rc = devm_add_action_or_reset(dev, demo_flush, priv)
    if rc:
        return rc
    dev_set_drvdata(dev, priv)
    return 0


def demo_remove(dev):
    # flush now rather than at devres time, and give the buffer back early
    priv = dev_get_drvdata(dev)
    devm_release_action(dev, demo_flush, priv)
    buf = priv.buf
    priv.buf = None
    devm_kfree(dev, buf)


def demo_remove_kfree(dev):
    # BUG: devm memory freed by hand; the devres actions still use it after ->remove
    priv = dev_get_drvdata(dev)
    devm_release_action(dev, demo_flush, priv)
    kfree(priv)


def demo_remove_double_kfree(dev):
    # BUG: the buffer is given back twice
    priv = dev_get_drvdata(dev)
    devm_release_action(dev, demo_flush, priv)
    devm_kfree(dev, priv.buf)
    devm_kfree(dev, priv.buf)
    priv.buf = None


def demo_remove_wrong_action(dev):
    # BUG: the action was registered with priv, not with dev
    priv = dev_get_drvdata(dev)
    devm_remove_action(dev, demo_flush, dev)
    buf = priv.buf
    priv.buf = None
    devm_kfree(dev, buf)


def demo_device_release(dev):
    kfree(container_of(dev, demo_device, "dev"))


def demo_boot():
    demo_driver.probe = demo_probe
    demo_driver.remove = demo_remove
    ddev = kzalloc(demo_device, GFP_KERNEL)
    device_initialize(ddev.dev, demo_device_release)
    device_add(ddev.dev, None)
    world.ddev = ddev
    device_driver_attach(demo_driver, ddev.dev)


def demo_unbind():
    unbind_store(demo_driver, world.ddev.dev)


def demo_read_status():
    # a sysfs-style reader: only while a driver is bound, under the device lock
    dev = world.ddev.dev
    device_lock(dev)
    if dev.driver is not None:
        priv = dev_get_drvdata(dev)
        world.reads += mmio_read(priv.regs, REG_STATUS)
    device_unlock(dev)


scenarios = [
    Scenario(
        name="devres-helpers",
        description="devm_kzalloc/devm_kfree/devm_ioremap/devm actions released after ->remove, LIFO",
        boot=[demo_boot],
        actors=[
            Thread(demo_unbind, name="unbind"),
            Actor(
                name="reader",
                actions=[Action(demo_read_status, name="read")],
                default=(0,),
                min=1,
                max=2,
            ),
        ],
        variants={
            "fixed": {},
            "action-first": {demo_probe: demo_probe_action_first},
            "kfree-in-remove": {demo_remove: demo_remove_kfree},
            "double-devm-kfree": {demo_remove: demo_remove_double_kfree},
            "wrong-action": {demo_remove: demo_remove_wrong_action},
        },
        expect={
            "fixed": "clean",
            "action-first": "BUG: unable to handle page fault",
            "kfree-in-remove": "KASAN: slab-use-after-free",
            "double-devm-kfree": "WARNING",
            "wrong-action": "WARNING",
        },
    ),
]
