"""drivers/base/dd.c and bus.c: probing, binding and unbinding a device.

Step orders follow drivers/base/dd.c [V 6.x]: the driver stays set during ->remove
and during the devres release, which runs after ->remove; "Resources present before probing"
refuses a probe while devres nodes remain.

Deferred probe (dd.c 6.x): a probe that returns -EPROBE_DEFER is cleaned up like any failed
probe (its devres released), then `driver_probe_device` puts the device on the pending list
(`driver_deferred_probe_add`), and re-triggers at once if a trigger happened while it probed
(`deferred_trigger_count`). `driver_deferred_probe_trigger` (called by `driver_bound`, i.e.
whenever any driver binds, and by the late_initcall) moves the pending list to the active list
and queues `deferred_probe_work`, whose function re-probes each active device with
deferred_probe_mutex dropped around the probe. sysfs `bind` (`device_driver_attach`) probes
without the deferral bookkeeping and turns -EPROBE_DEFER into -EAGAIN. The kernel keeps the
list node in `dev->p` and re-matches the driver through the bus; the model allocates an entry
holding the device and the driver that deferred (the one the bus match would find again).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_lock, device_unlock, get_device, kill_device
from pyfuzz.kernel.base_core import put_device
from pyfuzz.kernel.base_devres import devres_release_all
from pyfuzz.kernel.errno import EAGAIN, EPROBE_DEFER


class device_driver(Struct):
    probe: Func             # the bus-level driver probe, e.g. pci_driver.probe(pdev)
    remove: Func
    sriov_configure: Func
    suppress_bind_attrs: int


class bus_type(Struct):
    probe: Func             # bus->probe(dev)
    remove: Func            # bus->remove(dev)


class deferred_entry(Struct):
    # a device on deferred_probe_pending_list / _active_list (dev->p->deferred_probe)
    node: ListHead
    dev: Ref[device]
    drv: Ref[device_driver]


class deferred_probe_state(Struct):
    deferred_probe_mutex: Mutex
    pending_list: ListHead      # deferred_probe_pending_list
    active_list: ListHead       # deferred_probe_active_list
    trigger_count: int          # atomic_t deferred_trigger_count
    work: Work                  # deferred_probe_work (system_unbound_wq)
    enabled: int                # driver_deferred_probe_enable (set by the late_initcall)


deferred_probe = Global(deferred_probe_state, name="deferred_probe")


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
    driver_bound(dev)
    return 0


def driver_bound(dev):
    # dd.c driver_bound(): klist_add_tail(knode_driver) (the device is bound), then
    # driver_deferred_probe_del(dev) and driver_deferred_probe_trigger(): a newly bound driver
    # may be what a deferred device waited for.
    # Scenarios that never call driver_deferred_probe_init() are before that late_initcall
    # for good: nothing can be on the lists and a trigger is a no-op, so both are skipped.
    dev.bound = 1
    if deferred_probe.enabled:
        driver_deferred_probe_del(dev)
        driver_deferred_probe_trigger()


# ---- Deferred probe (dd.c; driver_probe_device, driver_bound, driver_deferred_probe_add/del/
# trigger, deferred_probe_work_func and device_driver_attach checked against
# drivers/base/dd.c 6.12: same step order and locks) ------------------------------------


@infra
def deferred_entry_of(dev, head):
    # list_empty(&dev->p->deferred_probe) for the entry on `head`; deferred_probe_mutex held
    n = list_first(head)
    while n is not None:
        e = container_of(n, deferred_entry, "node")
        if e.dev == dev:
            return e
        n = list_next(n, head)
    return None


def driver_deferred_probe_add(dev, drv):
    # dd.c driver_deferred_probe_add(): under deferred_probe_mutex, onto the pending list
    # unless already there ("Added to deferred list").
    mutex_lock(deferred_probe.deferred_probe_mutex)
    if deferred_entry_of(dev, deferred_probe.pending_list) is None and (
        deferred_entry_of(dev, deferred_probe.active_list) is None
    ):
        e = kzalloc(deferred_entry, GFP_KERNEL)
        e.dev = dev
        e.drv = drv
        list_add_tail(e.node, deferred_probe.pending_list)
    mutex_unlock(deferred_probe.deferred_probe_mutex)


def driver_deferred_probe_del(dev):
    # dd.c driver_deferred_probe_del(): list_del_init under deferred_probe_mutex
    mutex_lock(deferred_probe.deferred_probe_mutex)
    e = deferred_entry_of(dev, deferred_probe.pending_list)
    if e is None:
        e = deferred_entry_of(dev, deferred_probe.active_list)
    if e is not None:
        list_del(e.node)
        kfree(e)
    mutex_unlock(deferred_probe.deferred_probe_mutex)


def driver_deferred_probe_trigger():
    # dd.c driver_deferred_probe_trigger(): nothing before the late_initcall; else count the
    # trigger, splice pending onto active, queue the work (a no-op while it is pending).
    if not deferred_probe.enabled:
        return
    mutex_lock(deferred_probe.deferred_probe_mutex)
    deferred_probe.trigger_count += 1
    n = list_first(deferred_probe.pending_list)
    while n is not None:
        list_del(n)
        list_add_tail(n, deferred_probe.active_list)
        n = list_first(deferred_probe.pending_list)
    mutex_unlock(deferred_probe.deferred_probe_mutex)
    schedule_work(deferred_probe.work)


def deferred_probe_work_func(work):
    # dd.c deferred_probe_work_func(): take each active device off the list, get_device,
    # drop the mutex ("the probe path may manipulate the deferred list"), bus_probe_device
    # ("Retrying from deferred list"), retake the mutex, put_device.
    mutex_lock(deferred_probe.deferred_probe_mutex)
    n = list_first(deferred_probe.active_list)
    while n is not None:
        e = container_of(n, deferred_entry, "node")
        list_del(n)
        dev = e.dev
        drv = e.drv
        kfree(e)
        get_device(dev)
        mutex_unlock(deferred_probe.deferred_probe_mutex)
        bus_probe_device(dev, drv)
        mutex_lock(deferred_probe.deferred_probe_mutex)
        put_device(dev)
        n = list_first(deferred_probe.active_list)
    mutex_unlock(deferred_probe.deferred_probe_mutex)


def driver_deferred_probe_init():
    # boot: DECLARE_WORK(deferred_probe_work, deferred_probe_work_func); the late_initcall has
    # run (driver_deferred_probe_enable), so triggers queue the work.
    init_work(deferred_probe.work, deferred_probe_work_func)
    deferred_probe.enabled = 1


def driver_probe_device(drv, dev):
    # dd.c driver_probe_device(): __driver_probe_device, then on -EPROBE_DEFER the pending
    # list, re-triggering if a trigger came while this probe ran (its missed resource may be
    # there now).  Called with device_lock held.
    trigger_count = deferred_probe.trigger_count
    ret = __driver_probe_device(dev, drv)
    if ret == -EPROBE_DEFER:
        driver_deferred_probe_add(dev, drv)
        if trigger_count != deferred_probe.trigger_count:
            driver_deferred_probe_trigger()
    return ret


def bus_probe_device(dev, drv):
    # bus.c bus_probe_device() -> device_initial_probe() -> __device_attach(): under
    # device_lock, a device without a driver is matched (here: the driver that deferred) and
    # probed through driver_probe_device.
    device_lock(dev)
    ret = 0
    if dev.driver is None and not dev.dead and drv is not None:
        ret = driver_probe_device(drv, dev)
    device_unlock(dev)
    return ret


@infra
def __driver_probe_device(dev, drv):
    # dd.c: -ENODEV when dead or unregistered, -EBUSY when a driver is already set.
    if dev.dead or not dev.registered:
        return -ENODEV
    if dev.driver is not None:
        return -EBUSY
    return really_probe(dev, drv)


def device_driver_attach(drv, dev):
    # dd.c device_driver_attach() (sysfs bind): no deferral bookkeeping; -EPROBE_DEFER is
    # returned to the writer as -EAGAIN.
    device_lock(dev)
    ret = __driver_probe_device(dev, drv)
    device_unlock(dev)
    if ret == -EPROBE_DEFER:
        return -EAGAIN
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
    # bus.c driver_attach() -> __driver_attach() for one device: the module-load path, which
    # probes through driver_probe_device (a deferral goes on the pending list).
    if dev.driver is not None:
        return 0
    device_lock(dev)
    ret = 0
    if dev.driver is None:
        ret = driver_probe_device(drv, dev)
    device_unlock(dev)
    return ret


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
