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

The driver API (drivers/pci/msi/api.c, 6.x): `pci_alloc_irq_vectors(pdev, min_vecs, max_vecs,
flags)` tries MSI-X (pyfuzz/kernel/pci_msix.py), then MSI, then INTx (pdev->irq, only when
min_vecs == 1), each as the flags allow, and returns the number of vectors or the last error
(-ENOSPC when no type was tried or fewer than min_vecs are available, -EINVAL for a device
without the capability, -ERANGE for max < min). The capabilities are config space the
scenario's boot sets with `pci_msi_set_caps(pdev, msi_vecs, msix_table_size)`. The model's
vector arrays hold PCI_MSI_MODEL_VECS vectors per device: the model's MSI domain allocates at
most that many, returning the count it could allocate as the kernel's arch/domain code may,
so the range functions retry with it or fail with -ENOSPC. Interrupt affinity is not
modelled (PCI_IRQ_AFFINITY changes no vector count).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_devres import devm_add_action
from pyfuzz.kernel.errno import ERANGE
from pyfuzz.kernel.irq_domain import DOMAIN_SIZE, irq_create_mapping, irq_dispose_mapping
from pyfuzz.kernel.irq_manage import handle_irq, irq_has_action, irq_to_desc
from pyfuzz.kernel.kernfs import device_attribute, device_create_file, device_remove_file
from pyfuzz.kernel.kernfs import kernfs_fop_read_iter, kernfs_fop_release, kernfs_get
from pyfuzz.kernel.kernfs import kernfs_root
from pyfuzz.kernel.pci_probe import pci_dev

# include/linux/pci.h: pci_alloc_irq_vectors() flags
PCI_IRQ_INTX = 1 << 0
PCI_IRQ_LEGACY = PCI_IRQ_INTX           # the pre-6.8 name
PCI_IRQ_MSI = 1 << 1
PCI_IRQ_MSIX = 1 << 2
PCI_IRQ_AFFINITY = 1 << 3
PCI_IRQ_ALL_TYPES = PCI_IRQ_INTX | PCI_IRQ_MSI | PCI_IRQ_MSIX

# the size of pci_dev's vector arrays (irqs, msi_attrs, msi_irqs_kn, msix_descs)
PCI_MSI_MODEL_VECS = 8


class msi_desc(Struct):
    irq: int                # the first vector's Linux IRQ
    nvec_used: int
    is_msix: int            # msi_attrib.is_msix
    msi_index: int          # MSI-X: the table entry (and vector index); MSI: 0


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


def pci_msi_set_caps(pdev, msi_vecs, msix_table_size):
    # boot: the device's config space, as pci_msi_init/pci_msix_init find it (0 = no such
    # capability). MSI's Multiple Message Capable field is a power of two up to 32; an MSI-X
    # table has 1..2048 entries (PCI_MSIX_FLAGS_QSIZE + 1).
    assert msi_vecs >= 0 and msi_vecs <= 32 and (msi_vecs & (msi_vecs - 1)) == 0
    assert msix_table_size >= 0 and msix_table_size <= 2048
    pdev.msi_cap = msi_vecs
    pdev.msix_cap = msix_table_size


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
    # group (sysfs_add_file_to_group); a failure removes what was added. The pci_dev's arrays
    # are by vector: an MSI-X descriptor's vector is its msi_index (MSI's is 0).
    base = desc.msi_index
    for j in range(desc.nvec_used):
        i = base + j
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
    base = desc.msi_index
    for j in range(desc.nvec_used):
        msi_sysfs_remove_attr(pdev, base + j)


def msi_destroy_sysfs(pdev):
    # drivers/pci/msi.c msi_destroy_sysfs() (2013-2021): sysfs_remove_groups() of
    # dev->msi_irq_groups, then every attribute freed; it does not read the entries
    for i in range(pdev.nvec):
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
    pdev.msi_data = 0                   # dev->msi.data = NULL


