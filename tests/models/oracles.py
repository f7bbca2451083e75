"""Planted bugs, one scenario per oracle, each with a corrected twin (variant "fixed")."""

from pyfuzz.model import *


class Obj(Struct):
    val: int
    node: ListHead
    ref: Kref
    arr: Array[int, 4]
    next: Ref["Obj"]


class Box(Struct):
    lock: Mutex
    lock2: Mutex
    spin: Spinlock
    spin2: Spinlock
    sem: RwSem
    done: Completion
    wq: WaitQueue
    head: ListHead
    flag: int
    ready: int
    obj: Ref[Obj]
    io: Ref
    ref: Kref


box = Global(Box)


# --- KASAN use-after-free (with both stacks) / double-free / out-of-bounds ---------------
def uaf_buggy():
    p = kzalloc(Obj, GFP_KERNEL)
    p.val = 1
    kfree(p)
    return p.val


def uaf_fixed():
    p = kzalloc(Obj, GFP_KERNEL)
    p.val = 1
    v = p.val
    kfree(p)
    return v


def double_free_buggy():
    p = kzalloc(Obj, GFP_KERNEL)
    kfree(p)
    kfree(p)


def double_free_fixed():
    p = kzalloc(Obj, GFP_KERNEL)
    kfree(p)
    p = None
    kfree(p)


def oob_buggy():
    p = kzalloc(Obj, GFP_KERNEL)
    for i in range(5):
        p.arr[i] = i
    kfree(p)


def oob_fixed():
    p = kzalloc(Obj, GFP_KERNEL)
    for i in range(4):
        p.arr[i] = i
    kfree(p)


# --- NULL dereference, BUG_ON, WARN_ON ---------------------------------------------------
def null_buggy():
    return box.obj.val


def null_fixed():
    if box.obj is None:
        return -ENODEV
    return box.obj.val


def bug_buggy():
    assert box.flag == 1, "flag must be set"


def bug_fixed():
    box.flag = 1
    assert box.flag == 1


def warn_buggy():
    WARN_ON(box.flag == 0)


def warn_fixed():
    WARN_ON(box.flag != 0)


# --- sleeping in atomic context ----------------------------------------------------------
def gfp_kernel_under_spinlock():
    spin_lock(box.spin)
    p = kzalloc(Obj, GFP_KERNEL)
    spin_unlock(box.spin)
    kfree(p)


def gfp_atomic_under_spinlock():
    spin_lock(box.spin)
    p = kzalloc(Obj, GFP_ATOMIC)
    spin_unlock(box.spin)
    kfree(p)


def irq_handler_takes_mutex():
    mutex_lock(box.lock)
    box.flag += 1
    mutex_unlock(box.lock)


def irq_handler_takes_spinlock():
    spin_lock(box.spin)
    box.flag += 1
    spin_unlock(box.spin)


# --- lockdep IRQ safety: inconsistent lock state, irq-safe -> irq-unsafe order --------------
def process_takes_spinlock_irqs_on():
    spin_lock(box.spin)
    box.flag += 1
    spin_unlock(box.spin)


def process_takes_spinlock_irqsave():
    flags = spin_lock_irqsave(box.spin)
    box.flag += 1
    spin_unlock_irqrestore(box.spin, flags)


def spin2_irqs_on():
    # spin2 becomes HARDIRQ-unsafe (taken with interrupts enabled)
    spin_lock(box.spin2)
    spin_unlock(box.spin2)


def spin2_irqsave():
    flags = spin_lock_irqsave(box.spin2)
    spin_unlock_irqrestore(box.spin2, flags)


def irq_handler_then_complete():
    # spin becomes HARDIRQ-safe (taken in the interrupt handler)
    spin_lock(box.spin)
    box.flag += 1
    spin_unlock(box.spin)
    complete(box.done)


def spin_then_spin2():
    flags = spin_lock_irqsave(box.spin)
    spin_lock(box.spin2)
    spin_unlock(box.spin2)
    spin_unlock_irqrestore(box.spin, flags)


def after_irq_spin_then_spin2():
    wait_for_completion(box.done)
    spin_then_spin2()


# --- lockdep: recursive, assert-held, bad unlock, lock held on return --------------------
def recursive_buggy():
    mutex_lock(box.lock)
    mutex_lock(box.lock)


def recursive_fixed():
    mutex_lock(box.lock)
    mutex_lock(box.lock2)
    mutex_unlock(box.lock2)
    mutex_unlock(box.lock)


def update_locked():
    lockdep_assert_held(box.lock)
    box.flag += 1


def assert_buggy():
    update_locked()


def assert_fixed():
    with box.lock:
        update_locked()


