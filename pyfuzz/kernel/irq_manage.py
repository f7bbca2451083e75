"""kernel/irq/irqdesc.c, manage.c, handle.c, chip.c, proc.c, debugfs.c: IRQ descriptors, their
action lists, delivery, the IRQ threads, and the two readers of a descriptor (/proc/interrupts and
/sys/kernel/debug/irq/irqs/<n>).

Checked against kernel/irq/manage.c, proc.c and debugfs.c (6.x): `request_threaded_irq`
validates and allocates the irqaction, `__setup_irq` appends it to the descriptor's action list
under request_mutex + desc->lock (IRQF_SHARED on both sides, same IRQF_ONESHOT, else -EBUSY),
then registers /proc/irq/<n> and the action's directory; `__free_irq` finds the action by dev_id
(none: `Trying to free already-free IRQ <n>`), unlinks it, shuts the line down through the chip if
it was the last, removes the action's /proc directory, waits for running handlers and threads
(__synchronize_irq), stops the action's thread and returns it for free_irq to kfree. Delivery is
handle_fasteoi_irq -> handle_irq_event: every action's handler runs with desc->lock dropped and
IRQD_IRQ_INPROGRESS set; IRQ_WAKE_THREAD wakes the action's thread. The IRQ thread
(`irq/<n>-<name>`, a kthread in the kernel) is modelled as a work item per action, whose
worker is named as setup_irq_thread names the kthread (`name_irq_thread`): it runs
thread_fn once per wake-up in process context and free_irq waits for it as the kernel does
(threads_active, then kthread_stop). show_interrupts is the RCU version (6.10+): the per-CPU
counts, then under desc->lock the chip's name, the domain pointer and hwirq, desc->name and every
action's name. Descriptors are freed after an RCU grace period (call_rcu(delayed_free_desc)).
"""

from pyfuzz.model import *

NR_IRQS = 48            # the sparse tree's size; allocated_irqs is one bitmap (an int)
NR_CPUS = 2

IRQF_SHARED = 0x80
IRQF_ONESHOT = 0x2000
IRQ_WAKE_THREAD = 2
IRQTF_RUNTHREAD = 1
EEXIST = 17


class irq_chip(Struct):
    name: int               # a string ("PCI-MSI", "gpio-x"); owned by the irqchip driver
    flags: int


class irq_kstat(Struct):
    # desc->kstat_irqs: alloc_percpu(struct irqstat), freed with the descriptor
    cnt: Array[int, NR_CPUS]


class proc_dir_entry(Struct):
    # fs/proc/internal.h: a /proc directory; the children (an rb-tree in the kernel) as a
    # singly linked list, which is enough to know whether a directory is empty
    name: int               # a string, or an int for /proc/irq/<n>
    parent: Ref
    subdir: Ref             # the first child
    next: Ref               # the next sibling


class irqaction(Struct):
    handler: Func           # handler(irq, dev_id), hardirq context
    dev_id: Ref
    next: Ref               # the next action on a shared line
    thread_fn: Func         # thread_fn(irq, dev_id), the IRQ thread (process context)
    irq: int
    flags: int
    thread_flags: int       # IRQTF_RUNTHREAD
    thread: Work            # the irq/<n>-<name> kthread
    name: int               # the devname string
    dir: Ref[proc_dir_entry]


class irq_desc(Struct):
    irq: int                # irq_data.irq
    chip: Ref[irq_chip]     # irq_data.chip
    domain: Ref             # irq_data.domain
    hwirq: int              # irq_data.hwirq
    kstat_irqs: Ref[irq_kstat]
    action: Ref[irqaction]
    name: int               # desc->name (the flow handler's name, or None)
    request_mutex: Mutex
    lock: Spinlock          # raw_spinlock_t desc->lock
    in_progress: int        # IRQD_IRQ_INPROGRESS
    threads_active: int     # atomic_t, updated under desc->lock here
    wait_for_threads: WaitQueue
    dir: Ref[proc_dir_entry]
    debugfs_live: int       # /sys/kernel/debug/irq/irqs/<n> exists
    msi_desc: Ref           # irq_common_data.msi_desc (irq_set_msi_desc / irq_get_msi_desc)


class irq_sparse(Struct):
    descs: Array[Ref[irq_desc], NR_IRQS]
    allocated_irqs: int     # bitmap of used IRQ numbers
    sparse_irq_lock: Mutex
    register_lock: Mutex    # register_irq_proc's DEFINE_MUTEX(register_lock)
    proc_subdir_lock: Spinlock
    root_irq_dir: Ref[proc_dir_entry]


irq_table = Global(irq_sparse, name="irq_table")


