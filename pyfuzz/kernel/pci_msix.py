"""drivers/pci/msi/msi.c (6.x): MSI-X vectors.

`__pci_enable_msix_range` installs the MSI context (the msi_device_data devres node and, for
managed devices, pcim_msi_release: before it looks at the capability, so a device without
MSI-X still has them when pci_alloc_irq_vectors falls back to MSI), then `__pci_enable_msix`
checks the table size (`pci_msix_vec_count`: more vectors asked than the table has returns the
table size, and the range loop retries with it, or fails with -ENOSPC below min) and
`msix_capability_init` sets the function's Message Control to ENABLE | MASKALL, marks
`msix_enabled`, sets up one descriptor per vector (`msix_setup_msi_descs`: nvec_used 1,
is_msix, msi_index = the vector), allocates each vector from the bus's MSI domain with its
`msi_irqs/<irq>` file, disables INTx and clears MASKALL. `pci_disable_msix` shuts the function
down (ENABLE cleared, INTx back) and frees the vectors through the shared `free_msi_irqs`, which
in 6.x does not check for requested actions: a vector freed with its action still there
leaves through free_desc -> unregister_irq_proc, `WARNING in remove_proc_entry`.

As for MSI, descriptors and files exist only with `pci_msi_sysfs_init()` at boot; without it
the vectors are plain numbers in `pdev.irqs`. The per-entry mask bits are not modelled (the
kernel unmasks an entry when its IRQ is started by request_irq): an entry can fire whenever
MSI-X is enabled and not masked as a whole, and one without an action is a spurious
interrupt. `pci_msix_raise(pdev, nr)` is the device sending entry nr (hardware).
"""

from pyfuzz.model import *
from pyfuzz.kernel.errno import ERANGE
from pyfuzz.kernel.irq_manage import handle_irq, irq_to_desc
from pyfuzz.kernel.pci_msi import PCI_MSI_MODEL_VECS, free_msi_irqs, msi_desc
from pyfuzz.kernel.pci_msi import msi_domain_alloc_vector, msi_sysfs_populate_desc
from pyfuzz.kernel.pci_msi import pci_intx_for_msi, pci_msi_config, pci_msi_supported
from pyfuzz.kernel.pci_msi import pci_setup_msi_context

# include/uapi/linux/pci_regs.h: MSI-X Message Control
PCI_MSIX_FLAGS_MASKALL = 0x4000
PCI_MSIX_FLAGS_ENABLE = 0x8000


@infra
def pci_msix_vec_count(pdev):
    # msi.c pci_msix_vec_count(): the table size, -EINVAL without an MSI-X capability
    if not pdev.msix_cap:
        return -EINVAL
    return pdev.msix_cap


def msix_setup_msi_descs(pdev, nvec):
    # msi.c msix_setup_msi_descs(): one descriptor per vector, msi_index = the table entry
    if not pci_msi_config.sysfs:
        return 0
    for i in range(nvec):
        desc = kzalloc(msi_desc, GFP_KERNEL)
        desc.nvec_used = 1
        desc.is_msix = 1
        desc.msi_index = i
        pdev.msix_descs[i] = desc
    return 0


def pci_msix_setup_msi_irqs(pdev, nvec):
    # pci_msi_setup_msi_irqs(PCI_CAP_ID_MSIX) -> __msi_domain_alloc_irqs: per descriptor its
    # vector, irq_set_msi_desc and its msi_irqs/ file
    for i in range(nvec):
        pdev.irqs[i] = msi_domain_alloc_vector(pdev)
    pdev.nvec = nvec
    for i in range(nvec):
        desc = pdev.msix_descs[i]
        if desc is not None:
            desc.irq = pdev.irqs[i]
            irq_to_desc(desc.irq).msi_desc = desc
            ret = msi_sysfs_populate_desc(pdev, desc)
            if ret:
                return ret
    return 0


