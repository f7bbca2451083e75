"""fs/char_dev.c and the file release path.

cdev_del() only stops new opens: "any cdevs already open will remain and their fops will
still be callable even after cdev_del returns" [V kerneldoc]. An open file pins the cdev
kobject, which pins its parent struct device [M], until the last fput.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import get_device, put_device


class cdev(Struct):
    added: int
    parent: Ref             # cdev.kobj.parent: the struct device it pins
    open: Func              # fops->open(cdev, filp)
    release: Func           # fops->release(cdev, filp)


class file(Struct):
    cdev: Ref[cdev]
    private_data: Ref


class chrdevs_t(Struct):
    cdev_lock: Spinlock
    cdev_map: Ref[cdev]     # kobj_map for the one minor the scenarios use


chrdevs = Global(chrdevs_t, name="chrdevs")


@infra
def cdev_init(c, open_fn, release_fn):
    c.open = open_fn
    c.release = release_fn


def cdev_add(c, parent):
    # cdev_device_add(): the cdev kobject's parent is the device's kobject [M].
    c.parent = parent
    spin_lock(chrdevs.cdev_lock)
    c.added = 1
    chrdevs.cdev_map = c
    spin_unlock(chrdevs.cdev_lock)
    return 0


def cdev_del(c):
    spin_lock(chrdevs.cdev_lock)
    c.added = 0
    if chrdevs.cdev_map == c:
        chrdevs.cdev_map = None
    spin_unlock(chrdevs.cdev_lock)


def chrdev_open():
    # open("/dev/x") -> chrdev_open(): kobj_lookup() of the dev_t and cdev_get() under
    # cdev_lock take a reference on the cdev kobject (which pins its parent device); then
    # fops->open.  After cdev_del() the lookup fails (-ENXIO).
    spin_lock(chrdevs.cdev_lock)
    c = chrdevs.cdev_map
    if c is None or not c.added:
        spin_unlock(chrdevs.cdev_lock)
        return None
    parent = get_device(c.parent)
    spin_unlock(chrdevs.cdev_lock)
    filp = kzalloc(file, GFP_KERNEL)
    filp.cdev = c
    ret = c.open(c, filp)
    if ret:
        kfree(filp)
        put_device(parent)
        return None
    return filp


def __fput(filp):
    # the last fput: fops->release, then cdev_put() drops the kobject reference.
    c = filp.cdev
    parent = c.parent
    c.release(c, filp)
    kfree(filp)
    put_device(parent)
