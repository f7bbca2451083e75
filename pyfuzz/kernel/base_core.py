"""drivers/base/core.c: struct device, its refcount, device_lock and device_del."""

from pyfuzz.model import *


class device(Struct):
    kobj: Kref                  # kobject refcount (get_device/put_device)
    mutex: Mutex                # device_lock(); lockdep novalidate class
    devres_lock: Spinlock
    devres_head: ListHead
    parent: Ref["device"]
    kobj_parent: Ref["device"]  # non-NULL while registered (kobject_add .. kobject_del)
    bus: Ref
    driver: Ref
    driver_data: Ref
    release: Func               # dev->release / type->release
    bound: int                  # klist_node_attached(&dev->p->knode_driver)
    dead: int                   # dev->p->dead
    registered: int


@infra
def device_initialize(dev, release):
    # core.c device_initialize(): kobject_init (kref 1), mutex_init + novalidate class,
    # INIT_LIST_HEAD(devres_head).  [V drivers/base/core.c]
    kref_init(dev.kobj)
    lockdep_set_novalidate_class(dev.mutex)
    list_init(dev.devres_head)
    dev.release = release


@infra
def device_lock(dev):
    mutex_lock(dev.mutex)


@infra
def device_unlock(dev):
    mutex_unlock(dev.mutex)


@infra
def get_device(dev):
    if dev is not None:
        kref_get(dev.kobj)
    return dev


@infra
def put_device(dev):
    if dev is not None:
        kref_put(dev.kobj, device_release)


def device_release(kobj):
    # core.c device_release(): devres_release_all() first (even with no driver ever bound),
    # then the release method.  [V A.1]
    dev = container_of(kobj, device, "kobj")
    devres_release_all(dev)
    rel = dev.release
    if rel is None:
        report("Device does not have a release() function, it is broken and must be fixed.")
        return
    rel(dev)


@infra
def device_add(dev, parent):
    dev.parent = parent
    get_device(parent)
    dev.kobj_parent = parent if parent is not None else dev
    dev.registered = 1


def kill_device(dev):
    # core.c kill_device(): must hold device_lock; sets dev->p->dead.  [M]
    lockdep_assert_held(dev.mutex)
    if dev.dead:
        return 0
    dev.dead = 1
    return 1


@infra
def dev_set_drvdata(dev, data):
    dev.driver_data = data


@infra
def dev_get_drvdata(dev):
    return dev.driver_data


from pyfuzz.kernel.base_devres import devres_release_all  # noqa: E402


# ---- device_shutdown(): reboot and kexec (drivers/base/core.c) -----------------------------
#
# The kernel keeps every registered device on devices_kset->list (kobject_add ->
# kobj_kset_join in device_add; kobj_kset_leave in device_del) and, at reboot, kexec, halt and
# power-off, device_shutdown() walks that list backwards: for each device it takes a reference
# on the parent and the device, unlinks it, drops the list lock, takes device_lock(parent) then
# device_lock(dev), runs dev->class->shutdown_pre, then dev->bus->shutdown or
# dev->driver->shutdown, unlocks and puts both [V drivers/base/core.c].
#
# This library's `device`, `device_driver` and `device_add`/`device_del` are shared with the
# seed scenarios, whose recorded model hashes pin them, so the kset membership and the
# ->shutdown / ->shutdown_pre methods live in side tables here: a model that enables
# device_shutdown calls devices_kset_join(dev) after device_add (and devices_kset_leave(dev)
# before device_del), and declares its driver's shutdown with driver_set_shutdown(drv, fn)
# (fn(dev) receives the struct device, as the bus's shutdown does before it calls into the
# driver) and a class's with class_set_shutdown_pre(dev, fn).

DEVICES_KSET_MAX = 16


class devices_kset_t(Struct):
    list_lock: Spinlock
    devs: Array[Ref[device], 16]    # devices_kset->list, in the order devices were added
    nr: int
    drv: Array[Ref, 8]              # driver -> ->shutdown(dev)
    drv_shutdown: Array[Func, 8]
    cls_dev: Array[Ref[device], 8]  # device -> its class's ->shutdown_pre(dev)
    cls_shutdown_pre: Array[Func, 8]
    kexec_in_progress: int


