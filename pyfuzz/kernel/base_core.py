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
