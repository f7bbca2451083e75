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


# ---- Char-device regions with several minors (fs/char_dev.c) ------------------------------
#
# The one-slot cdev_add(c, parent)/chrdev_open() above serve the seed scenarios (whose
# recorded model hashes pin them). The region API below is the kernel's general one: dev_t
# numbers, regions registered in `chrdevs[]` under chrdevs_lock, cdevs mapped over a range of
# minors in `cdev_map` (kobj_map, whose lock is chrdevs_lock too), and an open that looks the
# inode's dev_t up in cdev_map [V fs/char_dev.c]. Names the one-slot API already uses get a
# `_devt` suffix: `cdev_add_devt(c, dev, count)` is the kernel's cdev_add(p, dev, count).
# The inode's i_cdev cache is not modelled: every open looks its dev_t up.

MINORBITS = 20
MINORMASK = (1 << MINORBITS) - 1
CHRDEV_MAJOR_MAX = 511
CHRDEV_MAJOR_HASH_SIZE = 255        # dynamic majors are handed out from 254 down ...
CHRDEV_MAJOR_DYN_END = 234          # ... to 234
CHRDEV_REGIONS = 8                  # model capacity: registered regions
CDEV_MAP_PROBES = 8                 # model capacity: mapped cdevs


class char_regions_t(Struct):
    chrdevs_lock: Mutex             # DEFINE_MUTEX(chrdevs_lock), also cdev_map's lock
    major: Array[int, 8]            # chrdevs[]: one char_device_struct per region
    baseminor: Array[int, 8]
    minorct: Array[int, 8]          # 0: a free slot
    probe_cdev: Array[Ref[cdev], 8]     # cdev_map probes: the cdev ...
    probe_dev: Array[int, 8]        # ... mapped over [dev, dev + range)
    probe_range: Array[int, 8]


char_regions = Global(char_regions_t, name="char_regions")


class chrdev_file(Struct):
    # struct file of a char-device node opened by its dev_t; `__fput` closes it as a `file`.
    cdev: Ref[cdev]
    private_data: Ref
    f_rdev: int                     # file_inode(filp)->i_rdev


@infra
def MKDEV(ma, mi):  # noqa: N802 (the kernel's macro name)
    return (ma << MINORBITS) | mi


@infra
def MAJOR(dev):  # noqa: N802
    return dev >> MINORBITS


@infra
def MINOR(dev):  # noqa: N802
    return dev & MINORMASK


@infra
def iminor(filp):
    return MINOR(filp.f_rdev)


def __register_chrdev_region(major, baseminor, minorct):
    # char_dev.c __register_chrdev_region(), chrdevs_lock held by the caller here: major 0
    # asks for a dynamic major (find_dynamic_major: the first one with no region, from 254
    # down to 234); a range overlapping a registered one of the same major is -EBUSY.
    # Returns the major, or -errno.
    if major >= CHRDEV_MAJOR_MAX or minorct <= 0 or baseminor + minorct - 1 > MINORMASK:
        return -EINVAL
    if major == 0:
        candidate = CHRDEV_MAJOR_HASH_SIZE - 1
        while candidate >= CHRDEV_MAJOR_DYN_END and major == 0:
            taken = 0
            for i in range(CHRDEV_REGIONS):
                if char_regions.minorct[i] and char_regions.major[i] == candidate:
                    taken = 1
            if not taken:
                major = candidate
            candidate -= 1
        if major == 0:
            return -EBUSY
    free = -1
    for i in range(CHRDEV_REGIONS):
        ct = char_regions.minorct[i]
        if ct == 0:
            if free < 0:
                free = i
        elif char_regions.major[i] == major:
            base = char_regions.baseminor[i]
            if base < baseminor + minorct and baseminor < base + ct:
                return -EBUSY
    if free < 0:
        return -ENOMEM              # the kzalloc of the char_device_struct (model capacity)
    char_regions.major[free] = major
    char_regions.baseminor[free] = baseminor
    char_regions.minorct[free] = minorct
    return major


def alloc_chrdev_region(baseminor, count):
    # alloc_chrdev_region(&dev, baseminor, count, name): a dynamic major; the first dev_t
    # (MKDEV(major, baseminor)) is returned here instead of through the pointer, or -errno.
    mutex_lock(char_regions.chrdevs_lock)
    major = __register_chrdev_region(0, baseminor, count)
    mutex_unlock(char_regions.chrdevs_lock)
    if major < 0:
        return major
    return MKDEV(major, baseminor)


