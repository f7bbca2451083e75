"""drivers/pci/iov.c: SR-IOV enable/disable, VF add/remove, sriov_numvfs.

Versions of the rescan-lock placement:
* `sriov_numvfs_store_2020`: device_lock(PF) only; the SR-IOV path never takes
  pci_rescan_remove_lock (Oliver O'Halloran, 2020 [V]).
* `sriov_add_vfs_05703271c3cd` / `sriov_del_vfs_05703271c3cd`: the loops wrapped in
  pci_lock_rescan_remove() (late 2025; reverted by 2fa119c0e5e5) [V].
* `sriov_numvfs_store` (current, a5338e365c45): the rescan lock taken inside device_lock(PF)
  around both sriov_configure calls [V diff quoted on LKML 2026-03].
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device_lock, device_unlock
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus_add_device, pci_dev_get, pci_dev_put
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_slot
from pyfuzz.kernel.pci_probe import pci_lock_rescan_remove, pci_unlock_rescan_remove
from pyfuzz.kernel.pci_remove import pci_stop_and_remove_bus_device


def pci_iov_add_virtfn(pf, id):
    vf = pci_alloc_dev(pf.bus, pf.devfn + 1 + id)
    vf.is_virtfn = 1
    vf.vf_index = id
    vf.physfn = pci_dev_get(pf)         # every VF holds a reference on its PF [V A.10]
    pci_device_add(vf, pf.bus)
    pci_bus_add_device(vf)
    return 0


def pci_iov_remove_virtfn(pf, id):
    # iov.c pci_iov_remove_virtfn(): look the VF up (taking a reference); skip it when it is
    # already gone; stop and remove it; balance both references.  [V A.10]
    vf = pci_get_slot(pf.bus, pf.devfn + 1 + id)
    if vf is None:
        return
    pci_stop_and_remove_bus_device(vf)
    pci_dev_put(vf)
    pci_dev_put(pf)


def sriov_add_vfs(pf, num_vfs):
    for i in range(num_vfs):
        pci_iov_add_virtfn(pf, i)
    return 0


def sriov_del_vfs(pf):
    for i in range(pf.num_VFs):
        pci_iov_remove_virtfn(pf, i)


def sriov_add_vfs_05703271c3cd(pf, num_vfs):
    pci_lock_rescan_remove()
    for i in range(num_vfs):
        pci_iov_add_virtfn(pf, i)
    pci_unlock_rescan_remove()
    return 0


def sriov_del_vfs_05703271c3cd(pf):
    pci_lock_rescan_remove()
    for i in range(pf.num_VFs):
        pci_iov_remove_virtfn(pf, i)
    pci_unlock_rescan_remove()


def pci_enable_sriov(pf, num_vfs):
    might_sleep()
    if pf.num_VFs:
        return -EBUSY
    sriov_add_vfs(pf, num_vfs)
    pf.num_VFs = num_vfs
    return 0


def pci_disable_sriov(pf):
    might_sleep()
    if not pf.num_VFs:
        return
    sriov_del_vfs(pf)
    pf.num_VFs = 0


def sriov_numvfs_store(pf, num_vfs):
    # a5338e365c45: pci_lock_rescan_remove() inside device_lock(PF).
    device_lock(pf.dev)
    ret = 0
    drv = pf.dev.driver
    if num_vfs == pf.num_VFs:
        ret = 0
    elif drv is None or drv.sriov_configure is None:
        ret = -ENOENT                   # "no driver bound to device; cannot configure SR-IOV"
    elif num_vfs == 0:
        pci_lock_rescan_remove()
        ret = drv.sriov_configure(pf, 0)
        pci_unlock_rescan_remove()
    elif pf.num_VFs:
        ret = -EBUSY
    else:
        pci_lock_rescan_remove()
        ret = drv.sriov_configure(pf, num_vfs)
        pci_unlock_rescan_remove()
    device_unlock(pf.dev)
    return ret


def sriov_numvfs_store_2020(pf, num_vfs):
    device_lock(pf.dev)
    ret = 0
    drv = pf.dev.driver
    if num_vfs == pf.num_VFs:
        ret = 0
    elif drv is None or drv.sriov_configure is None:
        ret = -ENOENT
    elif num_vfs == 0:
        ret = drv.sriov_configure(pf, 0)
    elif pf.num_VFs:
        ret = -EBUSY
    else:
        ret = drv.sriov_configure(pf, num_vfs)
    device_unlock(pf.dev)
    return ret