@infra
def kstrdup_const(s, gfp):
    # mm/util.c: a string in .rodata is returned as is (the model's strings are constants)
    return s


@infra
def irq_to_desc(irq):
    if irq <= 0 or irq >= NR_IRQS:
        return None
    return irq_table.descs[irq]


@infra
def irq_has_action(irq):
    desc = irq_to_desc(irq)
    return desc is not None and desc.action is not None


# ---- /proc (fs/proc/generic.c), just enough for /proc/irq -------------------------------------

def proc_mkdir(name, parent):
    de = kzalloc(proc_dir_entry, GFP_KERNEL)
    de.name = name
    de.parent = parent
    spin_lock(irq_table.proc_subdir_lock)
    de.next = parent.subdir
    parent.subdir = de
    spin_unlock(irq_table.proc_subdir_lock)
    return de


@infra
def pde_unlink(de, parent):
    # the rb_erase of pde_subdir; proc_subdir_lock is held
    prev = None
    cur = parent.subdir
    while cur is not None and cur != de:
        prev = cur
        cur = cur.next
    if cur is None:
        return
    if prev is None:
        parent.subdir = de.next
    else:
        prev.next = de.next


def remove_proc_entry(name, parent):
    # fs/proc/generic.c remove_proc_entry(): unlink under proc_subdir_lock, then
    # WARN(pde_subdir_first(de), "%s: removing non-empty directory '%s/%s', leaking at least
    # '%s'\n", __func__, de->parent->name, de->name, pde_subdir_first(de)->name).
    # The model's /proc holds only /proc/irq, so __func__ and the parent's name ('irq') are
    # folded into the format (a primitive takes at most two values).
    spin_lock(irq_table.proc_subdir_lock)
    de = parent.subdir
    while de is not None and de.name != name:
        de = de.next
    if de is not None:
        pde_unlink(de, parent)
    spin_unlock(irq_table.proc_subdir_lock)
    if de is None:
        return
    first = de.subdir
    if first is not None:
        __WARN_printf(
            "remove_proc_entry: removing non-empty directory 'irq/%s', leaking at least '%s'",
            de.name, first.name)
    kfree(de)


def proc_remove(de):
    # remove_proc_subtree() of an action's (empty) directory; proc_remove(NULL) is a no-op
    if de is None:
        return
    spin_lock(irq_table.proc_subdir_lock)
    pde_unlink(de, de.parent)
    spin_unlock(irq_table.proc_subdir_lock)
    kfree(de)


def register_irq_proc(irq, desc):
    # proc.c: /proc/irq/<n> is made when the first handler is added, under register_lock;
    # a descriptor without a chip (no_irq_chip) gets none.
    if desc.chip is None:
        return
    mutex_lock(irq_table.register_lock)
    root = irq_table.root_irq_dir
    if root is None:
        root = kzalloc(proc_dir_entry, GFP_KERNEL)       # init_irq_proc(): /proc/irq
        root.name = kstrdup_const("irq", GFP_KERNEL)
        irq_table.root_irq_dir = root
    if desc.dir is None:
        desc.dir = proc_mkdir(irq, root)
    mutex_unlock(irq_table.register_lock)


def unregister_irq_proc(irq, desc):
    # proc.c: the per-IRQ files (smp_affinity, spurious, ...) go first, then /proc/irq/<n>,
    # which still holds the directory of every action not freed.
    if irq_table.root_irq_dir is None or desc.dir is None:
        return
    remove_proc_entry(irq, irq_table.root_irq_dir)


@infra
def name_unique(irq, new_action):
    desc = irq_to_desc(irq)
    unique = 1
    flags = spin_lock_irqsave(desc.lock)
    a = desc.action
    while a is not None:
        if a != new_action and a.name == new_action.name:
            unique = 0
        a = a.next
    spin_unlock_irqrestore(desc.lock, flags)
    return unique


def register_handler_proc(irq, action):
    # proc.c: /proc/irq/<n>/<devname>, unless another action has the same name
    desc = irq_to_desc(irq)
    if action.dir is not None or desc.dir is None or not name_unique(irq, action):
        return
    action.dir = proc_mkdir(action.name, desc.dir)


def unregister_handler_proc(irq, action):
    proc_remove(action.dir)


# ---- descriptors (irqdesc.c) ------------------------------------------------------------------

def alloc_desc(irq, domain, hwirq):
    desc = kzalloc(irq_desc, GFP_KERNEL)
    desc.kstat_irqs = kzalloc(irq_kstat, GFP_KERNEL)
    desc.irq = irq
    desc.domain = domain
    desc.hwirq = hwirq
    desc.debugfs_live = 1                   # irq_add_debugfs_entry()
    return desc