def msi_setup_device_data(pdev):
    # kernel/irq/msi.c msi_setup_device_data(): once per binding ("if (dev->msi.data) return
    # 0"): MSI-X's attempt installs it, and MSI's fallback finds it
    if pdev.msi_data:
        return 0
    devm_add_action(pdev.dev, msi_device_data_release, pdev)
    pdev.msi_data = 1
    return 0


def pcim_msi_release(dev, dr):
    pdev = dr.data
    pdev.is_msi_managed = 0
    pci_free_irq_vectors(pdev)


def pci_setup_msi_context(pdev):
    # "msi device data has to be installed first so that pcim_msi_release() is invoked
    # before it" [V msi.c]
    msi_setup_device_data(pdev)
    if pdev.is_managed and not pdev.is_msi_managed:
        devm_add_action(pdev.dev, pcim_msi_release, pdev)
        pdev.is_msi_managed = 1
    return 0


def pci_setup_msi_context_2017(pdev):
    return 0


@infra
def pci_intx_for_msi(pdev, enable):
    pci_intx(pdev, enable)


@infra
def msi_domain_alloc_vector(pdev):
    # one vector of the bus's MSI domain: the first free hwirq, mapped (the kernel derives
    # the hwirq from the device and msi_index, so freed vectors' hwirqs come back; a domain
    # holds DOMAIN_SIZE live vectors)
    d = pdev.bus.msi_domain
    hw = 0
    while hw < DOMAIN_SIZE and d.linear_revmap[hw] != 0:
        hw += 1
    return irq_create_mapping(d, hw)


def msi_capability_init(pdev, nvec):
    # msi.c msi_capability_init(): msi_setup_msi_desc (the descriptor), then
    # pci_msi_setup_msi_irqs -> __msi_domain_alloc_irqs: the vectors, irq_set_msi_desc for
    # each, msi_sysfs_populate_desc. 0 on success; a positive count is what the (model's)
    # domain could allocate, for the caller to retry with.
    if nvec > PCI_MSI_MODEL_VECS:
        return PCI_MSI_MODEL_VECS
    entry = None
    if pci_msi_config.sysfs:
        entry = kzalloc(msi_desc, GFP_KERNEL)
        entry.nvec_used = nvec
        pdev.msi_desc = entry
    for i in range(nvec):
        virq = msi_domain_alloc_vector(pdev)
        pdev.irqs[i] = virq
        if entry is not None:
            irq_to_desc(virq).msi_desc = entry
    pdev.nvec = nvec
    if entry is not None:
        entry.irq = pdev.irqs[0]
        msi_sysfs_populate_desc(pdev, entry)
    pci_intx_for_msi(pdev, 0)           # disable INTx while MSI is on
    pdev.msi_enabled = 1
    return 0


@infra
def pci_msi_supported(pdev, nvec):
    # msi.c pci_msi_supported(): at least one vector, and a bus that routes MSIs (a host
    # bridge without an MSI domain has PCI_BUS_FLAGS_NO_MSI)
    if nvec < 1:
        return 0
    if pdev.bus.msi_domain is None:
        return 0
    return 1


@infra
def pci_msi_vec_count(pdev):
    # msi.c pci_msi_vec_count(): 1 << Multiple Message Capable, -EINVAL without MSI
    if not pdev.msi_cap:
        return -EINVAL
    return pdev.msi_cap


def __pci_enable_msi_range(pdev, minvec, maxvec, affd):
    # msi.c __pci_enable_msi_range() [V 6.x]
    if not pci_msi_supported(pdev, minvec):
        return -EINVAL
    if pdev.msix_enabled:
        return -EINVAL                  # "can't enable MSI (MSI-X already enabled)"
    if maxvec < minvec:
        return -ERANGE
    if WARN_ON(pdev.msi_enabled):       # WARN_ON_ONCE
        return -EINVAL
    nvec = pci_msi_vec_count(pdev)
    if nvec < 0:
        return nvec
    if nvec < minvec:
        return -ENOSPC
    if nvec > maxvec:
        nvec = maxvec
    rc = pci_setup_msi_context(pdev)
    if rc:
        return rc
    while True:
        rc = msi_capability_init(pdev, nvec)
        if rc == 0:
            return nvec
        if rc < 0:
            return rc
        if rc < minvec:
            return -ENOSPC
        nvec = rc


