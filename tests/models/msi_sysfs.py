"""MSI descriptors and the msi_irqs/ sysfs group (pyfuzz/kernel/pci_msi.py against
kernel/irq/msi.c and the pre-2021 drivers/pci/msi.c): a PCI driver bound at boot allocates two
MSI vectors and requests both; sysfs unbind frees the IRQs and then the vectors, while a user
reads /sys/bus/pci/devices/<bdf>/msi_irqs/<irq>.

`2017` is the kernel from 1c51b50c2995 until 3735459037114d: msi_mode_show looks the
descriptor up from the file's IRQ number, and free_msi_irqs frees the vectors and the
descriptors before it removes the files, so a read in between touches freed memory
(KASAN in msi_mode_show). `fixed-2021` is 3735459037114d ("PCI/MSI: Destroy sysfs before
freeing entries"): the files go first, and their removal waits for the reader. `6x` is the
current code (the files go with their descriptor, and show reads only the pci_dev)."""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver, unbind_store
from pyfuzz.kernel.irq_domain import irq_domain_create_linear
from pyfuzz.kernel.irq_manage import free_irq, request_irq
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_msi import free_msi_irqs, free_msi_irqs_2017, free_msi_irqs_373545903711
from pyfuzz.kernel.pci_msi import msi_irqs_read, msi_mode_show, msi_mode_show_2017
from pyfuzz.kernel.pci_msi import PCI_IRQ_MSI, pci_alloc_irq_vectors, pci_free_irq_vectors
from pyfuzz.kernel.pci_msi import pci_irq_vector, pci_msi_set_caps
from pyfuzz.kernel.pci_msi import pci_msi_sysfs_init
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata


class msd_priv(Struct):
    pdev: Ref[pci_dev]
    events: int


class msd_world(Struct):
    pdev: Ref[pci_dev]
    reads: int


world = Global(msd_world, name="world")
msd_driver = Global(device_driver, name="msd_driver")


def msd_isr(irq, dev_id):
    priv = dev_id
    priv.events += 1
    return IRQ_HANDLED


def msd_probe(pdev):
    priv = kzalloc(msd_priv, GFP_KERNEL)
    priv.pdev = pdev
    pci_alloc_irq_vectors(pdev, 2, 2, PCI_IRQ_MSI)
    request_irq(pci_irq_vector(pdev, 0), msd_isr, priv)
    request_irq(pci_irq_vector(pdev, 1), msd_isr, priv)
    pci_set_drvdata(pdev, priv)
    return 0


def msd_remove(pdev):
    priv = pci_get_drvdata(pdev)
    free_irq(pci_irq_vector(pdev, 0), priv)
    free_irq(pci_irq_vector(pdev, 1), priv)
    pci_free_irq_vectors(pdev)
    kfree(priv)


def msd_boot():
    pci_driver_init()
    pci_msi_sysfs_init()
    msd_driver.probe = msd_probe
    msd_driver.remove = msd_remove
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = irq_domain_create_linear(4)
    pdev = pci_alloc_dev(bus, 0)
    pci_msi_set_caps(pdev, 2, 0)            # two MSI vectors, no MSI-X
    pdev.match_driver = msd_driver
    world.pdev = pdev
    pci_device_add(pdev, bus)
    pci_bus_add_device(pdev)


def msd_unbind():
    unbind_store(msd_driver, world.pdev.dev)


def cat_msi_irqs():
    # `while cat msi_irqs/<irq of vector 0>; do :; done`: read (0 = "msi") until the file is
    # gone, so that a random schedule has a reader inside show() when unbind gets there
    ret = 0
    tries = 0
    while ret >= 0 and tries < 32:
        ret = msi_irqs_read(world.pdev, 0)
        if ret >= 0:
            world.reads += 1
        tries += 1


scenarios = [
    Scenario(
        name="msi-irqs-sysfs",
        description="cat msi_irqs/<irq> while unbind frees the MSI vectors",
        boot=[msd_boot],
        actors=[Thread(msd_unbind, name="unbind"), Thread(cat_msi_irqs, name="cat")],
        variants={
            "6x": {},
            "2017": {free_msi_irqs: free_msi_irqs_2017, msi_mode_show: msi_mode_show_2017},
            "fixed-2021": {
                free_msi_irqs: free_msi_irqs_373545903711,
                msi_mode_show: msi_mode_show_2017,
            },
        },
        expect={"6x": "clean", "2017": "KASAN: slab-use-after-free", "fixed-2021": "clean"},
    ),
]