def unlock_buggy():
    mutex_unlock(box.lock)


def unlock_fixed():
    mutex_lock(box.lock)
    mutex_unlock(box.lock)


def held_return_buggy():
    mutex_lock(box.lock)
    if box.flag == 0:
        return -EINVAL
    mutex_unlock(box.lock)
    return 0


def held_return_fixed():
    mutex_lock(box.lock)
    if box.flag == 0:
        mutex_unlock(box.lock)
        return -EINVAL
    mutex_unlock(box.lock)
    return 0


# --- device_lock-style deadlock that lockdep cannot see -----------------------------------
def novalidate_setup():
    lockdep_set_novalidate_class(box.lock)
    lockdep_set_novalidate_class(box.lock2)


def dev_ab():
    mutex_lock(box.lock)
    mutex_lock(box.lock2)
    mutex_unlock(box.lock2)
    mutex_unlock(box.lock)


def dev_ba():
    mutex_lock(box.lock2)
    mutex_lock(box.lock)
    mutex_unlock(box.lock)
    mutex_unlock(box.lock2)


# --- hung task / stranded waiter ------------------------------------------------------------
def wait_done():
    wait_for_completion(box.done)


def nobody():
    box.flag = 1


def completer():
    complete(box.done)


def wait_ready():
    wait_event_interruptible(box.wq, box.ready)
    return 0


def waker():
    box.ready = 1
    wake_up_interruptible(box.wq)


# --- soft lockup: a spin nobody can end ------------------------------------------------------
def spin_until_ready():
    while not box.ready:
        box.flag = box.flag
    return 0


def set_ready():
    box.ready = 1


# --- refcount -------------------------------------------------------------------------------
def obj_release(ref):
    kfree(container_of(ref, Obj, "ref"))


def box_release(ref):
    box.flag = 0


def kref_buggy():
    kref_put(box.ref, box_release)
    kref_put(box.ref, box_release)


def kref_fixed():
    kref_get(box.ref)
    kref_put(box.ref, box_release)
    kref_put(box.ref, box_release)


def kref_freed_twice():
    p = kzalloc(Obj, GFP_KERNEL)
    kref_init(p.ref)
    kref_put(p.ref, obj_release)
    kref_put(p.ref, obj_release)


def kref_get_zero():
    box.obj = kzalloc(Obj, GFP_KERNEL)
    kref_init(box.obj.ref)
    box.obj.val = kref_read(box.obj.ref)
    obj = box.obj
    box.obj = None
    kref_put(obj.ref, obj_release_keep)
    kref_get(obj.ref)


def obj_release_keep(ref):
    # releases the reference, keeps the memory (a cache would) so the next get sees 0
    box.obj = container_of(ref)


# --- list corruption ------------------------------------------------------------------------
def list_buggy():
    p = kzalloc(Obj, GFP_KERNEL)
    list_add(p.node, box.head)
    list_del(p.node)
    list_del(p.node)
    kfree(p)


def list_fixed():
    p = kzalloc(Obj, GFP_KERNEL)
    list_add(p.node, box.head)
    list_del_init(p.node)
    list_del_init(p.node)
    kfree(p)


# --- memory leak ---------------------------------------------------------------------------
def leak_buggy():
    p = kzalloc(Obj, GFP_KERNEL)
    p.val = 3
    p = None


def leak_fixed():
    p = kzalloc(Obj, GFP_KERNEL)
    p.val = 3
    kfree(p)


# --- MMIO after iounmap ----------------------------------------------------------------------
def map_bar():
    box.io = ioremap(16)


def mmio_user():
    io = box.io
    if io is None:
        return -ENODEV
    return mmio_read(io, 4)


def mmio_unmap_buggy():
    io = box.io
    iounmap(io)
    box.io = None


def mmio_unmap_fixed():
    io = box.io
    mutex_lock(box.lock)
    box.io = None
    mutex_unlock(box.lock)
    iounmap(io)


def mmio_user_fixed():
    mutex_lock(box.lock)
    io = box.io
    if io is None:
        mutex_unlock(box.lock)
        return -ENODEV
    v = mmio_read(io, 4)
    mutex_unlock(box.lock)
    return v


def one(name, buggy, fixed, expect, **kw):
    return Scenario(
        name=name,
        actors=[Thread(buggy, name="t1")],
        variants={"buggy": {}, "fixed": {buggy: fixed}},
        expect={"buggy": expect, "fixed": "clean"},
        **kw,
    )