def irq_alloc_descs(irq, domain, hwirq):
    # __irq_alloc_descs(): under sparse_irq_lock, the first free number in allocated_irqs (or
    # exactly `irq` when irq > 0: -EEXIST if it is taken), a new descriptor in the tree.
    mutex_lock(irq_table.sparse_irq_lock)
    used = irq_table.allocated_irqs
    start = 0
    if irq > 0:
        if irq < NR_IRQS and not (used & (1 << irq)):
            start = irq
    else:
        for i in range(1, NR_IRQS):
            if start == 0 and not (used & (1 << i)):
                start = i
    if start:
        irq_table.descs[start] = alloc_desc(start, domain, hwirq)
        irq_table.allocated_irqs = used | (1 << start)
    mutex_unlock(irq_table.sparse_irq_lock)
    if irq > 0 and start == 0:
        return -EEXIST
    return start


def irq_alloc_desc(domain, hwirq):
    return irq_alloc_descs(0, domain, hwirq)


def irq_alloc_desc_at(irq, chip):
    # a legacy / GSI-numbered descriptor (the INTx lines), with its chip set
    ret = irq_alloc_descs(irq, None, irq)
    if ret > 0:
        irq_to_desc(ret).chip = chip
    return ret


def irq_remove_debugfs_entry(desc):
    # debugfs_remove() of irq/irqs/<n>: no new reader gets in; the readers inside the file
    # are waited for before the descriptor is freed (see irq_debugfs_read)
    flags = spin_lock_irqsave(desc.lock)
    desc.debugfs_live = 0
    spin_unlock_irqrestore(desc.lock, flags)


def free_desc(irq):
    # irqdesc.c free_desc(), called with sparse_irq_lock held: debugfs entry, /proc/irq/<n>,
    # then the descriptor leaves the tree; it is freed with its kstat_irqs after a grace
    # period (call_rcu(delayed_free_desc)), so a reader inside rcu_read_lock() still sees it.
    desc = irq_to_desc(irq)
    if desc is None:
        return None
    irq_remove_debugfs_entry(desc)
    unregister_irq_proc(irq, desc)
    irq_table.descs[irq] = None
    return desc


def irq_free_desc(irq):
    # irq_free_descs(irq, 1)
    if irq <= 0 or irq >= NR_IRQS:
        return
    mutex_lock(irq_table.sparse_irq_lock)
    desc = free_desc(irq)
    irq_table.allocated_irqs = irq_table.allocated_irqs & ~(1 << irq)
    mutex_unlock(irq_table.sparse_irq_lock)
    if desc is not None:
        synchronize_rcu()                   # call_rcu(&desc->rcu, delayed_free_desc)
        kfree(desc.kstat_irqs)
        kfree(desc)


# ---- request / free (manage.c) ----------------------------------------------------------------

def irq_default_primary_handler(irq, dev_id):
    return IRQ_WAKE_THREAD


def irq_thread(work):
    # manage.c irq_thread(): woken with IRQTF_RUNTHREAD set, it clears the bit, runs
    # irq_thread_fn (thread_fn), then wake_threads_waitq(): the last active thread wakes
    # __synchronize_irq().
    action = container_of(work, irqaction, "thread")
    desc = irq_to_desc(action.irq)
    flags = spin_lock_irqsave(desc.lock)
    action.thread_flags = action.thread_flags & ~IRQTF_RUNTHREAD
    spin_unlock_irqrestore(desc.lock, flags)
    action.thread_fn(action.irq, action.dev_id)
    flags = spin_lock_irqsave(desc.lock)
    desc.threads_active -= 1
    idle = desc.threads_active == 0
    spin_unlock_irqrestore(desc.lock, flags)
    if idle:
        wake_up(desc.wait_for_threads)


def __setup_irq(irq, desc, new):
    # manage.c __setup_irq() [V]
    if new.thread_fn is not None:
        # setup_irq_thread(): kthread_create(irq_thread, new, "irq/%d-%s", irq, new->name)
        init_work(new.thread, irq_thread)
        name_irq_thread(new.thread, irq, new.name)
    mutex_lock(desc.request_mutex)
    flags = spin_lock_irqsave(desc.lock)
    old = desc.action
    last = None
    if old is not None:
        # "Can't share interrupts unless both agree to and are the same type"; a mismatch
        # is pr_err("Flags mismatch irq %d. ...") and -EBUSY, no WARN
        if not (old.flags & new.flags & IRQF_SHARED) or ((old.flags ^ new.flags) & IRQF_ONESHOT):
            spin_unlock_irqrestore(desc.lock, flags)
            mutex_unlock(desc.request_mutex)
            return -EBUSY
        while old is not None:              # add the new action at the end of the queue
            last = old
            old = old.next
    if last is None:
        desc.action = new                   # the first action: irq_startup() below
        irq_startup(desc)
    else:
        last.next = new
    spin_unlock_irqrestore(desc.lock, flags)
    mutex_unlock(desc.request_mutex)
    register_irq_proc(irq, desc)
    new.dir = None
    register_handler_proc(irq, new)
    return 0


