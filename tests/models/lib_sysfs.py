"""sysfs attribute removal against fs/kernfs (pyfuzz/kernel/kernfs.py): a driver creates a
`status` attribute in probe and removes it in ->remove; a user reads it (`cat`) while sysfs
unbind runs. `device_remove_file()` waits for a running show(), so the fixed driver (remove the
file, then free what show() reads) is clean. The twins: `free-first` frees the private data
before removing the file (a show() still running reads freed memory), and `lock-held` removes
the file while holding the mutex show() takes: with lockdep the kernel's report is the circular
dependency through kn->active; without it (`sysfs-hang`) it is the deadlock itself, remove
waiting in kernfs_drain for a reader that waits for the mutex (hung tasks)."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize
from pyfuzz.kernel.base_core import dev_get_drvdata, dev_set_drvdata
from pyfuzz.kernel.base_dd import device_driver, device_driver_attach, unbind_store
from pyfuzz.kernel.errno import ENODEV, ENOMEM
from pyfuzz.kernel.kernfs import device_attribute, device_create_file, device_remove_file
from pyfuzz.kernel.kernfs import sysfs_read


class sd_priv(Struct):
    lock: Mutex
    status: int


class sd_device(Struct):
    dev: device


class sd_world(Struct):
    sdev: Ref[sd_device]
    last: int


world = Global(sd_world, name="world")
sd_driver = Global(device_driver, name="sd_driver")
dev_attr_status = Global(device_attribute, name="dev_attr_status")


def status_show(dev, attr):
    priv = dev_get_drvdata(dev)
    if priv is None:
        return -ENODEV
    mutex_lock(priv.lock)
    value = priv.status
    mutex_unlock(priv.lock)
    return value


def sd_probe(dev):
    priv = kzalloc(sd_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    priv.status = 7
    dev_set_drvdata(dev, priv)
    rc = device_create_file(dev, dev_attr_status)
    if rc:
        dev_set_drvdata(dev, None)
        kfree(priv)
    return rc


def sd_remove(dev):
    priv = dev_get_drvdata(dev)
    device_remove_file(dev, dev_attr_status)
    mutex_lock(priv.lock)
    priv.status = 0
    mutex_unlock(priv.lock)
    kfree(priv)


def sd_remove_free_first(dev):
    # BUG: show() may be running; the file must go first
    priv = dev_get_drvdata(dev)
    kfree(priv)
    device_remove_file(dev, dev_attr_status)


def sd_remove_lock_held(dev):
    # BUG: removal waits for show(), which waits for this mutex
    priv = dev_get_drvdata(dev)
    mutex_lock(priv.lock)
    priv.status = 0
    device_remove_file(dev, dev_attr_status)
    mutex_unlock(priv.lock)
    kfree(priv)


def sd_device_release(dev):
    kfree(container_of(dev, sd_device, "dev"))


def sd_boot():
    dev_attr_status.show = status_show
    sd_driver.probe = sd_probe
    sd_driver.remove = sd_remove
    sdev = kzalloc(sd_device, GFP_KERNEL)
    device_initialize(sdev.dev, sd_device_release)
    device_add(sdev.dev, None)
    world.sdev = sdev
    device_driver_attach(sd_driver, sdev.dev)


def sd_unbind():
    unbind_store(sd_driver, world.sdev.dev)


def sd_cat():
    world.last = sysfs_read(dev_attr_status)


ACTORS = [
    Thread(sd_unbind, name="unbind"),
    Actor(name="cat", actions=[Action(sd_cat, name="cat")], default=(0,), min=1, max=2),
]

scenarios = [
    Scenario(
        name="sysfs-remove",
        description="device_remove_file waits out a running show()",
        boot=[sd_boot],
        actors=ACTORS,
        variants={
            "fixed": {},
            "free-first": {sd_remove: sd_remove_free_first},
            "lock-held": {sd_remove: sd_remove_lock_held},
        },
        expect={
            "fixed": "clean",
            "free-first": "KASAN: slab-use-after-free",
            "lock-held": "possible circular locking dependency",
        },
    ),
    Scenario(
        name="sysfs-hang",
        description="the same lock-held removal without lockdep: the deadlock itself",
        boot=[sd_boot],
        actors=ACTORS,
        variants={"fixed": {}, "lock-held": {sd_remove: sd_remove_lock_held}},
        expect={"fixed": "clean", "lock-held": "deadlock"},
        config={"lockdep": False},
    ),
]
