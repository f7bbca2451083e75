"""dmaengine-unbind: unbinding a DMA provider (plx_dma) while a client uses its channel
(Logan Gunthorpe / Vinod Koul, 2019-11-14).

Topology: one PCI device bound to plx_dma (BAR via pcim_iomap_regions, released after
.remove; one MSI vector with plx_dma_isr requested on it). Actors: a client (request channel,
memcpy = prep + submit + issue_pending, poll status, release channel, and -- outside the
default workload -- wait for the descriptor's completion callback), `echo <bdf> >
/sys/bus/pci/drivers/plx_dma/unbind`, and -- outside the default workload -- the device
raising its completion MSI (hardirq).

Checked against drivers/dma/plx_dma.c (torvalds/linux): probe = pcim_enable_device,
pcim_iomap_regions, pci_alloc_irq_vectors(1), pci_set_master, then plx_dma_create:
request_irq(plx_dma_isr, plxdev), tasklet_setup(desc_task), pdev/bar, ops, register.
plx_dma_isr reads INTR_STATUS, schedules desc_task only while ring_active, acks the status.
desc_task = plx_dma_process_desc: under ring_lock, completes the descriptors the hardware
finished and invokes their callbacks. alloc_chan_resources programs the ring (under RCU, -ENODEV
once pdev is NULL) and sets ring_active; free_chan_resources clears ring_active, stops the
engine, synchronize_irq, tasklet_kill, aborts what is left. remove: free_irq, pdev = NULL +
synchronize_rcu, ring_active = false, stop, abort, bar = NULL, unregister,
pci_free_irq_vectors.
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
from pyfuzz.kernel.irq_domain import irq_domain_create_linear
from pyfuzz.kernel.irq_manage import free_irq, request_irq, synchronize_irq
from pyfuzz.kernel.pci_devres import pci_set_master, pcim_enable_device, pcim_iomap_regions
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_msi import PCI_IRQ_MSI, pci_alloc_irq_vectors, pci_free_irq_vectors
from pyfuzz.kernel.pci_msi import pci_irq_vector, pci_msi_set_caps
from pyfuzz.kernel.pci_msi import pci_msi_raise
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata

PLX_REG_CTRL = 0
PLX_REG_STATUS = 8
PLX_REG_INTR_STATUS = 16
PLX_REG_DESC_RING_COUNT = 24
PLX_REG_CTRL_START_VAL = 8          # PLX_REG_CTRL_START (+ write-back, descriptor mode)
PLX_REG_CTRL_RESET_VAL = 0x1600     # DESC_INVALID | GRACEFUL_PAUSE_DONE | ... (not running)
PLX_REG_CTRL_GRACEFUL_PAUSE = 1
PLX_REG_INTR_STATUS_DESC_DONE = 4
PLX_DMA_RING_COUNT = 2048


class plx_dma_dev(Struct):
    dma_dev: dma_device
    dma_chan: dma_chan
    pdev: Ref[pci_dev]          # RCU-protected; NULL once removed
    bar: Ref
    desc_task: Work             # the descriptor-completion tasklet, as a work item
    ring_lock: Spinlock
    ring_active: int
    # one descriptor slot (head - tail <= 1): outstanding, finished by the hardware (its
    # VALID bit cleared in the coherent ring), its status and its txd callback
    pending: int
    hw_done: int
    result: int
    callback: Func
    callback_param: Ref


class client_t(Struct):
    chan: Ref[dma_chan]
    status: int
    done: Completion            # completed by the descriptor's callback


class topology(Struct):
    bus: Ref[pci_bus]
    pdev: Ref[pci_dev]


plx_dma_driver = Global(device_driver, name="plx_dma_driver")
client = Global(client_t, name="client")
world = Global(topology, name="world")


@infra
def chan_to_plx_dma_dev(chan):
    return container_of(chan, plx_dma_dev, "dma_chan")


@infra
def dmaengine_desc_callback_invoke(plxdev):
    # dmaengine_desc_get_callback_invoke(), then txd.callback = NULL
    cb = plxdev.callback
    plxdev.callback = None
    if cb is not None:
        cb(plxdev.callback_param)


# ---- provider: fixed plx_dma (in-use unbind, drivers/dma/plx_dma.c) ----------------------

def plx_dma_process_desc(plxdev):
    # complete the descriptors the engine finished: result DMA_COMPLETE, callback invoked
    # (under ring_lock, as plx_dma does)
    spin_lock_bh(plxdev.ring_lock)
    if plxdev.pending and plxdev.hw_done:
        plxdev.pending = 0
        plxdev.hw_done = 0
        plxdev.result = DMA_COMPLETE
        dmaengine_desc_callback_invoke(plxdev)
    spin_unlock_bh(plxdev.ring_lock)


def plx_dma_abort_desc(plxdev):
    # finished descriptors complete normally, every other one with DMA_TRANS_ABORTED
    plx_dma_process_desc(plxdev)
    spin_lock_bh(plxdev.ring_lock)
    if plxdev.pending:
        plxdev.pending = 0
        plxdev.result = DMA_ERROR
        dmaengine_desc_callback_invoke(plxdev)
    spin_unlock_bh(plxdev.ring_lock)


def __plx_dma_stop(plxdev):
    # graceful pause of the engine, then the ring registers cleared
    val = mmio_read(plxdev.bar, PLX_REG_CTRL)
    if not (val & ~PLX_REG_CTRL_GRACEFUL_PAUSE):
        return
    mmio_write(plxdev.bar, PLX_REG_CTRL, PLX_REG_CTRL_RESET_VAL | PLX_REG_CTRL_GRACEFUL_PAUSE)
    mmio_write(plxdev.bar, PLX_REG_DESC_RING_COUNT, 0)


def plx_dma_stop(plxdev):
    rcu_read_lock()
    if plxdev.pdev is None:
        rcu_read_unlock()
        return
    __plx_dma_stop(plxdev)
    rcu_read_unlock()


def plx_dma_desc_task(work):
    # The tasklet (tasklet_setup/tasklet_schedule/tasklet_kill in plx_dma.c) is modelled as a
    # work item: init_work / schedule_work from the ISR / cancel_work_sync, run by a worker
    # in work context rather than softirq.  Its body takes only ring_lock (spin_lock_bh)
    # and never sleeps, so the contexts differ for no oracle.
    plxdev = container_of(work, plx_dma_dev, "desc_task")
    plx_dma_process_desc(plxdev)


def plx_dma_isr(irq, plxdev):
    status = mmio_read(plxdev.bar, PLX_REG_INTR_STATUS)
    if not status:
        return IRQ_NONE
    if status & PLX_REG_INTR_STATUS_DESC_DONE and plxdev.ring_active:
        schedule_work(plxdev.desc_task)         # tasklet_schedule(&plxdev->desc_task)
    mmio_write(plxdev.bar, PLX_REG_INTR_STATUS, 0)  # write-1-to-clear what was seen
    return IRQ_HANDLED


def plx_dma_alloc_chan_resources(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    plxdev.pending = 0                  # head = tail = 0
    rcu_read_lock()
    if plxdev.pdev is None:
        rcu_read_unlock()
        return -ENODEV
    mmio_write(plxdev.bar, PLX_REG_CTRL, PLX_REG_CTRL_RESET_VAL)
    mmio_write(plxdev.bar, PLX_REG_DESC_RING_COUNT, PLX_DMA_RING_COUNT)
    plxdev.ring_active = 1
    rcu_read_unlock()
    return PLX_DMA_RING_COUNT


def plx_dma_free_chan_resources(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    spin_lock_bh(plxdev.ring_lock)
    plxdev.ring_active = 0
    spin_unlock_bh(plxdev.ring_lock)
    plx_dma_stop(plxdev)
    irq = -1
    rcu_read_lock()
    pdev = plxdev.pdev
    if pdev is not None:
        irq = pci_irq_vector(pdev, 0)
    rcu_read_unlock()
    if irq > 0:
        synchronize_irq(irq)            # an ISR that saw ring_active has returned
    cancel_work_sync(plxdev.desc_task)  # tasklet_kill(&plxdev->desc_task)
    plx_dma_abort_desc(plxdev)


def plx_dma_prep_memcpy(chan, callback, param):
    # prep (returns with ring_lock held), the client sets txd->callback, tx_submit sets the
    # descriptor VALID and drops ring_lock
    plxdev = chan_to_plx_dma_dev(chan)
    spin_lock_bh(plxdev.ring_lock)
    if not plxdev.ring_active:
        spin_unlock_bh(plxdev.ring_lock)
        return -ENODEV                  # the client sees a failed prep
    plxdev.pending = 1
    plxdev.hw_done = 0
    plxdev.result = DMA_IN_PROGRESS
    plxdev.callback = callback
    plxdev.callback_param = param
    spin_unlock_bh(plxdev.ring_lock)
    return 0


@infra
def plx_dma_start_engine(plxdev):
    mmio_write(plxdev.bar, PLX_REG_CTRL, PLX_REG_CTRL_START_VAL)    # the doorbell
    # Hardware, folded into the doorbell: the engine runs the valid descriptor, clears its
    # VALID bit in the coherent ring and latches DESC_DONE in INTR_STATUS; the MSI itself is
    # the `irq` actor.
    plxdev.hw_done = plxdev.pending
    mmio_write(plxdev.bar, PLX_REG_INTR_STATUS, PLX_REG_INTR_STATUS_DESC_DONE)


def plx_dma_issue_pending(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    rcu_read_lock()
    if plxdev.pdev is None:
        rcu_read_unlock()
        return
    plx_dma_start_engine(plxdev)
    rcu_read_unlock()


def plx_dma_tx_status(chan):
    # dma_cookie_status() (memory only); not complete -> plx_dma_process_desc() and again
    plxdev = chan_to_plx_dma_dev(chan)
    ret = plxdev.result
    if ret == DMA_COMPLETE:
        return ret
    plx_dma_process_desc(plxdev)
    return plxdev.result


def plx_dma_release(dd):
    plxdev = container_of(dd, plx_dma_dev, "dma_dev")
    kfree(plxdev)


def plx_dma_remove(pdev):
    # plx_dma_remove() order [V plx_dma.c]: free_irq, pdev = NULL + synchronize_rcu,
    # ring_active = false, stop, abort descriptors, bar = NULL, unregister, free vectors.
    plxdev = pci_get_drvdata(pdev)
    free_irq(pci_irq_vector(pdev, 0), plxdev)
    plxdev.pdev = None
    synchronize_rcu()
    spin_lock_bh(plxdev.ring_lock)
    plxdev.ring_active = 0
    spin_unlock_bh(plxdev.ring_lock)
    __plx_dma_stop(plxdev)
    plx_dma_abort_desc(plxdev)
    plxdev.bar = None
    dma_async_device_unregister(plxdev.dma_dev)
    pci_free_irq_vectors(pdev)


def plx_dma_create(pdev, bar):
    plxdev = kzalloc(plx_dma_dev, GFP_KERNEL)
    rc = request_irq(pci_irq_vector(pdev, 0), plx_dma_isr, plxdev)
    if rc:
        kfree(plxdev)
        return rc
    init_work(plxdev.desc_task, plx_dma_desc_task)     # tasklet_setup()
    plxdev.pdev = pdev
    plxdev.bar = bar
    plxdev.result = DMA_COMPLETE
    dd = plxdev.dma_dev
    dd.device_alloc_chan_resources = plx_dma_alloc_chan_resources
    dd.device_free_chan_resources = plx_dma_free_chan_resources
    dd.device_prep_dma_memcpy = plx_dma_prep_memcpy
    dd.device_issue_pending = plx_dma_issue_pending
    dd.device_tx_status = plx_dma_tx_status
    dd.device_release = plx_dma_release
    chan = plxdev.dma_chan
    chan.device = dd
    list_add_tail(chan.device_node, dd.channels)
    dma_async_device_register(dd)
    pci_set_drvdata(pdev, plxdev)
    return 0


def plx_dma_probe(pdev):
    pcim_enable_device(pdev)
    bar = pcim_iomap_regions(pdev)
    pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI)
    pci_set_master(pdev)
    rc = plx_dma_create(pdev, bar)
    if rc:
        pci_free_irq_vectors(pdev)
    return rc


# ---- provider: legacy (no in-use unbind) ------------------------------------------------

def plx_dma_issue_pending_legacy(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    plx_dma_start_engine(plxdev)


def plx_dma_tx_status_legacy(chan):
    plxdev = chan_to_plx_dma_dev(chan)
    mmio_read(plxdev.bar, PLX_REG_STATUS)       # device_tx_status reads the hardware
    return plxdev.result


def plx_dma_remove_legacy(pdev):
    # no fence for users: free_irq, unregister, free the state, free the vectors
    plxdev = pci_get_drvdata(pdev)
    free_irq(pci_irq_vector(pdev, 0), plxdev)
    dma_async_device_unregister(plxdev.dma_dev)
    kfree(plxdev)
    pci_free_irq_vectors(pdev)


def plx_dma_create_legacy(pdev, bar):
    plxdev = kzalloc(plx_dma_dev, GFP_KERNEL)
    rc = request_irq(pci_irq_vector(pdev, 0), plx_dma_isr, plxdev)
    if rc:
        kfree(plxdev)
        return rc
    init_work(plxdev.desc_task, plx_dma_desc_task)
    plxdev.pdev = pdev
    plxdev.bar = bar
    plxdev.result = DMA_COMPLETE
    dd = plxdev.dma_dev
    dd.device_alloc_chan_resources = plx_dma_alloc_chan_resources
    dd.device_free_chan_resources = plx_dma_free_chan_resources
    dd.device_prep_dma_memcpy = plx_dma_prep_memcpy
    dd.device_issue_pending = plx_dma_issue_pending_legacy
    dd.device_tx_status = plx_dma_tx_status_legacy
    chan = plxdev.dma_chan
    chan.device = dd
    list_add_tail(chan.device_node, dd.channels)
    dma_async_device_register(dd)
    pci_set_drvdata(pdev, plxdev)
    return 0


# ---- actors ----------------------------------------------------------------------------

def client_dma_callback(param):
    # the client's txd->callback: runs in the tasklet (or in the provider's abort path)
    complete(client.done)


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
    reinit_completion(client.done)
    if dmaengine_prep_dma_memcpy(chan, client_dma_callback, None) == 0:
        dma_async_issue_pending(chan)


def client_poll():
    chan = client.chan
    if chan is not None:
        client.status = dma_async_is_tx_complete(chan)


def client_wait():
    # wait for the callback, with a timeout as dmatest does (the descriptor may never have
    # been submitted, or its MSI never come)
    if client.chan is not None:
        wait_for_completion_timeout(client.done, 1)


def client_release():
    chan = client.chan
    if chan is not None:
        client.chan = None
        dma_release_channel(chan)


def unbind_plx_dma():
    unbind_store(plx_dma_driver, world.pdev.dev)


def plx_dma_msi():
    # the engine raises its completion vector (while bus mastering and MSI are enabled)
    pci_msi_raise(world.pdev, 0)


def boot_dma():
    pci_driver_init()
    plx_dma_driver.probe = plx_dma_probe
    plx_dma_driver.remove = plx_dma_remove
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = irq_domain_create_linear(4)
    world.bus = bus
    pdev = pci_alloc_dev(bus, 0)
    pci_msi_set_caps(pdev, 1, 0)            # one MSI vector, no MSI-X
    pdev.match_driver = plx_dma_driver
    world.pdev = pdev
    pci_device_add(pdev, bus)
    pci_bus_add_device(pdev)


LEGACY = {
    dma_request_channel: dma_request_channel_2019,
    dma_release_channel: dma_release_channel_2019,
    dma_async_device_unregister: dma_async_device_unregister_2019,
    plx_dma_create: plx_dma_create_legacy,
    plx_dma_remove: plx_dma_remove_legacy,
}

dmaengine_unbind = Scenario(
    name="dmaengine-unbind",
    description=(
        "`echo <bdf> > .../plx_dma/unbind` while a client holds a channel "
        "mid-transfer; plx_dma has its completion MSI (plx_dma_isr, requested in probe) and a "
        "descriptor-completion tasklet (modelled as a work item) that completes the descriptor "
        "and calls the client's callback; the core calls alloc/free_chan_resources at the "
        "first/last channel reference. legacy (pre-2020 core, provider without in-use "
        "unbind): the module reference the client holds does not stop `unbind`; "
        "dma_async_device_unregister runs with client_count != 0 and WARNs (B13) -- after "
        "which .remove frees plxdev and devres unmaps the BAR under the client (its next poll "
        "or release, or a tasklet the ISR queued, is a use-after-free). inuse-unbind (Logan's "
        "2020 core + plx_dma as merged, with dma_release_channel dropping the device "
        "reference last as in the 2026 follow-up fix): free_irq first, RCU-cleared pdev + "
        "synchronize_rcu fence MMIO, ring_active stops new work and tasklet scheduling, "
        "outstanding descriptors are aborted, free_chan_resources (synchronize_irq + "
        "tasklet_kill) runs at the client's last dma_release_channel and the dma_device kref "
        "frees plxdev after it: clean."
    ),
    actors=[
        Actor(
            name="client",
            actions=[Action(client_request, name="dma_request_channel"),
                     Action(client_memcpy, name="memcpy"),
                     Action(client_poll, name="tx_status"),
                     Action(client_release, name="dma_release_channel"),
                     Action(client_wait, name="wait")],
            default=(0, 1, 2, 3), min=1, max=5,
        ),
        Thread(unbind_plx_dma, name="unbind"),
        # the completion MSI: outside the default workload (verify), fired 0-2 times by the
        # randomized strategies
        Actor(name="irq", actions=[Action(plx_dma_msi, name="MSI")],
              default=(), min=0, max=2, context="hardirq"),
    ],
    boot=[boot_dma],
    variants={"legacy": LEGACY, "inuse-unbind": {}},
    default_variant="legacy",
    expect={"legacy": "WARNING", "inuse-unbind": "clean"},
)
