"""sriov-rescan-lock: SR-IOV enable/disable against PCI removal.

Topology: one PF (driver `pf_driver`, sriov_configure, pci_disable_sriov in .remove) with one
VF enabled at boot, in a hot-plug slot. Actors (issue 3): `echo 0 > PF/sriov_numvfs`,
`echo 1 > VF/remove`, `echo 1 > PF/remove` and a pciehp hot-unplug of the PF's slot (the
default workload); for the randomized strategies also `echo 1 > PF/sriov_numvfs` (enable),
`echo <PF> > .../unbind` and EEH recovery removing the VF (eeh_rmv_device ->
pci_iov_remove_virtfn without the rescan lock). Each sysfs writer (and pciehp, EEH) holds a
reference on its device (the open sysfs file, the slot, the eeh_dev) for the duration of its
action, taken at boot.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver, unbind_store
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_iov import pci_disable_sriov, pci_enable_sriov, sriov_add_vfs
from pyfuzz.kernel.pci_iov import sriov_add_vfs_05703271c3cd, sriov_del_vfs
from pyfuzz.kernel.pci_iov import sriov_del_vfs_05703271c3cd, sriov_numvfs_store
from pyfuzz.kernel.pci_iov import sriov_numvfs_store_2020
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_dev_get, pci_dev_put, pci_device_add, pci_get_slot
from pyfuzz.kernel.pci_remove import pci_destroy_dev, pci_destroy_dev_2020
from pyfuzz.kernel.pci_sysfs import remove_store, remove_store_kill_first
from pyfuzz.kernel.pci_hotplug import eeh_rmv_device, pciehp_unconfigure_device


class topology(Struct):
    bus: Ref[pci_bus]
    pf: Ref[pci_dev]
    vf: Ref[pci_dev]
    eeh_vf: Ref[pci_dev]


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
    pci_dev_get(pf)                     # ... of the open PF/remove file
    pci_dev_get(pf)                     # ... of pciehp's slot (the PF below the port)
    pci_dev_get(pf)                     # ... of a second PF/sriov_numvfs writer (enable)
    pci_dev_get(pf)                     # ... of the open .../pf_driver/unbind file
    world.eeh_vf = pci_dev_get(world.vf)    # ... of EEH's eeh_dev for the VF


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
    # pciehp: Presence Detect Changed / Link Down on the PF's slot -> pciehp_unconfigure_device
    # (rescan lock, then stop and remove the PF, whose .remove disables SR-IOV)
    pf = world.pf
    pciehp_unconfigure_device(pf)
    pci_dev_put(pf)


def numvfs_enable():
    # `echo 1 > PF/sriov_numvfs`: -EBUSY while VFs are enabled, -ENOENT once unbound
    pf = world.pf
    sriov_numvfs_store(pf, 1)
    pci_dev_put(pf)


def unbind_pf():
    # `echo <PF> > /sys/bus/pci/drivers/pf/unbind`: device_lock(PF) only (A.11 table); the PF
    # driver's .remove disables SR-IOV.
    pf = world.pf
    unbind_store(pf_driver, pf.dev)
    pci_dev_put(pf)


def eeh_vf():
    # powerpc EEH recovery removing the VF: eeh_rmv_device -> pci_iov_remove_virtfn(physfn,
    # vf_index) without the rescan lock [V Oliver O'Halloran's mail, A.11].
    vf = world.eeh_vf
    eeh_rmv_device(vf)
    pci_dev_put(vf)


UNLOCKED_2020 = {sriov_numvfs_store: sriov_numvfs_store_2020, pci_destroy_dev: pci_destroy_dev_2020}
LOCKED_VFS = {sriov_numvfs_store: sriov_numvfs_store_2020,
              sriov_add_vfs: sriov_add_vfs_05703271c3cd, sriov_del_vfs: sriov_del_vfs_05703271c3cd}
KILL_FIRST = {remove_store: remove_store_kill_first}

def _optional(func, name):
    # not in the default workload (verify); the randomized strategies choose 0 or 1 run.
    return Actor(name=name, actions=[Action(func, name=name)], default=(), min=0, max=1)


ACTORS = [
    Thread(numvfs_zero, name="numvfs"),
    Thread(remove_vf, name="vf-remove"),
    Thread(remove_pf, name="pf-remove"),
    Thread(hotplug_pf, name="pciehp"),
    _optional(numvfs_enable, "numvfs-enable"),
    _optional(unbind_pf, "pf-unbind"),
    _optional(eeh_vf, "eeh-vf"),
]

sriov_rescan_lock = Scenario(
    name="sriov-rescan-lock",
    description=(
        "unlocked (2020): sriov_numvfs=0 removes the VF without the rescan "
        "lock while `VF/remove` removes it with it; the 2020 pci_destroy_dev guard is a plain "
        "test, both pass it and the VF is unlinked twice (list_del corruption). locked-vfs "
        "(05703271c3cd): `PF/remove` holds the rescan lock into PF.remove -> "
        "pci_disable_sriov -> sriov_del_vfs, which takes it again (possible recursive "
        "locking). locked-numvfs (a5338e365c45, current): numvfs takes device_lock(PF) then "
        "the rescan lock, `PF/remove` the reverse: an AB-BA deadlock lockdep cannot see "
        "(device_lock is novalidate). kill-first (2026 remove_store proposal, Fixes: "
        "a5338e365c45): sysfs `PF/remove` no longer deadlocks, but pciehp hot-unplug of the PF's "
        "slot still takes the rescan lock before device_lock(PF) while sriov_numvfs_store takes "
        "them the other way round: the same AB-BA, found with one preemption (the open hazard "
        "of C4 is real; the remove_store fix does not cover pciehp, nor EEH). No variant is "
        "clean. The randomized strategies also run numvfs=1, PF unbind and EEH on the VF; EEH's "
        "pci_iov_remove_virtfn runs without the rescan lock, so it and sriov_del_vfs can both "
        "look the VF up and both drop the PF reference the VF held (refcount underflow / "
        "use-after-free of the PF) in every variant."
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
        "kill-first": "deadlock",
    },
)