def register_chrdev_region(start, count):
    # register_chrdev_region(from, count, name): a known range (may span majors in the
    # kernel; here it must fit in one).  0 or -errno.
    mutex_lock(char_regions.chrdevs_lock)
    major = __register_chrdev_region(MAJOR(start), MINOR(start), count)
    mutex_unlock(char_regions.chrdevs_lock)
    if major < 0:
        return major
    return 0


def unregister_chrdev_region(start, count):
    # unregister_chrdev_region(): the region registered with exactly this range goes; nothing
    # happens (silently) when there is none.  Mapped cdevs are not touched: cdev_del first.
    mutex_lock(char_regions.chrdevs_lock)
    for i in range(CHRDEV_REGIONS):
        if (
            char_regions.minorct[i] == count
            and char_regions.major[i] == MAJOR(start)
            and char_regions.baseminor[i] == MINOR(start)
        ):
            char_regions.minorct[i] = 0
            break
    mutex_unlock(char_regions.chrdevs_lock)


def cdev_add_devt(c, dev, count):
    # the kernel's cdev_add(p, dev, count): kobj_map() over `count` minors from `dev` under
    # chrdevs_lock (the device is live from here: an open may find it before cdev_add
    # returns), then kobject_get(p->kobj.parent): the cdev pins its parent until cdev_del.
    mutex_lock(char_regions.chrdevs_lock)
    slot = -1
    for i in range(CDEV_MAP_PROBES):
        if char_regions.probe_cdev[i] is None and slot < 0:
            slot = i
    if slot >= 0:
        char_regions.probe_cdev[slot] = c
        char_regions.probe_dev[slot] = dev
        char_regions.probe_range[slot] = count
        c.added = 1
    mutex_unlock(char_regions.chrdevs_lock)
    if slot < 0:
        return -ENOMEM              # kobj_map's kmalloc of the probes (model capacity)
    get_device(c.parent)
    return 0


def cdev_del_devt(c):
    # the kernel's cdev_del(p): cdev_unmap() under chrdevs_lock (no new open finds it), then
    # kobject_put(&p->kobj), which drops the parent reference cdev_add took once the open
    # files' references are gone too.  Files already open stay usable.
    mutex_lock(char_regions.chrdevs_lock)
    for i in range(CDEV_MAP_PROBES):
        if char_regions.probe_cdev[i] == c:
            char_regions.probe_cdev[i] = None
    c.added = 0
    mutex_unlock(char_regions.chrdevs_lock)
    put_device(c.parent)


def cdev_device_add_devt(c, dev, devt, parent):
    # char_dev.c cdev_device_add(cdev, dev) for dev->devt = devt: cdev_set_parent(cdev,
    # &dev->kobj), cdev_add(cdev, devt, 1), then device_add(dev) (the model's device_add takes
    # the parent the kernel reads from dev->parent).
    c.parent = dev
    rc = cdev_add_devt(c, devt, 1)
    if rc:
        return rc
    device_add(dev, parent)
    return 0


def cdev_device_del_devt(c, dev):
    # char_dev.c cdev_device_del(): device_del(dev), then cdev_del(cdev).
    device_del(dev)
    cdev_del_devt(c)


def chrdev_open_rdev(devt):
    # open() of a char-device node with i_rdev = devt -> chrdev_open(): kobj_lookup() under
    # chrdevs_lock finds the cdev mapped over devt and cdev_get()s it (the parent reference an
    # open file holds), then fops->open.  None (-ENXIO) when nothing is mapped there, or when
    # open fails (its reference dropped again).
    mutex_lock(char_regions.chrdevs_lock)
    c = None
    for i in range(CDEV_MAP_PROBES):
        p = char_regions.probe_cdev[i]
        if p is not None and c is None:
            start = char_regions.probe_dev[i]
            if start <= devt and devt < start + char_regions.probe_range[i]:
                c = p
    parent = None
    if c is not None:
        parent = get_device(c.parent)
    mutex_unlock(char_regions.chrdevs_lock)
    if c is None:
        return None
    filp = kzalloc(chrdev_file, GFP_KERNEL)
    filp.cdev = c
    filp.f_rdev = devt
    ret = c.open(c, filp)
    if ret:
        kfree(filp)
        put_device(parent)
        return None
    return filp


from pyfuzz.kernel.base_core import device_add  # noqa: E402
from pyfuzz.kernel.base_dd import device_del  # noqa: E402
from pyfuzz.kernel.errno import EBUSY, EINVAL, ENOMEM  # noqa: E402
