"""dmaengine-unbind: unbinding a DMA provider (plx_dma) while a client uses its channel
(kernel-model.md C2, Logan Gunthorpe / Vinod Koul, 2019-11-14).

Topology: one PCI device bound to plx_dma (BAR via pcim_iomap_regions, released after
.remove). Actors: a client (request channel, memcpy = prep + submit + issue_pending, poll
status, release channel) and `echo <bdf> > /sys/bus/pci/drivers/plx_dma/unbind`.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_dd import device_driver, unbind_store
from pyfuzz.kernel.dmaengine import DMA_COMPLETE, DMA_ERROR, DMA_IN_PROGRESS
from pyfuzz.kernel.dmaengine import dma_async_device_register, dma_async_device_unregister
from pyfuzz.kernel.dmaengine import dma_async_device_unregister_2019, dma_async_is_tx_complete
from pyfuzz.kernel.dmaengine import dma_async_issue_pending, dma_chan, dma_device
from pyfuzz.kernel.dmaengine import dma_release_channel, dma_release_channel_2019
from pyfuzz.kernel.dmaengine import dma_request_channel, dma_request_channel_2019
from pyfuzz.kernel.dmaengine import dmaengine_prep_dma_memcpy
from pyfuzz.kernel.pci_devres import pcim_enable_device, pcim_iomap_regions
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata

PLX_REG_CTRL = 0
PLX_REG_STATUS = 8


class plx_dma_dev(Struct):
    dma_dev: dma_device
    pdev: Ref[pci_dev]          # RCU-protected; NULL once removed
    bar: Ref
    ring_lock: Spinlock
    ring_active: int
    pending: int
    result: int


class client_t(Struct):
    chan: Ref[dma_chan]
    status: int


class topology(Struct):
    pdev: Ref[pci_dev]


plx_dma_driver = Global(device_driver, name="plx_dma_driver")
client = Global(client_t, name="client")
world = Global(topology, name="world")


@infra
def chan_to_plx_dma_dev(chan):
    dd = container_of(chan, dma_device, "chan")
    return container_of(dd, plx_dma_dev, "dma_dev")


# ---- provider: fixed plx_dma (in-use unbind, drivers/dma/plx_dma.c) ----------------------

def plx_dma_prep_memcpy(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    spin_lock_bh(plxdev.ring_lock)
    if not plxdev.ring_active:
        spin_unlock_bh(plxdev.ring_lock)
        return -ENODEV                  # the client sees a failed prep
    plxdev.pending = 1
    plxdev.result = DMA_IN_PROGRESS
    spin_unlock_bh(plxdev.ring_lock)
    return 0


def plx_dma_issue_pending(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    rcu_read_lock()
    if plxdev.pdev is None:
        rcu_read_unlock()
        return
    mmio_write(plxdev.bar, PLX_REG_CTRL, 1)     # ring the doorbell
    rcu_read_unlock()


def plx_dma_tx_status(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    return plxdev.result                # dma_cookie_status(): memory only


def plx_dma_abort_desc(plxdev):
    # every outstanding descriptor completes with DMA_TRANS_ABORTED
    spin_lock_bh(plxdev.ring_lock)
    if plxdev.pending:
        plxdev.pending = 0
        plxdev.result = DMA_ERROR
    spin_unlock_bh(plxdev.ring_lock)


def plx_dma_release(dd):
    plxdev = container_of(dd, plx_dma_dev, "dma_dev")
    kfree(plxdev)


def plx_dma_remove(pdev):
    # plx_dma_remove() order [V plx_dma.c]: (free_irq), pdev = NULL + synchronize_rcu,
    # ring_active = false, stop, abort descriptors, bar = NULL, unregister.
    plxdev = pci_get_drvdata(pdev)
    plxdev.pdev = None
    synchronize_rcu()
    spin_lock_bh(plxdev.ring_lock)
    plxdev.ring_active = 0
    spin_unlock_bh(plxdev.ring_lock)
    plx_dma_abort_desc(plxdev)
    plxdev.bar = None
    dma_async_device_unregister(plxdev.dma_dev)


# ---- provider: legacy (no in-use unbind) ------------------------------------------------

def plx_dma_issue_pending_legacy(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    mmio_write(plxdev.bar, PLX_REG_CTRL, 1)


def plx_dma_tx_status_legacy(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    mmio_read(plxdev.bar, PLX_REG_STATUS)       # device_tx_status reads the hardware
    return plxdev.result


def plx_dma_remove_legacy(pdev):
    plxdev = pci_get_drvdata(pdev)
    dma_async_device_unregister(plxdev.dma_dev)
    kfree(plxdev)


def plx_dma_probe(pdev):
    plxdev = kzalloc(plx_dma_dev, GFP_KERNEL)
    pcim_enable_device(pdev)
    plxdev.bar = pcim_iomap_regions(pdev)
    plxdev.pdev = pdev
    plxdev.ring_active = 1
    plxdev.result = DMA_COMPLETE
    dd = plxdev.dma_dev
    dd.device_release = plx_dma_release
    dd.device_prep_dma_memcpy = plx_dma_prep_memcpy
    dd.device_issue_pending = plx_dma_issue_pending
    dd.device_tx_status = plx_dma_tx_status
    pci_set_drvdata(pdev, plxdev)
    dma_async_device_register(dd)
    return 0


def plx_dma_probe_legacy(pdev):
    plxdev = kzalloc(plx_dma_dev, GFP_KERNEL)
    pcim_enable_device(pdev)
    plxdev.bar = pcim_iomap_regions(pdev)
    plxdev.pdev = pdev
    plxdev.ring_active = 1
    plxdev.result = DMA_COMPLETE
    dd = plxdev.dma_dev
    dd.device_prep_dma_memcpy = plx_dma_prep_memcpy
    dd.device_issue_pending = plx_dma_issue_pending_legacy
    dd.device_tx_status = plx_dma_tx_status_legacy
    pci_set_drvdata(pdev, plxdev)
    dma_async_device_register(dd)
    return 0


# ---- actors ----------------------------------------------------------------------------

def client_request():
    # A client holds at most one channel: requesting again while holding one would leak
    # the first channel's reference (a client bug the fuzzer finds as a memory leak).
    if client.chan is not None:
        return
    client.chan = dma_request_channel()


def client_memcpy():
    chan = client.chan
    if chan is None:
        return
    if dmaengine_prep_dma_memcpy(chan) == 0:
        dma_async_issue_pending(chan)


def client_poll():
    chan = client.chan
    if chan is not None:
        client.status = dma_async_is_tx_complete(chan)


def client_release():
    chan = client.chan
    if chan is not None:
        client.chan = None
        dma_release_channel(chan)


def unbind_plx_dma():
    unbind_store(plx_dma_driver, world.pdev.dev)


def boot_dma():
    pci_driver_init()
    plx_dma_driver.probe = plx_dma_probe
    plx_dma_driver.remove = plx_dma_remove
    bus = kzalloc(pci_bus, GFP_KERNEL)
    pdev = pci_alloc_dev(bus, 0)
    pdev.match_driver = plx_dma_driver
    world.pdev = pdev
    pci_device_add(pdev, bus)
    pci_bus_add_device(pdev)


LEGACY = {
    dma_request_channel: dma_request_channel_2019,
    dma_release_channel: dma_release_channel_2019,
    dma_async_device_unregister: dma_async_device_unregister_2019,
    plx_dma_probe: plx_dma_probe_legacy,
    plx_dma_remove: plx_dma_remove_legacy,
}

dmaengine_unbind = Scenario(
    name="dmaengine-unbind",
    description=(
        "kernel-model.md C2. legacy (pre-2020 core, provider without in-use unbind): the "
        "module reference the client holds does not stop `unbind`; dma_async_device_unregister "
        "runs with client_count != 0 and WARNs (B13) -- after which .remove frees plxdev and "
        "devres unmaps the BAR under the client (its next poll is a use-after-free). "
        "inuse-unbind (Logan's 2020 core + plx_dma as merged): RCU-cleared pdev + "
        "synchronize_rcu fence MMIO, ring_active refuses new work, outstanding descriptors "
        "are aborted, and the dma_device kref frees plxdev only after the client's "
        "dma_release_channel: clean."
    ),
    actors=[
        Actor(
            name="client",
            actions=[Action(client_request, name="dma_request_channel"),
                     Action(client_memcpy, name="memcpy"),
                     Action(client_poll, name="tx_status"),
                     Action(client_release, name="dma_release_channel")],
            default=(0, 1, 2, 3), min=1, max=5,
        ),
        Thread(unbind_plx_dma, name="unbind"),
    ],
    boot=[boot_dma],
    variants={"legacy": LEGACY, "inuse-unbind": {}},
    default_variant="legacy",
    expect={"legacy": "WARNING", "inuse-unbind": "clean"},
)
