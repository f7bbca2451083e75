"""Benchmark model: a small char-device driver of realistic size, written to be CLEAN.

A PCI-like device `foo` with a private struct (kref'd, freed on the last put), a mutex that
guards an `alive` flag, a spinlock shared with the hardirq handler, a wait queue the reader
sleeps on (`wait_event_interruptible`) and that the IRQ handler and remove wake, an MMIO
mapping, and a requested interrupt line. Three actors race:

- `user`: one or two open/read x N/close sessions on the char device;
- `unbind`: a sysfs unbind that runs the driver's remove under the device lock;
- `irq`: the interrupt line firing one to four times, in hardirq context.

The remove path is ordered so that no interleaving finds anything: new opens are refused first
(cdev_del under the chrdev lock), then the device is marked dead under the mutex and sleepers are
woken, then the IRQ is freed and synchronised (no handler still runs), then the MMIO mapping
is unmapped, and the cdev's reference is dropped last; open files hold their own reference.
Every execution therefore runs to completion: the benchmark measures complete executions.
The `racy_alive` variant (the default is `clean`) tests `alive` without the mutex before the
last MMIO read; the benchmark uses it only to time the first finding.
"""

from pyfuzz.model import *

READS_PER_SESSION = 6
FOO_REG_STATUS = 0
FOO_REG_DATA = 1
FOO_REG_IRQ_ACK = 2


# ---- the bits of the kernel this driver touches (simplified, in the model language) ----


class IrqAction(Struct):
    handler: Func
    irq: int
    dev_id: Ref


class IrqDesc(Struct):
    lock: Spinlock
    action: Ref[IrqAction]
    in_progress: int
    count: int
    wait_for_threads: WaitQueue


class Cdev(Struct):
    lock: Mutex
    priv: Ref


class PciDev(Struct):
    dev_lock: Mutex
    drvdata: Ref
    bound: int
    irq: int


class File(Struct):
    private_data: Ref
    f_pos: int


# ---- the driver's private state ----


class FooDev(Struct):
    kref: Kref
    lock: Mutex
    alive: int
    irq_lock: Spinlock
    wq: WaitQueue
    data_ready: int
    irq_count: int
    head: int
    ring: Array[int, 8]
    reads: int
    mmio: Ref
    pdev: Ref[PciDev]


pdev0 = Global(PciDev)
foo_cdev = Global(Cdev)
irq_desc0 = Global(IrqDesc)


# ---- kernel helpers ----


def request_irq(desc, irq, handler, dev_id):
    action = kzalloc(IrqAction, GFP_KERNEL)
    if action is None:
        return -ENOMEM
    action.handler = handler
    action.irq = irq
    action.dev_id = dev_id
    flags = spin_lock_irqsave(desc.lock)
    desc.action = action
    spin_unlock_irqrestore(desc.lock, flags)
    return 0


def synchronize_irq(desc):
    wait_event(desc.wait_for_threads, desc.in_progress == 0)


def free_irq(desc, dev_id):
    flags = spin_lock_irqsave(desc.lock)
    action = desc.action
    if action is None or action.dev_id != dev_id:
        spin_unlock_irqrestore(desc.lock, flags)
        WARN(1, "Trying to free already-free IRQ")
        return
    desc.action = None
    spin_unlock_irqrestore(desc.lock, flags)
    synchronize_irq(desc)
    kfree(action)


def handle_irq_event(desc):
    """The flow handler: runs in hardirq context when the line fires."""
    spin_lock(desc.lock)
    action = desc.action
    if action is None:
        spin_unlock(desc.lock)
        return IRQ_NONE
    desc.in_progress = 1
    desc.count += 1
    spin_unlock(desc.lock)
    handler = action.handler
    ret = handler(action.irq, action.dev_id)
    spin_lock(desc.lock)
    desc.in_progress = 0
    spin_unlock(desc.lock)
    wake_up(desc.wait_for_threads)
    return ret


def cdev_add(cdev, priv):
    mutex_lock(cdev.lock)
    cdev.priv = priv
    mutex_unlock(cdev.lock)


def cdev_del(cdev):
    mutex_lock(cdev.lock)
    cdev.priv = None
    mutex_unlock(cdev.lock)


# ---- the driver ----


def foo_release(kref):
    priv = container_of(kref, FooDev, "kref")
    kfree(priv)


def foo_irq(irq, dev_id):
    priv = dev_id
    status = mmio_read(priv.mmio, FOO_REG_STATUS)
    mmio_write(priv.mmio, FOO_REG_IRQ_ACK, status + 1)
    spin_lock(priv.irq_lock)
    slot = priv.head % 8
    priv.ring[slot] = mmio_read(priv.mmio, FOO_REG_DATA) + priv.irq_count
    priv.head = priv.head + 1
    priv.irq_count += 1
    priv.data_ready = 1
    spin_unlock(priv.irq_lock)
    wake_up_interruptible(priv.wq)
    return IRQ_HANDLED


