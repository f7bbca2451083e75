"""drivers/pci/msi/msi.c: MSI vectors.

* 6.x: `pci_setup_msi_context` adds the msi_device_data devres node, then (managed devices
  only) the pcim_msi_release action [V msi.c]; `free_msi_irqs` tears the vectors down without
  checking for actions, so the descriptors go with the action still attached and
  remove_proc_entry (from unregister_irq_proc) WARNs (B3').
* 2017: `pci_setup_msi_context_2017` adds nothing; `free_msi_irqs_2017` has
  BUG_ON(irq_has_action(entry->irq + i)) [V-old, 4.x/5.x until Dec 2021] (B3).

MSI descriptors and the `msi_irqs/` sysfs group (kernel/irq/msi.c 6.x, drivers/pci/msi/):
`msi_capability_init` inserts one descriptor (MSI: one entry with nvec_used vectors), allocates
the vectors, points each irq_desc at it (irq_set_msi_desc) and populates one read-only file per
vector, `msi_irqs/<irq>` (msi_sysfs_populate_desc); teardown frees the vectors, removes the files
(msi_sysfs_remove_desc, which waits out readers as kernfs removal does) and frees the descriptor.
The files' `show` has two versions: `msi_mode_show` (6.x) reads only the pci_dev's msix_enabled;
`msi_mode_show_2017` (1c51b50c2995, until the MSI rework) looks the descriptor up from the IRQ
number in the file name (irq_get_msi_desc) and reads it. With it, `free_msi_irqs_2017` tore
the vectors down and freed the descriptors *before* removing the files: a concurrent read
touches freed memory. `free_msi_irqs_373545903711` is 3735459037114d "PCI/MSI: Destroy sysfs
before freeing entries" (Nov 2021): the files go first [V: the commit's diff]. The model keeps
the attributes in the pci_dev (`msi_attrs`) rather than in the descriptor, which is equivalent
with one descriptor per device, and the directory's file nodes in `msi_irqs_kn` (the kernfs
lookup by name; `msi_irqs_read(pdev, n)` is the user's `cat msi_irqs/<irq of vector n>`).
The descriptors and the group are opt-in: a scenario calls `pci_msi_sysfs_init()` at boot
(CONFIG_SYSFS, as it were). Without it MSI vectors are plain numbers in the pci_dev, as before:
the seed scenarios' planted bugs leak vectors, and heap descriptors would add their kmemleak
reports (true, but not what those scenarios are about) and scheduling points to them.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devm_add_action
from pyfuzz.kernel.irq_domain import irq_create_mapping, irq_dispose_mapping
from pyfuzz.kernel.irq_manage import handle_irq, irq_has_action, irq_to_desc
from pyfuzz.kernel.kernfs import device_attribute, device_create_file, device_remove_file
from pyfuzz.kernel.kernfs import kernfs_fop_read_iter, kernfs_fop_release, kernfs_get
from pyfuzz.kernel.kernfs import kernfs_root
from pyfuzz.kernel.pci_probe import pci_dev


class msi_desc(Struct):
    irq: int                # the first vector's Linux IRQ
    nvec_used: int
    is_msix: int            # msi_attrib.is_msix


class msi_attr(Struct):
    # one entry of desc->sysfs_attrs: a device_attribute named "%d" after its IRQ
    attr: device_attribute
    irq: int


class msi_config(Struct):
    sysfs: int              # MSI descriptors and msi_irqs/ are modelled


pci_msi_config = Global(msi_config, name="pci_msi_config")


def pci_msi_sysfs_init():
    # boot: model MSI descriptors and the msi_irqs/ group from now on
    pci_msi_config.sysfs = 1


# ---- msi_irqs/ (kernel/irq/msi.c) ----------------------------------------------------------


def msi_mode_show(dev, attr):
    # msi.c msi_mode_show() (6.x): "MSI vs. MSIX is per device not per interrupt"
    pdev = container_of(dev, pci_dev, "dev")
    return pdev.msix_enabled


def msi_mode_show_2017(dev, attr):
    # drivers/pci/msi.c msi_mode_show() before the 2021 rework: kstrtoul(attr->attr.name)
    # gives the IRQ, irq_get_msi_desc(irq) its descriptor (-ENODEV if none), then
    # entry->msi_attrib.is_msix
    # entry->msi_attrib.is_msix. irq_get_msi_desc() is an inline of include/linux/irq.h
    # (irq_get_irq_data(irq)->common->msi_desc), so a KASAN report names msi_mode_show.
    irq = container_of(attr, msi_attr, "attr").irq
    desc = irq_to_desc(irq)
    if desc is None:
        return -ENODEV
    entry = desc.msi_desc
    if entry is None:
        return -ENODEV
    return entry.is_msix


def msi_sysfs_populate_desc(pdev, desc):
    # msi.c msi_sysfs_populate_desc(): one 0444 attribute per vector, added to the msi_irqs
    # group (sysfs_add_file_to_group); a failure removes what was added
    for i in range(desc.nvec_used):
        a = kzalloc(msi_attr, GFP_KERNEL)
        a.irq = pdev.irqs[i]
        a.attr.show = msi_mode_show
        pdev.msi_attrs[i] = a
        ret = device_create_file(pdev.dev, a.attr)
        if ret:
            msi_sysfs_remove_desc(pdev, desc)
            return ret
        down_write(kernfs_root.kernfs_rwsem)
        pdev.msi_irqs_kn[i] = a.attr.kn
        up_write(kernfs_root.kernfs_rwsem)
    return 0


@infra
def msi_sysfs_remove_attr(pdev, i):
    # sysfs_remove_file_from_group() of vector i's file (it returns once no show() of the
    # file runs), then kfree of the attribute
    a = pdev.msi_attrs[i]
    if a is None:
        return
    down_write(kernfs_root.kernfs_rwsem)
    pdev.msi_irqs_kn[i] = None
    up_write(kernfs_root.kernfs_rwsem)
    device_remove_file(pdev.dev, a.attr)
    pdev.msi_attrs[i] = None
    kfree(a)


def msi_sysfs_remove_desc(pdev, desc):
    # msi.c msi_sysfs_remove_desc(): each of the descriptor's files
    for i in range(desc.nvec_used):
        msi_sysfs_remove_attr(pdev, i)


def msi_destroy_sysfs(pdev):
    # drivers/pci/msi.c msi_destroy_sysfs() (2013-2021): sysfs_remove_groups() of
    # dev->msi_irq_groups, then every attribute freed; it does not read the entries
    for i in range(2):
        msi_sysfs_remove_attr(pdev, i)


def msi_irqs_read(pdev, n):
    # `cat /sys/bus/pci/devices/<bdf>/msi_irqs/<irq>` for the device's vector n: the kernfs
    # lookup (a node reference under kernfs_rwsem), the read, the close; -ENOENT when the
    # file is not there
    down_read(kernfs_root.kernfs_rwsem)
    kn = pdev.msi_irqs_kn[n]
    if kn is not None:
        kernfs_get(kn)
    up_read(kernfs_root.kernfs_rwsem)
    if kn is None:
        return -ENOENT
    ret = kernfs_fop_read_iter(kn)
    kernfs_fop_release(kn)
    return ret


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
    # msi.c msi_capability_init(): msi_setup_msi_desc (the descriptor), then
    # pci_msi_setup_msi_irqs -> __msi_domain_alloc_irqs: the vectors, irq_set_msi_desc for
    # each, msi_sysfs_populate_desc
    entry = None
    if pci_msi_config.sysfs:
        entry = kzalloc(msi_desc, GFP_KERNEL)
        entry.nvec_used = nvec
        pdev.msi_desc = entry
    d = pdev.bus.msi_domain
    for i in range(nvec):
        hw = d.next_hwirq
        d.next_hwirq = hw + 1
        virq = irq_create_mapping(d, hw)
        pdev.irqs[i] = virq
        if entry is not None:
            irq_to_desc(virq).msi_desc = entry
    pdev.nvec = nvec
    if entry is not None:
        entry.irq = pdev.irqs[0]
        msi_sysfs_populate_desc(pdev, entry)
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


@infra
def msi_free_msi_descs(pdev):
    # msi.c msi_free_msi_descs(): the descriptor leaves the store and is freed
    entry = pdev.msi_desc
    pdev.msi_desc = None
    kfree(entry)


def free_msi_irqs(pdev):
    # 6.x pci_free_msi_irqs(): msi_domain_free_irqs_all_locked() (per descriptor: the
    # vectors, then msi_sysfs_remove_desc), then msi_free_msi_descs(); no action check.
    entry = pdev.msi_desc
    for i in range(pdev.nvec):
        irq_dispose_mapping(pdev.irqs[i])
        pdev.irqs[i] = 0
    if entry is not None:
        msi_sysfs_remove_desc(pdev, entry)
        msi_free_msi_descs(pdev)
    pdev.nvec = 0


def free_msi_irqs_2017(pdev):
    # drivers/pci/msi.c free_msi_irqs() before 3735459037114d: BUG_ON a vector with an action,
    # tear the vectors down, free the entries, and only then destroy the msi_irqs sysfs group
    for i in range(pdev.nvec):
        BUG_ON(irq_has_action(pdev.irqs[i]))
    for i in range(pdev.nvec):
        irq_dispose_mapping(pdev.irqs[i])
        pdev.irqs[i] = 0
    if pdev.msi_desc is not None:
        msi_free_msi_descs(pdev)
        msi_destroy_sysfs(pdev)
    pdev.nvec = 0


def free_msi_irqs_373545903711(pdev):
    # 3735459037114d "PCI/MSI: Destroy sysfs before freeing entries" (Nov 2021): the
    # msi_irqs group goes right after the BUG_ON loop, before the vectors and the entries
    entry = pdev.msi_desc
    for i in range(pdev.nvec):
        BUG_ON(irq_has_action(pdev.irqs[i]))
    if entry is not None:
        msi_destroy_sysfs(pdev)
    for i in range(pdev.nvec):
        irq_dispose_mapping(pdev.irqs[i])
        pdev.irqs[i] = 0
    if entry is not None:
        msi_free_msi_descs(pdev)
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