def request_threaded_irq(irq, handler, thread_fn, irqflags, devname, dev_id):
    # manage.c request_threaded_irq() [V]: shared interrupts need a dev_id; a NULL handler with
    # a thread_fn gets irq_default_primary_handler; may sleep.
    if (irqflags & IRQF_SHARED) and dev_id is None:
        return -EINVAL
    desc = irq_to_desc(irq)
    if desc is None:
        return -EINVAL
    if handler is None:
        if thread_fn is None:
            return -EINVAL
        handler = irq_default_primary_handler
    action = kzalloc(irqaction, GFP_KERNEL)
    action.handler = handler
    action.thread_fn = thread_fn
    action.flags = irqflags
    action.name = devname
    action.dev_id = dev_id
    action.irq = irq
    retval = __setup_irq(irq, desc, action)
    if retval:
        kfree(action)
    return retval


def request_irq(irq, handler, dev_id):
    # request_irq(irq, handler, 0, devname, dev_id) of the seed models: not shared, named
    # after the handler's driver in the kernel; here "irq"
    return request_threaded_irq(irq, handler, None, 0, "irq", dev_id)


def irq_startup(desc):
    # chip.c irq_startup() -> the chip's irq_startup/irq_unmask through irq_data.chip
    chip = desc.chip
    if chip is not None:
        f = chip.flags


def irq_shutdown(desc):
    # chip.c irq_shutdown(), called by __free_irq() when the last action goes: the chip's
    # irq_shutdown/irq_mask through desc->irq_data.chip, which the irqchip driver provided
    # [V C1 step 5: "a later free_irq(v1, x_priv) runs -> irq_shutdown calls the freed
    # chip's mask op"]
    chip = desc.chip
    if chip is not None:
        f = chip.flags


def __synchronize_irq(desc):
    # __synchronize_hardirq(): no handler of this line still running on another CPU; then
    # wait_event(desc->wait_for_threads, !atomic_read(&desc->threads_active))
    wait_event(desc.wait_for_threads, desc.in_progress == 0)
    wait_event(desc.wait_for_threads, desc.threads_active == 0)


def __free_irq(desc, dev_id):
    # manage.c __free_irq() [V]
    irq = desc.irq
    if in_interrupt():
        __WARN_printf("Trying to free IRQ %d from IRQ context!", irq, None)
    mutex_lock(desc.request_mutex)
    flags = spin_lock_irqsave(desc.lock)
    prev = None
    action = desc.action
    while action is not None and action.dev_id != dev_id:
        prev = action
        action = action.next
    if action is None:
        __WARN_printf("Trying to free already-free IRQ %d", irq, None)
        spin_unlock_irqrestore(desc.lock, flags)
        mutex_unlock(desc.request_mutex)
        return None
    if prev is None:                        # *action_ptr = action->next
        desc.action = action.next
    else:
        prev.next = action.next
    if desc.action is None:
        irq_shutdown(desc)                  # the last handler: shut the line down
    spin_unlock_irqrestore(desc.lock, flags)
    unregister_handler_proc(irq, action)
    __synchronize_irq(desc)
    if action.thread_fn is not None:
        cancel_work_sync(action.thread)     # kthread_stop_put(action->thread)
    mutex_unlock(desc.request_mutex)
    return action


def free_irq(irq, dev_id):
    # manage.c free_irq() [V]: no descriptor returns NULL silently; returns the devname
    desc = irq_to_desc(irq)
    if desc is None:
        return None
    action = __free_irq(desc, dev_id)
    if action is None:
        return None
    devname = action.name
    kfree(action)
    return devname


def synchronize_irq(irq):
    # manage.c synchronize_irq(): wait until no handler or thread of this IRQ runs (may sleep)
    might_sleep()
    desc = irq_to_desc(irq)
    if desc is None:
        return
    __synchronize_irq(desc)


# ---- delivery (handle.c, chip.c) ------------------------------------------------------------