SCENARIOS = [
    one("uaf", uaf_buggy, uaf_fixed, "KASAN: slab-use-after-free Read"),
    one("double-free", double_free_buggy, double_free_fixed, "KASAN: double-free"),
    one("oob", oob_buggy, oob_fixed, "KASAN: slab-out-of-bounds Write"),
    one("null", null_buggy, null_fixed, "BUG: unable to handle kernel NULL pointer dereference"),
    one("bug-on", bug_buggy, bug_fixed, "kernel BUG"),
    one("warn-on", warn_buggy, warn_fixed, "WARNING"),
    one("gfp-atomic", gfp_kernel_under_spinlock, gfp_atomic_under_spinlock,
        "BUG: sleeping function called from invalid context"),
    Scenario(
        name="irq-mutex",
        actors=[Thread(irq_handler_takes_mutex, name="irq", context="hardirq")],
        variants={"buggy": {}, "fixed": {irq_handler_takes_mutex: irq_handler_takes_spinlock}},
        expect={"buggy": "BUG: sleeping function called from invalid context", "fixed": "clean"},
    ),
    Scenario(
        name="irq-inconsistent",
        actors=[Thread(irq_handler_takes_spinlock, name="irq", context="hardirq"),
                Thread(process_takes_spinlock_irqs_on, name="t1")],
        variants={"buggy": {}, "fixed": {process_takes_spinlock_irqs_on:
                                         process_takes_spinlock_irqsave}},
        expect={"buggy": "inconsistent lock state", "fixed": "clean"},
    ),
    Scenario(
        name="irq-lock-order",
        boot=[spin2_irqs_on],
        actors=[Thread(irq_handler_then_complete, name="irq", context="hardirq"),
                Thread(after_irq_spin_then_spin2, name="t1")],
        variants={"buggy": {}, "fixed": {spin2_irqs_on: spin2_irqsave}},
        expect={"buggy": "possible deadlock", "fixed": "clean"},
    ),
    Scenario(
        name="irq-inversion",
        boot=[spin2_irqs_on, spin_then_spin2],
        actors=[Thread(irq_handler_takes_spinlock, name="irq", context="hardirq")],
        variants={"buggy": {}, "fixed": {spin2_irqs_on: spin2_irqsave}},
        expect={"buggy": "possible deadlock", "fixed": "clean"},
    ),
    one("recursive", recursive_buggy, recursive_fixed, "possible recursive locking"),
    one("assert-held", assert_buggy, assert_fixed, "WARNING"),
    one("bad-unlock", unlock_buggy, unlock_fixed, "WARNING: bad unlock balance"),
    one("held-on-return", held_return_buggy, held_return_fixed,
        "WARNING: lock held when returning to user space"),
    Scenario(
        name="device-lock-abba",
        boot=[novalidate_setup],
        actors=[Thread(dev_ab, name="t1"), Thread(dev_ba, name="t2")],
        variants={"buggy": {}, "fixed": {dev_ba: dev_ab}},
        expect={"buggy": "deadlock", "fixed": "clean"},
    ),
    Scenario(
        name="hung",
        actors=[Thread(wait_done, name="waiter"), Thread(nobody, name="other")],
        variants={"buggy": {}, "fixed": {nobody: completer}},
        expect={"buggy": "INFO: task hung", "fixed": "clean"},
    ),
    Scenario(
        name="soft-lockup",
        actors=[Thread(spin_until_ready, name="spinner"), Thread(nobody, name="other")],
        variants={"buggy": {}, "fixed": {nobody: set_ready}},
        expect={"buggy": "BUG: soft lockup", "fixed": "clean"},
    ),
    Scenario(
        name="stranded",
        actors=[Thread(wait_ready, name="reader"), Thread(nobody, name="other")],
        variants={"buggy": {}, "fixed": {nobody: waker}},
        expect={"buggy": "stranded waiter", "fixed": "clean"},
    ),
    one("kref-underflow", kref_buggy, kref_fixed, "refcount bug"),
    one("kref-put-after-release", kref_freed_twice, kref_fixed, "KASAN: slab-use-after-free Write"),
    Scenario(
        name="kref-get-zero",
        actors=[Thread(kref_get_zero, name="t1")],
        expect={"": "refcount bug"},
    ),
    one("list-del-twice", list_buggy, list_fixed, "BUG: corrupted list"),
    one("leak", leak_buggy, leak_fixed, "memory leak"),
    Scenario(
        name="mmio-after-unmap",
        boot=[map_bar],
        actors=[Thread(mmio_user, name="reader"), Thread(mmio_unmap_buggy, name="remove")],
        variants={"buggy": {}, "fixed": {mmio_user: mmio_user_fixed,
                                          mmio_unmap_buggy: mmio_unmap_fixed}},
        expect={"buggy": "BUG: unable to handle kernel paging request", "fixed": "clean"},
    ),
]
