"""drivers/pci/pci-sysfs.c: the sysfs `remove` attribute.

* `remove_store`: pci_stop_and_remove_bus_device_locked(): rescan lock first, then
  device_lock inside device_release_driver [V A.11].
* `remove_store_kill_first`: Ionut Nechita's 2026 proposal (Fixes: a5338e365c45; not verified
  as merged): kill_device under device_lock, device_release_driver without the rescan lock,
  then the locked stop-and-remove [C4].
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device_lock, device_unlock, kill_device
from pyfuzz.kernel.base_dd import device_release_driver
from pyfuzz.kernel.pci_remove import pci_stop_and_remove_bus_device_locked


@infra
def device_remove_file_self(pdev):
    # only one writer of `remove` wins [M]
    flags = spin_lock_irqsave(pdev.dev.devres_lock)
    won = not pdev.sysfs_removed
    pdev.sysfs_removed = 1
    spin_unlock_irqrestore(pdev.dev.devres_lock, flags)
    return won


def remove_store(pdev):
    if device_remove_file_self(pdev):
        pci_stop_and_remove_bus_device_locked(pdev)
    return 0


def remove_store_kill_first(pdev):
    if device_remove_file_self(pdev):
        device_lock(pdev.dev)
        kill_device(pdev.dev)
        device_unlock(pdev.dev)
        device_release_driver(pdev.dev)
        pci_stop_and_remove_bus_device_locked(pdev)
    return 0
