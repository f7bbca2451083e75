"""sriov-rescan-lock: SR-IOV enable/disable against PCI removal (kernel-model.md C4).

Topology: one PF (driver `pf_driver`, sriov_configure, pci_disable_sriov in .remove) with one
VF enabled at boot. Actors: `echo 0 > PF/sriov_numvfs`, `echo 1 > VF/remove`,
`echo 1 > PF/remove`. Each sysfs writer holds a reference on its device (the open sysfs file)
for the duration of its write.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_iov import pci_disable_sriov, pci_enable_sriov, sriov_add_vfs
from pyfuzz.kernel.pci_iov import sriov_add_vfs_05703271c3cd, sriov_del_vfs
from pyfuzz.kernel.pci_iov import sriov_del_vfs_05703271c3cd, sriov_numvfs_store
from pyfuzz.kernel.pci_iov import sriov_numvfs_store_2020
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_dev_get, pci_dev_put, pci_device_add, pci_get_slot
from pyfuzz.kernel.pci_remove import pci_destroy_dev, pci_destroy_dev_2020
from pyfuzz.kernel.pci_sysfs import remove_store, remove_store_kill_first
from pyfuzz.kernel.pci_hotplug import pciehp_unconfigure_device


class topology(Struct):
    bus: Ref[pci_bus]
    pf: Ref[pci_dev]
    vf: Ref[pci_dev]


pf_driver = Global(device_driver, name="pf_driver")
world = Global(topology, name="world")


def pf_probe(pdev):
    pdev.drivers_autoprobe = 1
    return 0


def pf_remove(pdev):
    # PF drivers disable SR-IOV in .remove [V A.10]
    pci_disable_sriov(pdev)


def pf_sriov_configure(pdev, num_vfs):
    if num_vfs == 0:
        pci_disable_sriov(pdev)
        return 0
    ret = pci_enable_sriov(pdev, num_vfs)
    if ret:
        return ret
    return num_vfs


def boot_sriov():
    pci_driver_init()
    pf_driver.probe = pf_probe
    pf_driver.remove = pf_remove
    pf_driver.sriov_configure = pf_sriov_configure
    bus = kzalloc(pci_bus, GFP_KERNEL)
    world.bus = bus
    pf = pci_alloc_dev(bus, 0)
    pf.total_VFs = 1
    pf.match_driver = pf_driver
    pci_device_add(pf, bus)
    pci_bus_add_device(pf)
    world.pf = pf
    sriov_numvfs_store(pf, 1)
    world.vf = pci_get_slot(bus, 1)     # the reference of the open VF/remove file
    pci_dev_get(pf)                     # ... of the open PF/sriov_numvfs file
    pci_dev_get(pf)                     # ... of the open PF/remove (or slot) file


def numvfs_zero():
    pf = world.pf
    sriov_numvfs_store(pf, 0)
    pci_dev_put(pf)                     # close the file


def remove_vf():
    vf = world.vf
    remove_store(vf)
    pci_dev_put(vf)                     # close the VF's sysfs file


def remove_pf():
    pf = world.pf
    remove_store(pf)
    pci_dev_put(pf)


def hotplug_pf():
    pf = world.pf
    pciehp_unconfigure_device(pf)
    pci_dev_put(pf)


UNLOCKED_2020 = {sriov_numvfs_store: sriov_numvfs_store_2020, pci_destroy_dev: pci_destroy_dev_2020}
LOCKED_VFS = {sriov_numvfs_store: sriov_numvfs_store_2020,
              sriov_add_vfs: sriov_add_vfs_05703271c3cd, sriov_del_vfs: sriov_del_vfs_05703271c3cd}
KILL_FIRST = {remove_store: remove_store_kill_first}

ACTORS = [
    Thread(numvfs_zero, name="numvfs"),
    Thread(remove_vf, name="vf-remove"),
    Thread(remove_pf, name="pf-remove"),
]

sriov_rescan_lock = Scenario(
    name="sriov-rescan-lock",
    description=(
        "kernel-model.md C4. unlocked (2020): sriov_numvfs=0 removes the VF without the rescan "
        "lock while `VF/remove` removes it with it; the 2020 pci_destroy_dev guard is a plain "
        "test, both pass it and the VF is unlinked twice (list_del corruption). locked-vfs "
        "(05703271c3cd): `PF/remove` holds the rescan lock into PF.remove -> "
        "pci_disable_sriov -> sriov_del_vfs, which takes it again (possible recursive "
        "locking). locked-numvfs (a5338e365c45, current): numvfs takes device_lock(PF) then "
        "the rescan lock, `PF/remove` the reverse: an AB-BA deadlock lockdep cannot see "
        "(device_lock is novalidate). kill-first (2026 remove_store proposal): clean for sysfs "
        "remove; pciehp hot-unplug still takes the rescan lock before device_lock (see the "
        "tests' sriov-hotplug scenario)."
    ),
    actors=ACTORS,
    boot=[boot_sriov],
    variants={
        "unlocked": UNLOCKED_2020,
        "locked-vfs": LOCKED_VFS,
        "locked-numvfs": {},
        "kill-first": KILL_FIRST,
    },
    default_variant="locked-numvfs",
    expect={
        "unlocked": "BUG: corrupted list",
        "locked-vfs": "possible recursive locking",
        "locked-numvfs": "deadlock",
        "kill-first": "clean",
    },
)
