"""drivers/base/dd.c and bus.c: probing, binding and unbinding a device.

Step orders follow drivers/base/dd.c [V 6.x]: the driver stays set during ->remove
and during the devres release, which runs after ->remove; "Resources present before probing"
refuses a probe while devres nodes remain.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_lock, device_unlock, get_device, kill_device
from pyfuzz.kernel.base_core import put_device
from pyfuzz.kernel.base_devres import devres_release_all


class device_driver(Struct):
    probe: Func             # the bus-level driver probe, e.g. pci_driver.probe(pdev)
    remove: Func
    sriov_configure: Func
    suppress_bind_attrs: int


class bus_type(Struct):
    probe: Func             # bus->probe(dev)
    remove: Func            # bus->remove(dev)


@infra
def call_driver_probe(dev, drv):
    bus = dev.bus
    if bus is not None and bus.probe is not None:
        return bus.probe(dev)
    return drv.probe(dev)


def really_probe(dev, drv):
    # dd.c really_probe() (6.x): refuse to probe while devres is present.  [V A.3 step 3]
    if not list_empty(dev.devres_head):
        report("Resources present before probing")
        return -EBUSY
    dev.driver = drv
    ret = call_driver_probe(dev, drv)
    if ret:
        # probe failed: device_unbind_cleanup() releases what probe left, LIFO.
        devres_release_all(dev)
        dev.driver = None
        return ret
    dev.bound = 1                       # driver_bound()
    return 0


@infra
def __driver_probe_device(dev, drv):
    # dd.c: -ENODEV when dead or unregistered, -EBUSY when a driver is already set.
    if dev.dead or not dev.registered:
        return -ENODEV
    if dev.driver is not None:
        return -EBUSY
    return really_probe(dev, drv)


def device_driver_attach(drv, dev):
    device_lock(dev)
    ret = __driver_probe_device(dev, drv)
    device_unlock(dev)
    return ret


def bind_store(drv, dev):
    # bus.c bind_store(): sysfs "bind" (no rescan lock, A.11 table).
    if dev.driver is not None:
        return -ENODEV
    return device_driver_attach(drv, dev)


@infra
def device_remove(dev):
    bus = dev.bus
    drv = dev.driver
    if bus is not None and bus.remove is not None:
        bus.remove(dev)
    elif drv.remove is not None:
        drv.remove(dev)


@infra
def device_unbind_cleanup(dev):
    # dd.c device_unbind_cleanup(): devres first, then dev->driver = NULL.  [V A.4 step 9]
    devres_release_all(dev)
    dev.driver = None
    dev.driver_data = None


def __device_release_driver(dev, parent):
    drv = dev.driver
    if drv is None:
        return
    device_remove(dev)                  # bus->remove / drv->remove   [A.4 step 6]
    device_unbind_cleanup(dev)          # devres after ->remove        [A.4 step 9]
    dev.bound = 0                       # klist_remove(knode_driver)   [A.4 step 10]


def device_release_driver_internal(dev, drv, parent):
    device_lock(dev)
    cur = dev.driver
    if cur is not None and (drv is None or drv == cur):
        __device_release_driver(dev, parent)
    device_unlock(dev)


def device_release_driver(dev):
    # dd.c: "calling this from the device's own ->remove deadlocks on device_lock".
    device_release_driver_internal(dev, None, None)


def unbind_store(drv, dev):
    # bus.c unbind_store() -> device_driver_detach(): device_lock only (A.11 table).
    if dev.driver != drv:
        return -ENODEV
    get_device(dev)
    device_release_driver_internal(dev, drv, dev.parent)
    put_device(dev)
    return 0


def driver_detach(drv, dev):
    # dd.c driver_detach() for one bound device: the module-unload path (rmmod).
    if dev.driver != drv:
        return
    get_device(dev)
    device_release_driver_internal(dev, drv, dev.parent)
    put_device(dev)


def driver_attach(drv, dev):
    # bus.c driver_attach() -> __driver_attach() for one device: the module-load path.
    if dev.driver is not None:
        return 0
    return device_driver_attach(drv, dev)


def device_del(dev):
    # (drivers/base/core.c; defined here because it calls into dd.c)
    # core.c device_del(): device_lock; kill_device; device_unlock; ... bus_remove_device
    # (which releases the driver); kobject_del.  [M]
    device_lock(dev)
    kill_device(dev)
    device_unlock(dev)
    bus_remove_device(dev)
    dev.registered = 0
    parent = dev.parent
    dev.kobj_parent = None
    put_device(parent)


@infra
def bus_remove_device(dev):
    if dev.bus is not None:
        device_release_driver(dev)