def __irq_wake_thread(desc, action):
    # handle.c: test_and_set_bit(IRQTF_RUNTHREAD) (a pending wake-up is not counted twice),
    # atomic_inc(&desc->threads_active), wake_up_process(action->thread)
    spin_lock(desc.lock)
    wake = not (action.thread_flags & IRQTF_RUNTHREAD)
    if wake:
        action.thread_flags = action.thread_flags | IRQTF_RUNTHREAD
        desc.threads_active += 1
    spin_unlock(desc.lock)
    if wake:
        schedule_work(action.thread)


def handle_irq_event(desc, irq):
    # handle.c handle_irq_event() -> __handle_irq_event_percpu(): every action of the line,
    # each handler's IRQ_WAKE_THREAD waking its thread; called with desc->lock held, which is
    # dropped around the handlers with IRQD_IRQ_INPROGRESS set.
    desc.in_progress = 1
    spin_unlock(desc.lock)
    retval = IRQ_NONE
    action = desc.action
    while action is not None:
        res = action.handler(irq, action.dev_id)
        if res == IRQ_WAKE_THREAD and action.thread_fn is not None:
            __irq_wake_thread(desc, action)
        retval = retval | res
        action = action.next
    spin_lock(desc.lock)
    desc.in_progress = 0
    return retval


def handle_irq(irq):
    # The interrupt arrives (hardirq context): generic_handle_irq() -> handle_fasteoi_irq():
    # under desc->lock, no action means the line is masked and left pending; else
    # kstat_incr_irqs_this_cpu() and handle_irq_event().  Descriptors are freed after RCU.
    rcu_read_lock()
    desc = irq_to_desc(irq)
    if desc is None:
        rcu_read_unlock()
        return IRQ_NONE
    spin_lock(desc.lock)
    if desc.action is None:
        spin_unlock(desc.lock)
        rcu_read_unlock()
        return IRQ_NONE
    ks = desc.kstat_irqs
    ks.cnt[0] += 1
    ret = handle_irq_event(desc, irq)
    spin_unlock(desc.lock)
    wake_up(desc.wait_for_threads)          # __synchronize_hardirq() spins on INPROGRESS
    rcu_read_unlock()
    return ret


# ---- readers ---------------------------------------------------------------------------------

def show_interrupts(irq):
    # proc.c show_interrupts() for line `irq` (6.10+): guard(rcu); skip a descriptor without
    # action or kstat_irqs; the per-CPU counts; then under desc->lock (raw_spinlock_irq) the
    # chip's name, the domain pointer and hwirq, desc->name and every action's name.
    rcu_read_lock()
    desc = irq_to_desc(irq)
    if desc is None or desc.action is None or desc.kstat_irqs is None:
        rcu_read_unlock()
        return 0
    ks = desc.kstat_irqs
    total = 0
    for cpu in range(NR_CPUS):
        total += ks.cnt[cpu]
    spin_lock_irq(desc.lock)
    chip = desc.chip
    if chip is not None:
        chip_name = chip.name
    if desc.domain is not None:
        hwirq = desc.hwirq
    flow = desc.name
    action = desc.action
    while action is not None:
        action_name = action.name
        action = action.next
    spin_unlock_irq(desc.lock)
    rcu_read_unlock()
    return total


def irq_debug_show(desc):
    # debugfs.c irq_debug_show(), under desc->lock: handler, device, state, depth, then
    # irq_debug_show_data(): the domain's name (data->domain ? data->domain->name : ""),
    # hwirq, and irq_debug_show_chip(): chip->name and chip->flags.
    spin_lock_irq(desc.lock)
    state = desc.in_progress
    d = desc.domain
    if d is not None:
        domain_name = d.name
    hwirq = desc.hwirq
    chip = desc.chip
    if chip is not None:
        chip_name = chip.name
        chip_flags = chip.flags
    spin_unlock_irq(desc.lock)
    return 0


def irq_debugfs_read(irq):
    # `cat /sys/kernel/debug/irq/irqs/<irq>`: the dentry's i_private is the descriptor, and
    # the removal of the file (irq_remove_debugfs_entry in free_desc) waits for the readers
    # inside it (debugfs' active-users count) before the descriptor can go. The model holds an
    # RCU read section across the read for that wait: the descriptor is freed only after a
    # grace period. A removed file reads as -ENOENT.
    rcu_read_lock()
    desc = irq_to_desc(irq)
    live = 0
    if desc is not None:
        flags = spin_lock_irqsave(desc.lock)
        live = desc.debugfs_live
        spin_unlock_irqrestore(desc.lock, flags)
    if live:
        irq_debug_show(desc)
    rcu_read_unlock()
    if not live:
        return -ENOENT
    return 0
