"""Char-device regions with several minors (pyfuzz/kernel/char_dev.py): a driver takes a
dynamic region of two minors at boot (alloc_chrdev_region), maps one cdev over both
(cdev_add_devt, count 2) in probe, and each open of /dev/cd0 or /dev/cd1 gets per-minor state
(iminor). The fixed driver embeds the cdev in the refcounted device (cdev_set_parent: an open
file pins it) and deletes it in ->remove, so a later open fails with -ENXIO and a file already
open keeps working. The buggy twins embed the cdev in private data kfree()d in ->remove: with
cdev_del first (`cdev-in-priv`) a file open across the unbind reads the freed cdev when it is
closed; without cdev_del (`no-cdev-del`) the region's map still points into the freed memory
and the next open reads it (KASAN use-after-free in the open path)."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize
from pyfuzz.kernel.base_core import dev_get_drvdata, dev_set_drvdata
from pyfuzz.kernel.base_dd import device_driver, device_driver_attach, unbind_store
from pyfuzz.kernel.char_dev import MAJOR, MKDEV, __fput, alloc_chrdev_region, cdev
from pyfuzz.kernel.char_dev import cdev_add_devt, cdev_del_devt, cdev_init, chrdev_open_rdev
from pyfuzz.kernel.char_dev import iminor, unregister_chrdev_region
from pyfuzz.kernel.errno import ENOMEM

CD_MINORS = 2


class cd_port(Struct):
    minor: int


class cd_priv(Struct):
    cdev: cdev


class cd_device(Struct):
    dev: device
    cdev: cdev                          # lives as long as the device's last reference


class cd_world(Struct):
    devt: int
    cdev_dev: Ref[cd_device]
    fd: Ref
    result: int


world = Global(cd_world, name="world")
cd_driver = Global(device_driver, name="cd_driver")


def cd_open(c, filp):
    port = kzalloc(cd_port, GFP_KERNEL)
    if port is None:
        return -ENOMEM
    port.minor = iminor(filp)
    filp.private_data = port
    return 0


def cd_release(c, filp):
    kfree(filp.private_data)
    return 0


def cd_probe(dev):
    cdd = container_of(dev, cd_device, "dev")
    cdev_init(cdd.cdev, cd_open, cd_release)
    cdd.cdev.parent = dev               # cdev_set_parent
    return cdev_add_devt(cdd.cdev, world.devt, CD_MINORS)


def cd_remove(dev):
    cdd = container_of(dev, cd_device, "dev")
    cdev_del_devt(cdd.cdev)


def cd_probe_priv(dev):
    # the cdev in private data that ->remove frees (with either remove below: BUG)
    priv = kzalloc(cd_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    cdev_init(priv.cdev, cd_open, cd_release)
    priv.cdev.parent = dev              # cdev_set_parent
    rc = cdev_add_devt(priv.cdev, world.devt, CD_MINORS)
    if rc:
        kfree(priv)
        return rc
    dev_set_drvdata(dev, priv)
    return 0


def cd_remove_priv(dev):
    # BUG (with cd_probe_priv): an open file still uses the cdev freed here
    priv = dev_get_drvdata(dev)
    cdev_del_devt(priv.cdev)
    kfree(priv)


def cd_remove_no_cdev_del(dev):
    # BUG: the cdev stays mapped over the region after its memory is freed
    priv = dev_get_drvdata(dev)
    kfree(priv)


def cd_device_release(dev):
    kfree(container_of(dev, cd_device, "dev"))


def cd_boot():
    world.devt = alloc_chrdev_region(0, CD_MINORS)
    cd_driver.probe = cd_probe
    cd_driver.remove = cd_remove
    cdd = kzalloc(cd_device, GFP_KERNEL)
    device_initialize(cdd.dev, cd_device_release)
    device_add(cdd.dev, None)
    world.cdev_dev = cdd
    device_driver_attach(cd_driver, cdd.dev)


def cd_unbind():
    unbind_store(cd_driver, world.cdev_dev.dev)


def cd_user_open():
    if world.fd is None:
        world.fd = chrdev_open_rdev(MKDEV(MAJOR(world.devt), 1))


def cd_user_read():
    if world.fd is not None:
        world.result = world.fd.private_data.minor


def cd_user_close():
    if world.fd is not None:
        __fput(world.fd)
        world.fd = None


def cd_exit():
    # module exit after the unbind: the region goes back
    unregister_chrdev_region(world.devt, CD_MINORS)


scenarios = [
    Scenario(
        name="chrdev-region",
        description="a cdev over two minors of a dynamic region, deleted before it is freed",
        boot=[cd_boot],
        actors=[
            Thread(cd_unbind, name="unbind"),
            Actor(
                name="user",
                actions=[
                    Action(cd_user_open, name="open"),
                    Action(cd_user_read, name="read"),
                    Action(cd_user_close, name="close"),
                ],
                default=(0, 1, 2, 0),
                min=1,
                max=5,
            ),
            Actor(name="rmmod", actions=[Action(cd_exit, name="exit")], default=(), min=0, max=1),
        ],
        variants={
            "fixed": {},
            "cdev-in-priv": {cd_probe: cd_probe_priv, cd_remove: cd_remove_priv},
            "no-cdev-del": {cd_probe: cd_probe_priv, cd_remove: cd_remove_no_cdev_del},
        },
        expect={
            "fixed": "clean",
            "cdev-in-priv": "KASAN: slab-use-after-free",
            "no-cdev-del": "KASAN: slab-use-after-free",
        },
    ),
]