def msix_setup_interrupts(pdev, nvec):
    # msi.c msix_setup_interrupts(): under msi_lock_descs; a failure frees what was set up.
    # The model's domain has PCI_MSI_MODEL_VECS vectors per device: a positive return is the
    # count it could allocate (as pci_msi_setup_msi_irqs may return), checked before anything
    # is set up.
    if nvec > PCI_MSI_MODEL_VECS:
        return PCI_MSI_MODEL_VECS
    mutex_lock(pdev.msi_lock)
    ret = msix_setup_msi_descs(pdev, nvec)
    if ret == 0:
        ret = pci_msix_setup_msi_irqs(pdev, nvec)
    if ret:
        free_msi_irqs(pdev)
    mutex_unlock(pdev.msi_lock)
    return ret


def msix_capability_init(pdev, nvec):
    # msi.c msix_capability_init(): "Mask all the vectors to prevent interrupts coming in
    # before they're fully set up", "Mark it enabled so setup functions can query it"
    pdev.msix_ctrl = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL
    pdev.msix_enabled = 1
    ret = msix_setup_interrupts(pdev, nvec)
    if ret:
        pdev.msix_enabled = 0           # out_disable
        pdev.msix_ctrl = 0
        return ret
    pci_intx_for_msi(pdev, 0)           # "Disable INTX"
    pdev.msix_ctrl = PCI_MSIX_FLAGS_ENABLE  # msix_mask_all(), then MASKALL cleared
    return 0


def __pci_enable_msix(pdev, nvec, flags):
    # msi.c __pci_enable_msix() without an entries array (PCI_IRQ_VIRTUAL not modelled)
    if not pci_msi_supported(pdev, nvec):
        return -EINVAL
    nr_entries = pci_msix_vec_count(pdev)
    if nr_entries < 0:
        return nr_entries
    if nvec > nr_entries:
        return nr_entries
    if pdev.msi_enabled:
        return -EINVAL                  # "can't enable MSI-X (MSI IRQ already assigned)"
    return msix_capability_init(pdev, nvec)


def __pci_enable_msix_range(pdev, minvec, maxvec, affd, flags):
    # msi.c __pci_enable_msix_range() [V 6.x]: a positive return of __pci_enable_msix is how
    # many vectors could be had; retry with that many, or -ENOSPC below minvec
    nvec = maxvec
    if maxvec < minvec:
        return -ERANGE
    if pdev.msi_enabled:
        return -EINVAL                  # "can't enable MSI-X (MSI already enabled)"
    if WARN_ON(pdev.msix_enabled):      # WARN_ON_ONCE
        return -EINVAL
    rc = pci_setup_msi_context(pdev)
    if rc:
        return rc
    while True:
        rc = __pci_enable_msix(pdev, nvec, flags)
        if rc == 0:
            return nvec
        if rc < 0:
            return rc
        if rc < minvec:
            return -ENOSPC
        nvec = rc


def pci_msix_shutdown(pdev):
    # msi.c pci_msix_shutdown(): entries masked, ENABLE cleared, INTx restored
    pdev.msix_ctrl = 0
    pci_intx_for_msi(pdev, 1)
    pdev.msix_enabled = 0


def pci_disable_msix(pdev):
    # msi.c pci_disable_msix(): nothing unless MSI-X is on; then, under msi_lock_descs, the
    # shutdown and pci_free_msi_irqs()
    if not pdev.msix_enabled:
        return
    mutex_lock(pdev.msi_lock)
    pci_msix_shutdown(pdev)
    free_msi_irqs(pdev)
    mutex_unlock(pdev.msi_lock)


def pci_msix_raise(pdev, nr):
    # Hardware, not kernel code: the device sends MSI-X table entry `nr` - a posted write,
    # sent only with bus mastering on and the function's MSI-X enabled and not masked as a
    # whole; the CPU then runs the vector's flow handler. A preemption between the check and
    # the delivery models a message already in flight.
    if pdev.is_busmaster and pdev.msix_ctrl == PCI_MSIX_FLAGS_ENABLE and nr < pdev.nvec:
        handle_irq(pdev.irqs[nr])
