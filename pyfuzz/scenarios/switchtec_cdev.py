"""switchtec-cdev: unbinding the switchtec PCI driver while a process has /dev/switchtec0 open.

The switchtec v4/v5 patches (2017). The 2017 kernel: pcim_release disables MSI and
free_msi_irqs has BUG_ON(irq_has_action).

Actors (issue 3): a user process (open, read = submit an MRPC command and wait for its
completion, close, poll), `unbind`, and the switch raising its event MSI (hardirq).
Checked against drivers/pci/switch/switchtec.c (torvalds/linux): switchtec_event_isr schedules
mrpc_work on an MRPC completion and wakes event_wq on events; mrpc_event_work takes mrpc_mutex
and completes the queue head; stdev_kill does pci_clear_master, cancels only mrpc_timeout,
clears alive and completes queued users; switchtec_pci_remove ends with put_device(&stdev->dev)
while the IRQ is devm on the pci_dev (freed after .remove) -- no synchronize_irq, no
cancel_work_sync(&stdev->mrpc_work).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize
from pyfuzz.kernel.base_dd import device_del
from pyfuzz.kernel.base_core import get_device, put_device
from pyfuzz.kernel.base_dd import device_driver, unbind_store
from pyfuzz.kernel.char_dev import __fput, cdev, cdev_add, cdev_del, cdev_init, chrdev_open, file
from pyfuzz.kernel.irq_devres import devm_free_irq, devm_request_irq
from pyfuzz.kernel.irq_domain import irq_domain_create_linear
from pyfuzz.kernel.pci_devres import pci_clear_master, pci_set_master, pcim_enable_device
from pyfuzz.kernel.pci_devres import pcim_enable_device_2017, pcim_iomap_regions
from pyfuzz.kernel.pci_driver import pci_driver_init
from pyfuzz.kernel.pci_intx import pci_intx, pci_intx_pre611
from pyfuzz.kernel.pci_msi import PCI_IRQ_MSI, free_msi_irqs, free_msi_irqs_2017
from pyfuzz.kernel.pci_msi import pci_alloc_irq_vectors, pci_msi_set_caps
from pyfuzz.kernel.pci_msi import pci_irq_vector, pci_msi_raise, pci_setup_msi_context
from pyfuzz.kernel.pci_msi import pci_setup_msi_context_2017
from pyfuzz.kernel.pci_probe import pci_alloc_dev, pci_bus, pci_bus_add_device, pci_dev
from pyfuzz.kernel.pci_probe import pci_device_add, pci_get_drvdata, pci_set_drvdata

MRPC_CMD = 0
POLLIN = 1
POLLPRI = 2
POLLERR = 8


class switchtec_dev(Struct):
    pdev: Ref[pci_dev]
    dev: device                 # the class device behind /dev/switchtec0, refcounted
    cdev: cdev
    mrpc_mutex: Mutex
    mrpc_queue: ListHead
    alive: int
    mmio: Ref
    irq: int
    event_wq: WaitQueue
    event_cnt: int              # atomic_t event_cnt
    mrpc_work: Work             # mrpc_event_work, scheduled by the ISR
    ops_sem: RwSem              # only used by the tpm-fence variant


class switchtec_user(Struct):
    stdev: Ref[switchtec_dev]
    list: ListHead
    comp: Completion
    event_cnt: int


class topology(Struct):
    bus: Ref[pci_bus]
    pdev: Ref[pci_dev]
    fd: Ref[file]               # the user process's open file


switchtec_driver = Global(device_driver, name="switchtec_driver")
world = Global(topology, name="world")


# ---- driver: probe --------------------------------------------------------------------

def stdev_release(dev):
    stdev = container_of(dev, switchtec_dev, "dev")
    kfree(stdev)


def stdev_create(pdev):
    stdev = kzalloc(switchtec_dev, GFP_KERNEL)
    stdev.pdev = pdev
    stdev.alive = 1
    init_work(stdev.mrpc_work, mrpc_event_work)
    device_initialize(stdev.dev, stdev_release)
    cdev_init(stdev.cdev, switchtec_dev_open, switchtec_dev_release)
    return stdev


def mrpc_complete_cmd(stdev):
    # requires mrpc_mutex: complete the command at the head of the queue  [V switchtec.c]
    n = list_first(stdev.mrpc_queue)
    if n is None:
        return
    stuser = container_of(n, switchtec_user, "list")
    mmio_read(stdev.mmio, MRPC_CMD)             # the MRPC status and output data
    complete_all(stuser.comp)
    list_del_init(n)


def mrpc_event_work(work):
    stdev = container_of(work, switchtec_dev, "mrpc_work")
    mutex_lock(stdev.mrpc_mutex)
    mrpc_complete_cmd(stdev)
    mutex_unlock(stdev.mrpc_mutex)


def switchtec_event_isr(irq, stdev):
    # switchtec_event_isr() [V switchtec.c]: an MRPC completion (mrpc_comp_hdr) schedules
    # mrpc_work and acks it; other events bump event_cnt and wake event_wq (poll).
    reg = mmio_read(stdev.mmio, MRPC_CMD)
    if reg:
        schedule_work(stdev.mrpc_work)
        mmio_write(stdev.mmio, MRPC_CMD, 0)
    stdev.event_cnt += 1
    wake_up_interruptible(stdev.event_wq)
    return IRQ_HANDLED


def switchtec_init_isr(stdev):
    # v5 as merged: the IRQ is managed on the pci_dev, added after the vectors, so LIFO
    # frees it before the vectors at unbind whatever files are open.  [V switchtec.c]
    pdev = stdev.pdev
    stdev.irq = pci_irq_vector(pdev, 0)
    return devm_request_irq(pdev.dev, stdev.irq, switchtec_event_isr, stdev)


def switchtec_init_isr_v4(stdev):
    # v4: devm_request_irq(&stdev->dev, ...): the node sits on the refcounted class device.
    pdev = stdev.pdev
    stdev.irq = pci_irq_vector(pdev, 0)
    return devm_request_irq(stdev.dev, stdev.irq, switchtec_event_isr, stdev)


def switchtec_pci_probe(pdev):
    stdev = stdev_create(pdev)
    pcim_enable_device(pdev)
    pci_set_master(pdev)
    stdev.mmio = pcim_iomap_regions(pdev)
    pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI)
    switchtec_init_isr(stdev)
    pci_set_drvdata(pdev, stdev)
    cdev_add(stdev.cdev, stdev.dev)
    device_add(stdev.dev, pdev.dev)
    return 0


# ---- driver: remove ---------------------------------------------------------------------

def stdev_kill(stdev):
    # v5: stop the device raising MSIs, then under mrpc_mutex clear alive and complete every
    # queued user, then wake pollers.  [V switchtec.c stdev_kill]
    pci_clear_master(stdev.pdev)
    mutex_lock(stdev.mrpc_mutex)
    stdev.alive = 0
    n = list_first(stdev.mrpc_queue)
    while n is not None:
        stuser = container_of(n, switchtec_user, "list")
        complete_all(stuser.comp)
        list_del_init(n)
        n = list_first(stdev.mrpc_queue)
    mutex_unlock(stdev.mrpc_mutex)
    wake_up_interruptible(stdev.event_wq)


def stdev_kill_no_wakeup(stdev):
    # a v5 without the completion of queued users: readers stay asleep.
    pci_clear_master(stdev.pdev)
    mutex_lock(stdev.mrpc_mutex)
    stdev.alive = 0
    mutex_unlock(stdev.mrpc_mutex)
    wake_up_interruptible(stdev.event_wq)


def stdev_kill_tpm(stdev):
    # the TPM-style strong fence: down_write waits out every fop inside ops_sem.
    pci_clear_master(stdev.pdev)
    down_write(stdev.ops_sem)
    stdev.alive = 0
    mutex_lock(stdev.mrpc_mutex)
    n = list_first(stdev.mrpc_queue)
    while n is not None:
        stuser = container_of(n, switchtec_user, "list")
        complete_all(stuser.comp)
        list_del_init(n)
        n = list_first(stdev.mrpc_queue)
    mutex_unlock(stdev.mrpc_mutex)
    up_write(stdev.ops_sem)
    wake_up_interruptible(stdev.event_wq)      # as v5: pollers re-check and see !alive


def switchtec_pci_remove(pdev):
    # v5 order: drvdata NULL, device_del, cdev_del, stdev_kill, put_device.  [V C5]
    stdev = pci_get_drvdata(pdev)
    pci_set_drvdata(pdev, None)
    device_del(stdev.dev)
    cdev_del(stdev.cdev)
    stdev_kill(stdev)
    put_device(stdev.dev)


def switchtec_pci_remove_quiesce(pdev):
    # v5 plus quiescing the interrupt path before the last reference can go: devm_free_irq
    # (free_irq waits for a handler in flight, and no new one can schedule mrpc_work), then
    # cancel_work_sync(mrpc_work), then put_device.  Not upstream: the fix the model asks for.
    stdev = pci_get_drvdata(pdev)
    pci_set_drvdata(pdev, None)
    device_del(stdev.dev)
    cdev_del(stdev.cdev)
    stdev_kill(stdev)
    devm_free_irq(pdev.dev, stdev.irq, stdev)
    cancel_work_sync(stdev.mrpc_work)
    put_device(stdev.dev)


def switchtec_pci_remove_v4(pdev):
    stdev = pci_get_drvdata(pdev)
    pci_set_drvdata(pdev, None)
    device_del(stdev.dev)
    cdev_del(stdev.cdev)
    put_device(stdev.dev)


# ---- driver: file operations ------------------------------------------------------------

def switchtec_dev_open(c, filp):
    stdev = container_of(c, switchtec_dev, "cdev")
    stuser = kzalloc(switchtec_user, GFP_KERNEL)
    stuser.stdev = stdev
    get_device(stdev.dev)
    init_completion(stuser.comp)
    stuser.event_cnt = stdev.event_cnt
    filp.private_data = stuser
    return 0


def switchtec_dev_release(c, filp):
    stuser = filp.private_data
    stdev = stuser.stdev
    mutex_lock(stdev.mrpc_mutex)
    list_del_init(stuser.list)
    mutex_unlock(stdev.mrpc_mutex)
    put_device(stdev.dev)
    kfree(stuser)


def lock_mutex_and_test_alive(stdev):
    # v5: mutex_lock_interruptible, then -ENODEV if !alive  [V name]
    mutex_lock_interruptible(stdev.mrpc_mutex)
    if not stdev.alive:
        mutex_unlock(stdev.mrpc_mutex)
        return -ENODEV
    return 0


def lock_mutex_and_test_alive_unlocked(stdev):
    # tests alive before taking the mutex: remove can run in between.
    if not stdev.alive:
        return -ENODEV
    mutex_lock_interruptible(stdev.mrpc_mutex)
    return 0


def tpm_lock_and_test_alive(stdev):
    down_read(stdev.ops_sem)
    if not stdev.alive:
        up_read(stdev.ops_sem)
        return -ENODEV
    mutex_lock(stdev.mrpc_mutex)
    return 0


@infra
def unlock_mrpc(stdev):
    mutex_unlock(stdev.mrpc_mutex)


@infra
def tpm_unlock(stdev):
    mutex_unlock(stdev.mrpc_mutex)
    up_read(stdev.ops_sem)


def switchtec_dev_read(filp):
    stuser = filp.private_data
    stdev = stuser.stdev
    rc = lock_mutex_and_test_alive(stdev)
    if rc:
        return rc
    reinit_completion(stuser.comp)              # mrpc_queue_cmd(): init_completion
    mmio_write(stdev.mmio, MRPC_CMD, 1)         # submit the MRPC command
    list_add_tail(stuser.list, stdev.mrpc_queue)
    unlock_mrpc(stdev)
    rc = wait_for_completion_interruptible(stuser.comp)
    if rc < 0:
        return rc
    rc = lock_mutex_and_test_alive(stdev)
    if rc:
        return rc
    v = mmio_read(stdev.mmio, MRPC_CMD)
    unlock_mrpc(stdev)
    return v


def switchtec_dev_poll(filp):
    # switchtec_dev_poll() under do_poll(): poll_wait() registers on event_wq (and on the
    # command's completion, whose wake-up the model leaves to event_wq), then the alive
    # check under the mutex; nothing ready -> sleep interruptibly and poll again.
    stuser = filp.private_data
    stdev = stuser.stdev
    ret = 0
    for i in range(2):
        wq_prepare(stdev.event_wq)
        rc = lock_mutex_and_test_alive(stdev)
        if rc:
            wq_finish(stdev.event_wq)
            return POLLERR
        unlock_mrpc(stdev)
        if completion_done(stuser.comp):
            ret = ret | POLLIN
        if stuser.event_cnt != stdev.event_cnt:
            ret = ret | POLLPRI
        if ret or i == 1:
            wq_finish(stdev.event_wq)
            return ret
        wq_wait(stdev.event_wq, 1)
        wq_finish(stdev.event_wq)
    return ret


# ---- the user process, the admin and the device --------------------------------------- ---------------------------------------------------

def user_open():
    if world.fd is None:
        world.fd = chrdev_open()


def user_read():
    filp = world.fd
    if filp is not None:
        switchtec_dev_read(filp)


def user_poll():
    filp = world.fd
    if filp is not None:
        switchtec_dev_poll(filp)


def user_close():
    filp = world.fd
    if filp is not None:
        world.fd = None
        __fput(filp)


def admin_unbind():
    unbind_store(switchtec_driver, world.pdev.dev)


def switchtec_msi():
    # The switch raises its event vector (an MRPC completion or a switch event): while
    # bus mastering and MSI are enabled, the CPU runs the vector's handler.
    pci_msi_raise(world.pdev, 0)


def boot_switchtec():
    pci_driver_init()
    switchtec_driver.probe = switchtec_pci_probe
    switchtec_driver.remove = switchtec_pci_remove
    bus = kzalloc(pci_bus, GFP_KERNEL)
    bus.msi_domain = irq_domain_create_linear(4)
    world.bus = bus
    pdev = pci_alloc_dev(bus, 0)
    pci_msi_set_caps(pdev, 1, 0)            # one MSI vector, no MSI-X
    pdev.match_driver = switchtec_driver
    world.pdev = pdev
    pci_device_add(pdev, bus)
    pci_bus_add_device(pdev)


KERNEL_2017 = {
    pcim_enable_device: pcim_enable_device_2017,
    pci_setup_msi_context: pci_setup_msi_context_2017,
    free_msi_irqs: free_msi_irqs_2017,
    pci_intx: pci_intx_pre611,
}

QUIESCE = {**KERNEL_2017, switchtec_pci_remove: switchtec_pci_remove_quiesce}

switchtec_cdev = Scenario(
    name="switchtec-cdev",
    description=(
        "`echo <bdf> > .../switchtec/unbind` while a process has "
        "/dev/switchtec0 open, blocked in read() on an MRPC command or in poll(), and the switch "
        "raises its event MSI (ISR -> mrpc_work completes the command) (2017 kernel: "
        "pcim_release frees the MSI vectors, free_msi_irqs BUG_ONs on a live action). v4 "
        "registers the IRQ with devm on the class device, so the open file delays its free_irq "
        "past the vector teardown: kernel BUG in free_msi_irqs. v5 (as merged; the upstream "
        "snapshot checked has the same remove path) fixes that and fences fops with `alive` "
        "under mrpc_mutex, but .remove drops the class device's last reference (stdev freed, or at the last close) before the devm "
        "free_irq, and never cancels mrpc_work: an ISR in flight across .remove, or mrpc_work "
        "the ISR scheduled, runs on the freed stdev (KASAN use-after-free; pci_clear_master "
        "only stops new MSIs). irq-quiesce = v5 + devm_free_irq and cancel_work_sync(mrpc_work) "
        "before the put_device in .remove: clean. On top of irq-quiesce: alive-unlocked tests "
        "`alive` before taking the mutex: the read touches the BAR after the devres unmap. "
        "no-wakeup never completes queued users: the reader is stranded. tpm-fence replaces the "
        "alive check with TPM's down_read/down_write(ops_sem): clean."
    ),
    actors=[
        Actor(
            name="user",
            actions=[Action(user_open, name="open"), Action(user_read, name="read"),
                     Action(user_close, name="close"), Action(user_poll, name="poll")],
            default=(0, 1, 2), min=1, max=4,
        ),
        Thread(admin_unbind, name="unbind"),
        # one MSI in the default workload (v5's residual interrupt race needs it); the
        # randomized strategies fire it 0-2 times
        Actor(name="irq", actions=[Action(switchtec_msi, name="MSI")],
              default=(0,), min=0, max=2, context="hardirq"),
    ],
    boot=[boot_switchtec],
    variants={
        "v4": {**KERNEL_2017, switchtec_pci_remove: switchtec_pci_remove_v4,
               switchtec_init_isr: switchtec_init_isr_v4},
        "v5": dict(KERNEL_2017),
        # the remaining variants change one thing each on top of v5 with its interrupt path
        # quiesced (QUIESCE), so that each shows (or fixes) only its own bug
        "alive-unlocked": {**QUIESCE,
                           lock_mutex_and_test_alive: lock_mutex_and_test_alive_unlocked},
        "no-wakeup": {**QUIESCE, stdev_kill: stdev_kill_no_wakeup},
        "tpm-fence": {**QUIESCE, lock_mutex_and_test_alive: tpm_lock_and_test_alive,
                      unlock_mrpc: tpm_unlock, stdev_kill: stdev_kill_tpm},
        "irq-quiesce": dict(QUIESCE),
    },
    default_variant="v4",
    expect={
        "v4": "kernel BUG",
        "v5": "KASAN: slab-use-after-free",
        "alive-unlocked": "BUG: unable to handle",
        "no-wakeup": "stranded waiter",
        "tpm-fence": "clean",
        "irq-quiesce": "clean",
    },
)
