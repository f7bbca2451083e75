"""MSI-X (pyfuzz/kernel/pci_msix.py, pci_msi.py against drivers/pci/msi/api.c and msi.c, 6.x).

`msix-queues`: a multi-queue PCI driver, as a driver author writes one: probe allocates up to
four vectors with pci_alloc_irq_vectors(pdev, 1, 4, PCI_IRQ_ALL_TYPES) (the device has a 4-entry
MSI-X table, so it gets four MSI-X vectors), one queue object per vector, and requests each
vector with its queue as dev_id. Sysfs unbind races the device raising vector 1.
  * `fixed`: ->remove frees each IRQ, then the queues, then the vectors.
  * `free-before-irq`: ->remove frees the queues first; vector 1 firing in between runs the
    queue handler on freed memory (KASAN slab-use-after-free in mq_queue_isr).
  * `vectors-before-irq`: ->remove calls pci_free_irq_vectors() before free_irq(): in 6.x the
    vectors go without an action check, the descriptor with its action (WARNING in
    remove_proc_entry, from free_desc -> unregister_irq_proc).
  * `fixed-pcim`: pcim_enable_device(); ->remove frees the IRQs and the queues, and the
    vectors go through devres (pcim_msi_release -> pci_free_irq_vectors) after it.
  * `pcim-keeps-irq`: managed, and ->remove frees nothing: devres frees the vectors with
    the actions still requested (WARNING in remove_proc_entry).

`msix-fallback`: devices with different capabilities, and what pci_alloc_irq_vectors gives
each (asserted in the model: a failed assert is a kernel BUG, so `verify` finds none when the
fallback order is the kernel's): MSI-X first, then MSI, then INTx (only for min_vecs == 1);
-ENOSPC when fewer than min_vecs are available or no type is allowed, -EINVAL when no
allowed type exists, -ERANGE for max < min.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver, unbind_store
from pyfuzz.kernel.errno import ERANGE
from pyfuzz.kernel.irq_domain import irq_create_mapping, irq_domain_create_linear
from pyfuzz.kernel.irq_manage import free_irq, request_irq
from pyfuzz.kernel.pci_devres import pci_disable_device, pci_enable_device, pci_set_master
from pyfuzz.kernel.pci_devres import pcim_enable_device
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_msi import PCI_IRQ_ALL_TYPES, PCI_IRQ_INTX, PCI_IRQ_LEGACY, PCI_IRQ_MSI
from pyfuzz.kernel.pci_msi import PCI_IRQ_MSIX, msi_irqs_read, pci_alloc_irq_vectors
from pyfuzz.kernel.pci_msi import pci_free_irq_vectors, pci_irq_vector, pci_msi_set_caps
from pyfuzz.kernel.pci_msi import pci_msi_sysfs_init
from pyfuzz.kernel.pci_msix import pci_msix_raise, pci_msix_vec_count
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata

MQ_MAX_QUEUES = 4


class mq_queue(Struct):
    index: int
    completed: int


class mq_priv(Struct):
    pdev: Ref[pci_dev]
    nr_queues: int
    queues: Array[Ref[mq_queue], 4]


class mq_world(Struct):
    pdev: Ref[pci_dev]
    bus: Ref[pci_bus]
    checked: int                        # msix-fallback: the checks ran


world = Global(mq_world, name="world")
mq_driver = Global(device_driver, name="mq_driver")


# ---- the driver -----------------------------------------------------------------------------


def mq_queue_isr(irq, dev_id):
    # one queue's completion interrupt
    q = dev_id
    q.completed += 1
    return IRQ_HANDLED


def mq_setup_queues(pdev, priv):
    nvec = pci_alloc_irq_vectors(pdev, 1, MQ_MAX_QUEUES, PCI_IRQ_ALL_TYPES)
    if nvec < 0:
        return nvec
    for i in range(nvec):
        q = kzalloc(mq_queue, GFP_KERNEL)
        q.index = i
        priv.queues[i] = q
        rc = request_irq(pci_irq_vector(pdev, i), mq_queue_isr, q)
        if rc:
            return rc
        priv.nr_queues = i + 1
    return 0


def mq_probe(pdev):
    priv = kzalloc(mq_priv, GFP_KERNEL)
    priv.pdev = pdev
    pci_enable_device(pdev)
    pci_set_master(pdev)
    pci_set_drvdata(pdev, priv)
    return mq_setup_queues(pdev, priv)


def mq_probe_pcim(pdev):
    priv = kzalloc(mq_priv, GFP_KERNEL)
    priv.pdev = pdev
    pcim_enable_device(pdev)
    pci_set_master(pdev)
    pci_set_drvdata(pdev, priv)
    return mq_setup_queues(pdev, priv)


@infra
def mq_free_irqs(pdev, priv):
    for i in range(priv.nr_queues):
        free_irq(pci_irq_vector(pdev, i), priv.queues[i])


@infra
def mq_free_queues(priv):
    for i in range(priv.nr_queues):
        kfree(priv.queues[i])


def mq_remove(pdev):
    priv = pci_get_drvdata(pdev)
    mq_free_irqs(pdev, priv)
    mq_free_queues(priv)
    pci_free_irq_vectors(pdev)
    pci_disable_device(pdev)
    kfree(priv)


def mq_remove_free_before_irq(pdev):
    # BUG: the queues go while their vectors can still fire
    priv = pci_get_drvdata(pdev)
    mq_free_queues(priv)
    mq_free_irqs(pdev, priv)
    pci_free_irq_vectors(pdev)
    pci_disable_device(pdev)
    kfree(priv)


def mq_remove_vectors_before_irq(pdev):
    # BUG: the vectors go with their actions still requested
    priv = pci_get_drvdata(pdev)
    pci_free_irq_vectors(pdev)
    mq_free_irqs(pdev, priv)
    mq_free_queues(priv)
    pci_disable_device(pdev)
    kfree(priv)


def mq_remove_pcim(pdev):
    # managed: the vectors are devres (pcim_msi_release), freed after ->remove
    priv = pci_get_drvdata(pdev)
    mq_free_irqs(pdev, priv)
    mq_free_queues(priv)
    kfree(priv)


def mq_remove_pcim_keeps_irq(pdev):
    # BUG: relies on devres for everything, but the IRQs were not requested with devm
    pci_set_drvdata(pdev, None)


def mq_boot():
    pci_driver_init()
    pci_msi_sysfs_init()
    mq_driver.probe = mq_probe
    mq_driver.remove = mq_remove
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = irq_domain_create_linear(8)
    world.bus = bus
    pdev = pci_alloc_dev(bus, 0)
    pci_msi_set_caps(pdev, 1, 4)        # MSI with one vector, a 4-entry MSI-X table
    pdev.match_driver = mq_driver
    world.pdev = pdev
    pci_device_add(pdev, bus)
    pci_bus_add_device(pdev)
    assert pdev.msix_enabled and pdev.nvec == 4


def mq_unbind():
    unbind_store(mq_driver, world.pdev.dev)


def mq_raise_vector_1():
    pci_msix_raise(world.pdev, 1)


def mq_raise_vector_3():
    pci_msix_raise(world.pdev, 3)


# ---- the fallback order ---------------------------------------------------------------------


@infra
def fb_dev(devfn, msi_vecs, msix_size, irq):
    pdev = pci_alloc_dev(world.bus, devfn)
    pci_msi_set_caps(pdev, msi_vecs, msix_size)
    pdev.irq = irq
    pci_device_add(pdev, world.bus)
    return pdev


def fb_boot():
    pci_msi_sysfs_init()
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = irq_domain_create_linear(32)
    world.bus = bus


def fb_check():
    # MSI-X first: 4 table entries, 4 vectors, each its own IRQ; msi_irqs/ says "msix" (1)
    d = fb_dev(0, 1, 4, 0)
    assert pci_msix_vec_count(d) == 4
    assert pci_alloc_irq_vectors(d, 1, 8, PCI_IRQ_ALL_TYPES) == 4
    assert d.msix_enabled and not d.msi_enabled
    assert pci_irq_vector(d, 3) > 0 and pci_irq_vector(d, 3) != pci_irq_vector(d, 2)
    assert pci_irq_vector(d, 4) == -EINVAL
    assert msi_irqs_read(d, 3) == 1
    pci_free_irq_vectors(d)
    assert not d.msix_enabled and d.nvec == 0 and d.msix_descs[0] is None
    assert msi_irqs_read(d, 3) == -ENOENT
    # a device without MSI-X gets MSI (up to its Multiple Message Capable count)
    d = fb_dev(8, 4, 0, 0)
    assert pci_msix_vec_count(d) == -EINVAL
    assert pci_alloc_irq_vectors(d, 1, 8, PCI_IRQ_ALL_TYPES) == 4
    assert d.msi_enabled and not d.msix_enabled
    assert msi_irqs_read(d, 0) == 0
    pci_free_irq_vectors(d)
    # MSI-X not allowed by the flags: MSI
    d = fb_dev(16, 2, 4, 0)
    assert pci_alloc_irq_vectors(d, 1, 2, PCI_IRQ_MSI) == 2 and d.msi_enabled
    pci_free_irq_vectors(d)
    # fewer than min_vecs: -ENOSPC (MSI-X retries with its table size, then gives up)
    d = fb_dev(24, 2, 2, 0)
    assert pci_alloc_irq_vectors(d, 4, 4, PCI_IRQ_MSI | PCI_IRQ_MSIX) == -ENOSPC
    assert pci_alloc_irq_vectors(d, 1, 4, PCI_IRQ_MSIX) == 2
    pci_free_irq_vectors(d)
    # no flags: -ENOSPC; max < min: -ERANGE
    assert pci_alloc_irq_vectors(d, 1, 1, 0) == -ENOSPC
    assert pci_alloc_irq_vectors(d, 2, 1, PCI_IRQ_MSI | PCI_IRQ_MSIX) == -ERANGE
    # INTx: neither capability, min_vecs == 1: one vector, pdev->irq
    line = irq_create_mapping(irq_domain_create_linear(1), 0)
    d = fb_dev(32, 0, 0, line)
    assert pci_alloc_irq_vectors(d, 1, 4, PCI_IRQ_ALL_TYPES) == 1
    assert pci_irq_vector(d, 0) == line and pci_irq_vector(d, 1) == -EINVAL
    assert pci_alloc_irq_vectors(d, 1, 1, PCI_IRQ_LEGACY) == 1
    # ... but not for min_vecs > 1: the MSI error stands
    assert pci_alloc_irq_vectors(d, 2, 4, PCI_IRQ_ALL_TYPES) == -EINVAL
    assert pci_alloc_irq_vectors(d, 1, 4, PCI_IRQ_MSI | PCI_IRQ_MSIX) == -EINVAL
    assert PCI_IRQ_INTX == PCI_IRQ_LEGACY
    # the model's domain has 8 vectors per device: a 16-entry table gets 8
    d = fb_dev(40, 0, 16, 0)
    assert pci_alloc_irq_vectors(d, 1, 16, PCI_IRQ_MSIX) == 8
    pci_free_irq_vectors(d)
    world.checked = 1


scenarios = [
    Scenario(
        name="msix-queues",
        description="unbind a multi-queue driver with one MSI-X vector per queue while "
        "the device raises its vectors",
        boot=[mq_boot],
        actors=[
            Thread(mq_unbind, name="unbind"),
            Actor(
                name="irq",
                actions=[
                    Action(mq_raise_vector_1, name="MSI-X 1"),
                    Action(mq_raise_vector_3, name="MSI-X 3"),
                ],
                default=(0,),
                min=0,
                max=2,
                context="hardirq",
            ),
        ],
        variants={
            "fixed": {},
            "free-before-irq": {mq_remove: mq_remove_free_before_irq},
            "vectors-before-irq": {mq_remove: mq_remove_vectors_before_irq},
            "fixed-pcim": {mq_probe: mq_probe_pcim, mq_remove: mq_remove_pcim},
            "pcim-keeps-irq": {mq_probe: mq_probe_pcim, mq_remove: mq_remove_pcim_keeps_irq},
        },
        expect={
            "fixed": "clean",
            "free-before-irq": "KASAN: slab-use-after-free",
            "vectors-before-irq": "WARNING",
            "fixed-pcim": "clean",
            "pcim-keeps-irq": "WARNING",
        },
    ),
    Scenario(
        name="msix-fallback",
        description="pci_alloc_irq_vectors on devices with MSI-X, MSI only, INTx only",
        boot=[fb_boot],
        actors=[Thread(fb_check, name="probe")],
        expect={"": "clean"},
    ),
]
