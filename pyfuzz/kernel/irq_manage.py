"""kernel/irq/irqdesc.c, manage.c, proc.c, chip.c: IRQ descriptors, actions and delivery.

`free_irq` follows kernel/irq/manage.c [V]: a missing descriptor returns
silently; a missing action is "Trying to free already-free IRQ"; running handlers are waited
for (__synchronize_hardirq) before the action is freed.  Descriptors live in a global table
(`irq_table`, the sparse irq tree) guarded by sparse_irq_lock.
"""

from pyfuzz.model import *

NR_IRQS = 8


class irqaction(Struct):
    handler: Func           # handler(irq, dev_id)
    dev_id: Ref


class irq_desc(Struct):
    irq: int
    action: Ref[irqaction]
    request_mutex: Mutex
    lock: Spinlock
    domain: Ref
    hwirq: int
    in_progress: int        # IRQD_IRQ_INPROGRESS
    wait_for_threads: WaitQueue


class irq_sparse(Struct):
    descs: Array[Ref[irq_desc], NR_IRQS]
    sparse_irq_lock: Mutex


irq_table = Global(irq_sparse, name="irq_table")


@infra
def irq_to_desc(irq):
    if irq <= 0 or irq >= NR_IRQS:
        return None
    return irq_table.descs[irq]


@infra
def irq_has_action(irq):
    desc = irq_to_desc(irq)
    return desc is not None and desc.action is not None


def irq_alloc_desc(domain, hwirq):
    # irqdesc.c irq_alloc_descs(): a new descriptor in the sparse tree.
    mutex_lock(irq_table.sparse_irq_lock)
    irq = 0
    for i in range(1, NR_IRQS):
        if irq == 0 and irq_table.descs[i] is None:
            irq = i
    if irq:
        desc = kzalloc(irq_desc, GFP_KERNEL)
        desc.irq = irq
        desc.domain = domain
        desc.hwirq = hwirq
        irq_table.descs[irq] = desc
    mutex_unlock(irq_table.sparse_irq_lock)
    return irq


def unregister_irq_proc(desc):
    # proc.c: removing /proc/irq/N while an action's directory is still in it.
    # [V message of commit f6cb7828c8e1]
    if desc.action is not None:
        WARN(1, "remove_proc_entry: removing non-empty directory 'irq/N', leaking at least 'handler'")


def irq_free_desc(irq):
    # irqdesc.c free_desc(): unregister_irq_proc, then the descriptor leaves the sparse tree
    # under sparse_irq_lock and is freed through call_rcu(delayed_free_desc), so an interrupt
    # already inside handle_irq's RCU section still sees a live descriptor.  [V irqdesc.c;
    # the call_rcu is modelled as synchronize_rcu() before the kfree]
    desc = irq_to_desc(irq)
    if desc is None:
        return
    unregister_irq_proc(desc)
    mutex_lock(irq_table.sparse_irq_lock)
    irq_table.descs[irq] = None
    mutex_unlock(irq_table.sparse_irq_lock)
    synchronize_rcu()
    kfree(desc)


def request_irq(irq, handler, dev_id):
    # manage.c request_threaded_irq() -> __setup_irq(): may sleep.  [V A.7]
    desc = irq_to_desc(irq)
    if desc is None:
        return -EINVAL
    action = kzalloc(irqaction, GFP_KERNEL)
    action.handler = handler
    action.dev_id = dev_id
    mutex_lock(desc.request_mutex)
    flags = spin_lock_irqsave(desc.lock)
    busy = desc.action is not None
    if not busy:
        desc.action = action
    spin_unlock_irqrestore(desc.lock, flags)
    mutex_unlock(desc.request_mutex)
    if busy:
        kfree(action)
        return -EBUSY
    return 0


def irq_shutdown(desc):
    # chip.c irq_shutdown(), called by __free_irq() when the last action goes: the irq_chip's
    # irq_shutdown/irq_mask through desc->irq_data.chip, which the irq domain provided.
    # [V C1 step 5: "a later free_irq(v1, x_priv) runs -> irq_shutdown calls the freed
    # chip's mask op"]
    d = desc.domain
    if d is not None:
        chip = d.name


def free_irq(irq, dev_id):
    # manage.c free_irq() -> __free_irq().  [V kernel/irq/manage.c]
    desc = irq_to_desc(irq)
    if desc is None:
        return None                     # no descriptor: returns NULL silently
    might_sleep()
    WARN(in_interrupt(), "Trying to free IRQ from IRQ context!")
    mutex_lock(desc.request_mutex)
    flags = spin_lock_irqsave(desc.lock)
    action = desc.action
    if action is None or action.dev_id != dev_id:
        WARN(1, "Trying to free already-free IRQ")
        spin_unlock_irqrestore(desc.lock, flags)
        mutex_unlock(desc.request_mutex)
        return None
    desc.action = None
    irq_shutdown(desc)
    spin_unlock_irqrestore(desc.lock, flags)
    # __synchronize_hardirq(): wait for a handler running on another CPU.
    wait_event(desc.wait_for_threads, desc.in_progress == 0)
    mutex_unlock(desc.request_mutex)
    kfree(action)
    return dev_id


def synchronize_irq(irq):
    # manage.c synchronize_irq(): wait until no handler of this IRQ runs on another CPU
    # (__synchronize_hardirq; may sleep for threaded handlers).  A missing descriptor returns.
    might_sleep()
    desc = irq_to_desc(irq)
    if desc is None:
        return
    wait_event(desc.wait_for_threads, desc.in_progress == 0)


def handle_irq(irq):
    # The interrupt arrives (hardirq context): handle_irq_event() calls the action's handler
    # with desc->lock dropped and IRQD_IRQ_INPROGRESS set.  Descriptors are freed after RCU.
    rcu_read_lock()
    desc = irq_to_desc(irq)
    if desc is None:
        rcu_read_unlock()
        return IRQ_NONE
    spin_lock(desc.lock)
    action = desc.action
    if action is None:
        spin_unlock(desc.lock)
        rcu_read_unlock()
        return IRQ_NONE
    desc.in_progress = 1
    spin_unlock(desc.lock)
    ret = action.handler(irq, action.dev_id)
    spin_lock(desc.lock)
    desc.in_progress = 0
    spin_unlock(desc.lock)
    wake_up(desc.wait_for_threads)
    rcu_read_unlock()
    return ret


def show_interrupts(irq):
    # proc/interrupts.c show_interrupts() for one line: irq_lock_sparse(), then the chip and
    # domain names through desc->irq_data.  [M]
    mutex_lock(irq_table.sparse_irq_lock)
    desc = irq_to_desc(irq)
    if desc is not None:
        flags = spin_lock_irqsave(desc.lock)
        if desc.action is not None:
            d = desc.domain
            if d is not None:
                chip_name = d.name
        spin_unlock_irqrestore(desc.lock, flags)
    mutex_unlock(irq_table.sparse_irq_lock)
    return 0