devices_kset = Global(devices_kset_t, name="devices_kset")


def devices_kset_join(dev):
    # kobj_kset_join(): list_add_tail(&kobj->entry, &kset->list) under list_lock.
    spin_lock(devices_kset.list_lock)
    if devices_kset.nr < DEVICES_KSET_MAX:
        devices_kset.devs[devices_kset.nr] = dev
        devices_kset.nr += 1
    spin_unlock(devices_kset.list_lock)


def devices_kset_leave(dev):
    # kobj_kset_leave(): list_del_init under list_lock (no-op when already unlinked).
    spin_lock(devices_kset.list_lock)
    found = 0
    for i in range(DEVICES_KSET_MAX):
        if i < devices_kset.nr:
            if found:
                devices_kset.devs[i - 1] = devices_kset.devs[i]
            elif devices_kset.devs[i] == dev:
                found = 1
    if found:
        devices_kset.nr -= 1
        devices_kset.devs[devices_kset.nr] = None
    spin_unlock(devices_kset.list_lock)


@infra
def driver_set_shutdown(drv, fn):
    # `.shutdown = fn` in the driver's struct (boot time).
    for i in range(8):
        if devices_kset.drv[i] is None or devices_kset.drv[i] == drv:
            devices_kset.drv[i] = drv
            devices_kset.drv_shutdown[i] = fn
            return


@infra
def class_set_shutdown_pre(dev, fn):
    # `dev->class->shutdown_pre = fn` for one device (e.g. tpm_class_shutdown).
    for i in range(8):
        if devices_kset.cls_dev[i] is None or devices_kset.cls_dev[i] == dev:
            devices_kset.cls_dev[i] = dev
            devices_kset.cls_shutdown_pre[i] = fn
            return


@infra
def driver_shutdown_method(drv):
    if drv is None:
        return None
    for i in range(8):
        if devices_kset.drv[i] == drv:
            return devices_kset.drv_shutdown[i]
    return None


@infra
def class_shutdown_pre_method(dev):
    for i in range(8):
        if devices_kset.cls_dev[i] == dev:
            return devices_kset.cls_shutdown_pre[i]
    return None


def shutdown_one_device(dev):
    # core.c (shutdown_one_device in 6.x): device_lock(parent), device_lock(dev),
    # class->shutdown_pre, then the driver's ->shutdown (bus->shutdown calls it for bus
    # devices), unlock in reverse.  The driver is read under the device lock: a device whose
    # driver was unbound first gets no ->shutdown.
    parent = dev.parent
    if parent is not None:
        device_lock(parent)
    device_lock(dev)
    pre = class_shutdown_pre_method(dev)
    if pre is not None:
        pre(dev)
    fn = driver_shutdown_method(dev.driver)
    if fn is not None:
        fn(dev)
    device_unlock(dev)
    if parent is not None:
        device_unlock(parent)


def device_shutdown():
    # core.c device_shutdown(): walk devices_kset->list backwards; for each device
    # get_device(parent), get_device(dev), list_del_init, drop list_lock, shut it down, put
    # both, retake list_lock.  (wait_for_device_probe / device_block_probing: the model's
    # probes are synchronous.)
    spin_lock(devices_kset.list_lock)
    while devices_kset.nr > 0:
        dev = devices_kset.devs[devices_kset.nr - 1]
        parent = get_device(dev.parent)
        get_device(dev)
        devices_kset.nr -= 1
        devices_kset.devs[devices_kset.nr] = None
        spin_unlock(devices_kset.list_lock)
        shutdown_one_device(dev)
        put_device(dev)
        put_device(parent)
        spin_lock(devices_kset.list_lock)
    spin_unlock(devices_kset.list_lock)


def kernel_restart_prepare():
    # kernel/reboot.c kernel_restart_prepare() (reboot(2) RESTART, also halt/power-off):
    # the reboot notifiers, system_state = SYSTEM_RESTART, usermodehelper_disable, then
    # device_shutdown().
    device_shutdown()


def kernel_kexec():
    # kernel/kexec_core.c kernel_kexec(): kexec_in_progress = true, then
    # kernel_restart_prepare() -> device_shutdown() (drivers may test kexec_in_progress).
    devices_kset.kexec_in_progress = 1
    kernel_restart_prepare()
