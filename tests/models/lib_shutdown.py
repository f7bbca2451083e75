"""device_shutdown() at reboot and kexec (pyfuzz/kernel/base_core.py): the driver's ->shutdown
runs under the device lock while a process keeps issuing commands through the driver's char
device (which takes no device lock). The fixed ->shutdown marks the device dead under the
driver's lock and stops the hardware, and the command path checks the mark under the same
lock: clean. The twins: `unmap` tears the registers down in ->shutdown while a command may be
writing them (a page fault), and `release-driver` unbinds its own device from ->shutdown,
which already holds that device's lock (the task never returns: a deadlock lockdep cannot see,
device_lock being a novalidate class, reported by the kernel as a hung task)."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize, devices_kset_join
from pyfuzz.kernel.base_core import dev_get_drvdata, dev_set_drvdata, driver_set_shutdown
from pyfuzz.kernel.base_core import kernel_kexec, kernel_restart_prepare
from pyfuzz.kernel.base_dd import device_driver, device_driver_attach, device_release_driver
from pyfuzz.kernel.base_dd import unbind_store
from pyfuzz.kernel.errno import ENODEV, ENOMEM

REG_CTRL = 0
REG_DATA = 1


class sh_priv(Struct):
    lock: Mutex
    alive: int
    regs: Ref


class sh_device(Struct):
    dev: device


class sh_world(Struct):
    sdev: Ref[sh_device]
    priv: Ref[sh_priv]          # what the open file holds (its private_data)
    result: int


world = Global(sh_world, name="world")
sh_driver = Global(device_driver, name="sh_driver")


def sh_probe(dev):
    priv = kzalloc(sh_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    priv.regs = ioremap(4)
    priv.alive = 1
    mmio_write(priv.regs, REG_CTRL, 1)
    dev_set_drvdata(dev, priv)
    world.priv = priv
    return 0


def sh_remove(dev):
    priv = dev_get_drvdata(dev)
    mutex_lock(priv.lock)
    if priv.alive:
        priv.alive = 0
        mmio_write(priv.regs, REG_CTRL, 0)
    mutex_unlock(priv.lock)


def sh_shutdown(dev):
    # quiesce only: mark dead under the lock the command path takes, stop the engine
    priv = dev_get_drvdata(dev)
    mutex_lock(priv.lock)
    priv.alive = 0
    mmio_write(priv.regs, REG_CTRL, 0)
    mutex_unlock(priv.lock)


def sh_shutdown_unmap(dev):
    # BUG: the registers go while a command may be using them
    priv = dev_get_drvdata(dev)
    mmio_write(priv.regs, REG_CTRL, 0)
    iounmap(priv.regs)


def sh_shutdown_release_driver(dev):
    # BUG: device_shutdown holds this device's lock; device_release_driver takes it again
    device_release_driver(dev)


def sh_command():
    # the char device's ioctl: no device lock, the driver's own lock and alive flag
    priv = world.priv
    mutex_lock(priv.lock)
    if not priv.alive:
        mutex_unlock(priv.lock)
        world.result = -ENODEV
        return
    mmio_write(priv.regs, REG_DATA, 5)
    world.result = mmio_read(priv.regs, REG_DATA)
    mutex_unlock(priv.lock)


def sh_device_release(dev):
    kfree(container_of(dev, sh_device, "dev"))


def sh_boot():
    sh_driver.probe = sh_probe
    sh_driver.remove = sh_remove
    driver_set_shutdown(sh_driver, sh_shutdown)
    sdev = kzalloc(sh_device, GFP_KERNEL)
    device_initialize(sdev.dev, sh_device_release)
    device_add(sdev.dev, None)
    devices_kset_join(sdev.dev)
    world.sdev = sdev
    device_driver_attach(sh_driver, sdev.dev)


def sh_reboot():
    kernel_restart_prepare()


def sh_kexec():
    kernel_kexec()


def sh_unbind():
    unbind_store(sh_driver, world.sdev.dev)


scenarios = [
    Scenario(
        name="device-shutdown",
        description="->shutdown under the device lock races the driver's command path",
        boot=[sh_boot],
        actors=[
            Actor(
                name="reboot",
                actions=[Action(sh_reboot, name="reboot"), Action(sh_kexec, name="kexec")],
                default=(0,),
                min=1,
                max=1,
            ),
            Actor(name="user", actions=[Action(sh_command, name="ioctl")], default=(0,), max=2),
            Actor(name="unbind", actions=[Action(sh_unbind, name="unbind")], default=(), min=0),
        ],
        variants={
            "fixed": {},
            "unmap": {sh_shutdown: sh_shutdown_unmap},
            "release-driver": {sh_shutdown: sh_shutdown_release_driver},
        },
        expect={
            "fixed": "clean",
            "unmap": "BUG: unable to handle page fault",
            "release-driver": "deadlock",
        },
    ),
]
