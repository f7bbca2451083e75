"""drivers/pci/hotplug/pciehp_pci.c and arch/powerpc/kernel/eeh_driver.c: removal entry points.

* `pciehp_unconfigure_device`: rescan lock, then stop and remove every device below the slot
  (device_lock inside device_release_driver) [M A.11].
* `eeh_rmv_device`: rescan lock + stop/remove for a normal device; for a VF,
  pci_iov_remove_virtfn() without the rescan lock [V Oliver O'Halloran's mail, A.11].
"""

from pyfuzz.model import *
from pyfuzz.kernel.pci_iov import pci_iov_remove_virtfn
from pyfuzz.kernel.pci_probe import pci_lock_rescan_remove, pci_unlock_rescan_remove
from pyfuzz.kernel.pci_remove import pci_stop_and_remove_bus_device


def pciehp_unconfigure_device(pdev):
    # one device below the slot (the scenarios' slots hold one function)
    pci_lock_rescan_remove()
    pci_stop_and_remove_bus_device(pdev)
    pci_unlock_rescan_remove()


def eeh_rmv_device(pdev):
    if pdev.is_virtfn:
        pci_iov_remove_virtfn(pdev.physfn, pdev.vf_index)
    else:
        pci_lock_rescan_remove()
        pci_stop_and_remove_bus_device(pdev)
        pci_unlock_rescan_remove()