def pci_alloc_irq_vectors_affinity(pdev, min_vecs, max_vecs, flags, affd):
    # api.c: MSI-X over MSI over INTx; the last error if none works [V 6.x]. The affinity
    # spreading has no CPUs to spread over here: affd only gets its WARN.
    nvecs = -ENOSPC
    if not flags & PCI_IRQ_AFFINITY:
        if WARN_ON(affd is not None):
            affd = None
    if flags & PCI_IRQ_MSIX:
        nvecs = __pci_enable_msix_range(pdev, min_vecs, max_vecs, affd, flags)
        if nvecs > 0:
            return nvecs
    if flags & PCI_IRQ_MSI:
        nvecs = __pci_enable_msi_range(pdev, min_vecs, max_vecs, affd)
        if nvecs > 0:
            return nvecs
    if flags & PCI_IRQ_INTX:
        # "use legacy IRQ if allowed": one vector, the INTx line pci_assign_irq gave
        if min_vecs == 1 and pdev.irq:
            pci_intx(pdev, 1)
            return 1
    return nvecs


def pci_alloc_irq_vectors(pdev, min_vecs, max_vecs, flags):
    return pci_alloc_irq_vectors_affinity(pdev, min_vecs, max_vecs, flags, None)


@infra
def pci_irq_vector(pdev, nr):
    # api.c pci_irq_vector(): INTx has vector 0 only (pdev->irq); MSI and MSI-X look the
    # vector up (msi_get_virq), -EINVAL past the allocated ones
    if not pdev.msi_enabled and not pdev.msix_enabled:
        return pdev.irq if nr == 0 else -EINVAL
    if nr < 0 or nr >= pdev.nvec:
        return -EINVAL
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
    # msi.c msi_free_msi_descs(): the descriptors leave the store and are freed (MSI's one,
    # or MSI-X's one per vector)
    entry = pdev.msi_desc
    if entry is not None:
        pdev.msi_desc = None
        kfree(entry)
        return
    for i in range(pdev.nvec):
        e = pdev.msix_descs[i]
        if e is not None:
            pdev.msix_descs[i] = None
            kfree(e)


def free_msi_irqs(pdev):
    # 6.x pci_free_msi_irqs() -> pci_msi_teardown_msi_irqs(): msi_domain_free_irqs_all_locked()
    # (per descriptor: its vectors, then msi_sysfs_remove_desc), then msi_free_msi_descs(); no
    # action check, so a vector with an action still requested goes with it (free_desc ->
    # unregister_irq_proc: WARNING in remove_proc_entry). MSI and MSI-X alike [V 6.x].
    entry = pdev.msi_desc
    if entry is None and pdev.msix_descs[0] is not None:
        for i in range(pdev.nvec):
            irq_dispose_mapping(pdev.irqs[i])
            pdev.irqs[i] = 0
            msi_sysfs_remove_desc(pdev, pdev.msix_descs[i])
        msi_free_msi_descs(pdev)
        pdev.nvec = 0
        return
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
    if pdev.msi_desc is not None or pdev.msix_descs[0] is not None:
        msi_free_msi_descs(pdev)
        msi_destroy_sysfs(pdev)
    pdev.nvec = 0


def free_msi_irqs_373545903711(pdev):
    # 3735459037114d "PCI/MSI: Destroy sysfs before freeing entries" (Nov 2021): the
    # msi_irqs group goes right after the BUG_ON loop, before the vectors and the entries
    entry = pdev.msi_desc
    if entry is None:
        entry = pdev.msix_descs[0]      # MSI-X: any descriptor says they are modelled
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
    # msi.c: "Undoes the allocations and enabling in pci_alloc_irq_vectors()"
    pci_disable_msix(pdev)
    pci_disable_msi(pdev)


from pyfuzz.kernel.pci_intx import pci_intx  # noqa: E402
from pyfuzz.kernel.pci_msix import __pci_enable_msix_range, pci_disable_msix  # noqa: E402