def foo_probe(pdev):
    priv = kzalloc(FooDev, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    kref_init(priv.kref)
    priv.pdev = pdev
    priv.mmio = ioremap(16)
    mmio_write(priv.mmio, FOO_REG_DATA, 7)
    priv.alive = 1
    rc = request_irq(irq_desc0, pdev.irq, foo_irq, priv)
    if rc:
        iounmap(priv.mmio)
        kfree(priv)
        return rc
    pdev.drvdata = priv
    cdev_add(foo_cdev, priv)
    return 0


def foo_remove(pdev):
    priv = pdev.drvdata
    # No new opens.
    cdev_del(foo_cdev)
    # Existing files see the device as dead, and sleepers wake up.
    mutex_lock(priv.lock)
    priv.alive = 0
    mutex_unlock(priv.lock)
    wake_up_interruptible(priv.wq)
    # No handler runs after this.
    free_irq(irq_desc0, priv)
    # Readers only touch MMIO under the mutex with alive set.
    iounmap(priv.mmio)
    pdev.drvdata = None
    kref_put(priv.kref, foo_release)


def foo_open(cdev, filp):
    mutex_lock(cdev.lock)
    priv = cdev.priv
    if priv is None:
        mutex_unlock(cdev.lock)
        return -ENODEV
    kref_get(priv.kref)
    mutex_unlock(cdev.lock)
    filp.private_data = priv
    return 0


def foo_read(filp):
    priv = filp.private_data
    mutex_lock(priv.lock)
    if not priv.alive:
        mutex_unlock(priv.lock)
        return -ENODEV
    priv.reads += 1
    mutex_unlock(priv.lock)
    rc = wait_event_interruptible(priv.wq, priv.data_ready or not priv.alive)
    if rc:
        return -ERESTARTSYS
    flags = spin_lock_irqsave(priv.irq_lock)
    total = 0
    n = priv.head
    if n > 8:
        n = 8
    for i in range(n):
        total += priv.ring[i]
    priv.data_ready = 0
    spin_unlock_irqrestore(priv.irq_lock, flags)
    mutex_lock(priv.lock)
    if priv.alive:
        total += mmio_read(priv.mmio, FOO_REG_STATUS)
    mutex_unlock(priv.lock)
    filp.f_pos += 1
    return total


def foo_read_racy(filp):
    """The `racy_alive` variant's read: the final MMIO access tests `alive` without the mutex,
    so remove can unmap the registers between the test and the access."""
    priv = filp.private_data
    mutex_lock(priv.lock)
    if not priv.alive:
        mutex_unlock(priv.lock)
        return -ENODEV
    priv.reads += 1
    mutex_unlock(priv.lock)
    rc = wait_event_interruptible(priv.wq, priv.data_ready or not priv.alive)
    if rc:
        return -ERESTARTSYS
    flags = spin_lock_irqsave(priv.irq_lock)
    total = 0
    n = priv.head
    if n > 8:
        n = 8
    for i in range(n):
        total += priv.ring[i]
    priv.data_ready = 0
    spin_unlock_irqrestore(priv.irq_lock, flags)
    if priv.alive:
        total += mmio_read(priv.mmio, FOO_REG_STATUS)
    filp.f_pos += 1
    return total


def foo_close(filp):
    priv = filp.private_data
    filp.private_data = None
    kref_put(priv.kref, foo_release)
    return 0


# ---- actors ----


def user_session(cdev, nreads):
    filp = kzalloc(File, GFP_KERNEL)
    rc = foo_open(cdev, filp)
    if rc:
        kfree(filp)
        return rc
    for i in range(nreads):
        rc = foo_read(filp)
        if rc < 0:
            break
    foo_close(filp)
    kfree(filp)
    return 0


def unbind_store(pdev):
    mutex_lock(pdev.dev_lock)
    if pdev.bound:
        foo_remove(pdev)
        pdev.bound = 0
    mutex_unlock(pdev.dev_lock)


def irq_line(desc):
    handle_irq_event(desc)


def boot_probe():
    lockdep_set_novalidate_class(pdev0.dev_lock)
    pdev0.irq = 17
    mutex_lock(pdev0.dev_lock)
    if foo_probe(pdev0) == 0:
        pdev0.bound = 1
    mutex_unlock(pdev0.dev_lock)


driver_bench = Scenario(
    name="driver_bench",
    description="char-device driver with probe/remove/read/IRQ; clean, for the benchmark",
    actors=[
        Actor(
            name="user",
            actions=[Action(user_session, (foo_cdev, READS_PER_SESSION), name="session")],
            default=(0, 0),
            min=1,
            max=2,
        ),
        Thread(unbind_store, pdev0, name="unbind"),
        Actor(
            name="irq",
            actions=[Action(irq_line, (irq_desc0,), name="fire")],
            default=(0, 0),
            min=1,
            max=4,
            context="hardirq",
        ),
    ],
    boot=[boot_probe],
    variants={"clean": {}, "racy_alive": {foo_read: foo_read_racy}},
    default_variant="clean",
    expect={"clean": "clean", "racy_alive": "BUG: unable to handle page fault"},
)
