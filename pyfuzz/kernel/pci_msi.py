"""drivers/pci/msi/msi.c: MSI vectors.

* 6.x: `pci_setup_msi_context` adds the msi_device_data devres node, then (managed devices
  only) the pcim_msi_release action [V msi.c]; `free_msi_irqs` tears the vectors down without
  checking for actions, so the descriptors go with the action still attached and
  remove_proc_entry (from unregister_irq_proc) WARNs (B3').
* 2017: `pci_setup_msi_context_2017` adds nothing; `free_msi_irqs_2017` has
  BUG_ON(irq_has_action(entry->irq + i)) [V-old, 4.x/5.x until Dec 2021] (B3).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devm_add_action
from pyfuzz.kernel.irq_domain import irq_create_mapping, irq_dispose_mapping
from pyfuzz.kernel.irq_manage import handle_irq, irq_has_action


def msi_device_data_release(dev, dr):
    # kernel/irq/msi.c: WARN_ON_ONCE(!xa_empty(store)) - the driver leaked its descriptors.
    pdev = dr.data
    WARN_ON(pdev.nvec != 0)


def pcim_msi_release(dev, dr):
    pdev = dr.data
    pdev.is_msi_managed = 0
    pci_free_irq_vectors(pdev)


def pci_setup_msi_context(pdev):
    # "msi device data has to be installed first so that pcim_msi_release() is invoked
    # before it" [V msi.c]
    devm_add_action(pdev.dev, msi_device_data_release, pdev)
    if pdev.is_managed and not pdev.is_msi_managed:
        devm_add_action(pdev.dev, pcim_msi_release, pdev)
        pdev.is_msi_managed = 1
    return 0


def pci_setup_msi_context_2017(pdev):
    return 0


@infra
def pci_intx_for_msi(pdev, enable):
    pci_intx(pdev, enable)


def msi_capability_init(pdev, nvec):
    d = pdev.bus.msi_domain
    for i in range(nvec):
        hw = d.next_hwirq
        d.next_hwirq = hw + 1
        pdev.irqs[i] = irq_create_mapping(d, hw)
    pdev.nvec = nvec
    pci_intx_for_msi(pdev, 0)           # disable INTx while MSI is on
    pdev.msi_enabled = 1
    return nvec


def pci_alloc_irq_vectors(pdev, nvec):
    pci_setup_msi_context(pdev)
    return msi_capability_init(pdev, nvec)


@infra
def pci_irq_vector(pdev, nr):
    return pdev.irqs[nr]


def pci_msi_raise(pdev, nr):
    # Hardware, not kernel code: the device raises MSI vector `nr`. An MSI is a posted memory
    # write, so the device sends it only while MSI and bus mastering are enabled; the CPU
    # then runs the vector's flow handler.  A preemption between the check and the delivery
    # models an MSI already in flight.
    if pdev.is_busmaster and pdev.msi_enabled and nr < pdev.nvec:
        handle_irq(pdev.irqs[nr])


def free_msi_irqs(pdev):
    # 6.x pci_free_msi_irqs(): tear the vectors down; no action check any more.
    for i in range(pdev.nvec):
        irq_dispose_mapping(pdev.irqs[i])
        pdev.irqs[i] = 0
    pdev.nvec = 0


def free_msi_irqs_2017(pdev):
    for i in range(pdev.nvec):
        BUG_ON(irq_has_action(pdev.irqs[i]))
    for i in range(pdev.nvec):
        irq_dispose_mapping(pdev.irqs[i])
        pdev.irqs[i] = 0
    pdev.nvec = 0


def pci_msi_shutdown(pdev):
    pci_intx_for_msi(pdev, 1)           # restore INTx
    pdev.msi_enabled = 0


def pci_disable_msi(pdev):
    mutex_lock(pdev.msi_lock)           # msi_lock_descs(): may sleep
    if pdev.msi_enabled:
        pci_msi_shutdown(pdev)
        free_msi_irqs(pdev)
    mutex_unlock(pdev.msi_lock)


def pci_free_irq_vectors(pdev):
    pci_disable_msi(pdev)


from pyfuzz.kernel.pci_intx import pci_intx  # noqa: E402
