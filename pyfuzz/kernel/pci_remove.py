"""drivers/pci/remove.c: stopping and destroying PCI devices.

* `pci_stop_dev` / `pci_destroy_dev`: 6.x, idempotent through the atomic PCI_DEV_ADDED /
  PCI_DEV_REMOVED priv_flags bits [V remove.c, A.11].
* `pci_destroy_dev_2020`: guarded only by a plain `if (!dev->dev.kobj.parent) return;` test,
  which two concurrent removers can both pass. Checked: Keith Busch, "pci: make
  pci_destroy_dev concurrent safe" (linux-pci, 2024-08-27) replaces exactly that "racey check
  against the device's kobj parent" with test_and_set_bit(PCI_DEV_REMOVED).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import put_device
from pyfuzz.kernel.base_dd import device_del
from pyfuzz.kernel.base_dd import device_release_driver
from pyfuzz.kernel.pci_probe import pci_globals, pci_lock_rescan_remove, pci_unlock_rescan_remove


@infra
def pci_dev_test_and_clear_added(pdev):
    flags = spin_lock_irqsave(pci_globals.priv_flags_lock)
    was = pdev.added
    pdev.added = 0
    spin_unlock_irqrestore(pci_globals.priv_flags_lock, flags)
    return was


@infra
def pci_dev_test_and_set_removed(pdev):
    flags = spin_lock_irqsave(pci_globals.priv_flags_lock)
    was = pdev.removed
    pdev.removed = 1
    spin_unlock_irqrestore(pci_globals.priv_flags_lock, flags)
    return was


def pci_stop_dev(pdev):
    if pci_dev_test_and_clear_added(pdev):
        device_release_driver(pdev.dev)


def pci_destroy_dev(pdev):
    if pci_dev_test_and_set_removed(pdev):
        return
    device_del(pdev.dev)
    down_write(pci_globals.pci_bus_sem)
    list_del(pdev.bus_list)
    up_write(pci_globals.pci_bus_sem)
    put_device(pdev.dev)


def pci_destroy_dev_2020(pdev):
    if pdev.dev.kobj_parent is None:
        return
    device_del(pdev.dev)
    down_write(pci_globals.pci_bus_sem)
    list_del(pdev.bus_list)
    up_write(pci_globals.pci_bus_sem)
    put_device(pdev.dev)


def pci_stop_bus_device(pdev):
    pci_stop_dev(pdev)


def pci_remove_bus_device(pdev):
    pci_destroy_dev(pdev)


def pci_stop_and_remove_bus_device(pdev):
    pci_stop_bus_device(pdev)
    pci_remove_bus_device(pdev)


def pci_stop_and_remove_bus_device_locked(pdev):
    pci_lock_rescan_remove()
    pci_stop_and_remove_bus_device(pdev)
    pci_unlock_rescan_remove()


def pci_stop_root_bus(bus):
    # remove.c pci_stop_root_bus(): stop every child (the kernel walks last first; the
    # scenarios have one device per bus, so the order does not matter here).
    n = list_first(bus.devices)
    while n is not None:
        pdev = container_of(n, pci_dev, "bus_list")
        pci_stop_bus_device(pdev)
        n = list_next(n, bus.devices)


def pci_remove_root_bus(bus):
    n = list_first(bus.devices)
    while n is not None:
        pdev = container_of(n, pci_dev, "bus_list")
        pci_remove_bus_device(pdev)
        n = list_first(bus.devices)


from pyfuzz.kernel.pci_probe import pci_dev  # noqa: E402
