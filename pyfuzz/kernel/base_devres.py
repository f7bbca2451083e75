"""drivers/base/devres.c (and lib/devres.c): the managed-resource list of a device.

Nodes are appended under devres_lock; release_nodes() detaches the whole list first, then
releases LIFO without the lock [V drivers/base/devres.c 6.x]. Consequences modelled:
devres_find() from a release callback finds nothing; devres_add() from a release callback
lands on the fresh list and survives the unbind. The managed helpers drivers use (devm_kzalloc /
devm_kfree, devm_ioremap / devm_iounmap, devm_add_action_or_reset, devm_remove_action /
devm_release_action) follow drivers/base/devres.c, lib/devres.c and
include/linux/device/devres.h: misuse WARNs where the kernel's WARN_ON does.
"""

from pyfuzz.model import *


class devres(Struct):
    node: ListHead
    release: Func       # release(dev, dr)
    data: Ref
    ival: int           # an int payload (irq number, orig_intx, ...)


class devres_todo(Struct):
    head: ListHead


def devres_alloc(release, gfp):
    # devres_alloc(): kmalloc with the caller's gfp; GFP_KERNEL may sleep (A.11).
    dr = kzalloc(devres, gfp)
    dr.release = release
    return dr


def devres_add(dev, dr):
    flags = spin_lock_irqsave(dev.devres_lock)
    list_add_tail(dr.node, dev.devres_head)
    spin_unlock_irqrestore(dev.devres_lock, flags)


def devres_find(dev, release):
    flags = spin_lock_irqsave(dev.devres_lock)
    found = None
    n = list_first(dev.devres_head)
    while n is not None:
        dr = container_of(n, devres, "node")
        if dr.release == release:
            found = dr
            break
        n = list_next(n, dev.devres_head)
    spin_unlock_irqrestore(dev.devres_lock, flags)
    return found


def devm_add_action(dev, action, data):
    dr = devres_alloc(action, GFP_KERNEL)
    dr.data = data
    devres_add(dev, dr)
    return 0


def release_nodes(dev, todo):
    # Walk `todo` (already in LIFO order, see devres_release_all) and release each node.
    n = list_first(todo.head)
    while n is not None:
        list_del(n)
        dr = container_of(n, devres, "node")
        rel = dr.release
        rel(dev, dr)
        kfree(dr)
        n = list_first(todo.head)


def devres_release_all(dev):
    # devres.c devres_release_all() -> release_nodes(): under devres_lock move every node to
    # a private todo list (devres_head is then empty), drop the lock, release in reverse
    # order of addition.  list_add() at the head of todo gives the reverse order.
    todo = kzalloc(devres_todo, GFP_KERNEL)
    flags = spin_lock_irqsave(dev.devres_lock)
    n = list_first(dev.devres_head)
    while n is not None:
        list_del_init(n)
        list_add(n, todo.head)
        n = list_first(dev.devres_head)
    spin_unlock_irqrestore(dev.devres_lock, flags)
    release_nodes(dev, todo)
    kfree(todo)


# ---- Lookup and removal of single nodes (drivers/base/devres.c) ---------------------------
#
# The kernel's match callbacks compare a node's payload; here a node's payload is `dr.data`,
# so `data` is the match (None matches every node with that release).  A node's release in
# this model is called as release(dev, dr); the devm_* actions below follow that convention:
# an action registered with devm_add_action*(dev, action, data) runs as action(dev, dr) with
# dr.data == data (the kernel calls action(data)).


def find_dr(dev, release, data):
    # devres.c find_dr() (caller holds devres_lock): the *latest* matching node, since the
    # kernel walks the list in reverse.  [V drivers/base/devres.c]
    found = None
    n = list_first(dev.devres_head)
    while n is not None:
        dr = container_of(n, devres, "node")
        if dr.release == release and (data is None or dr.data == data):
            found = dr
        n = list_next(n, dev.devres_head)
    return found


def devres_remove(dev, release, data):
    # devres_remove(): find under devres_lock and unlink; the node is returned, not freed.
    flags = spin_lock_irqsave(dev.devres_lock)
    dr = find_dr(dev, release, data)
    if dr is not None:
        list_del_init(dr.node)
    spin_unlock_irqrestore(dev.devres_lock, flags)
    return dr


def devres_free(dr):
    # devres_free(): BUG_ON(!list_empty(&dr->node.entry)) -- freeing a node still listed.
    if dr is not None:
        BUG_ON(not list_empty(dr.node))
        kfree(dr)


def devres_destroy(dev, release, data):
    # devres_destroy(): remove and free without calling release; -ENOENT when absent.
    dr = devres_remove(dev, release, data)
    if dr is None:
        return -ENOENT
    devres_free(dr)
    return 0


def devres_release(dev, release, data):
    # devres_release(): remove, call release (outside devres_lock), free; -ENOENT when absent.
    dr = devres_remove(dev, release, data)
    if dr is None:
        return -ENOENT
    release(dev, dr)
    devres_free(dr)
    return 0


# ---- Custom actions (include/linux/device/devres.h, drivers/base/devres.c) -----------------


@infra
def devm_action_reset(dev, action, data):
    # The reset half of devm_add_action_or_reset(): the kernel calls action(data) at once.
    # Model actions take (dev, node), so they get a node carrying `data` that was never listed.
    dr = kzalloc(devres, GFP_KERNEL)
    dr.data = data
    action(dev, dr)
    kfree(dr)


def devm_add_action_or_reset(dev, action, data):
    # devres.h __devm_add_action_or_reset(): when the action cannot be registered, run it now,
    # so the caller's error path needs no undo of its own.  [V include/linux/device/devres.h]
    # (Only a failed devm_add_action takes the reset branch; calls the library makes are not
    # failable under fault injection today, see docs/ir.md "Fault injection".)
    ret = devm_add_action(dev, action, data)
    if ret:
        devm_action_reset(dev, action, data)
    return ret


def devm_remove_action(dev, action, data):
    # devm_remove_action() = WARN_ON(devm_remove_action_nowarn()): unregister without running.
    WARN_ON(devres_destroy(dev, action, data) != 0)


def devm_release_action(dev, action, data):
    # devm_release_action(): WARN_ON(devres_release(...)): unregister and run the action now.
    WARN_ON(devres_release(dev, action, data) != 0)


def devm_is_action_added(dev, action, data):
    # devm_is_action_added(): devres_find() with the action's match.
    flags = spin_lock_irqsave(dev.devres_lock)
    dr = find_dr(dev, action, data)
    spin_unlock_irqrestore(dev.devres_lock, flags)
    return dr is not None


# ---- Managed memory (drivers/base/devres.c devm_kmalloc / devm_kfree) ----------------------


@infra
def devm_kmalloc_release(dev, dr):
    # The kernel's devm_kmalloc_release() is a no-op: the memory is the node's payload and
    # release_nodes() kfree()s node and memory together.  Here the payload is its own object,
    # freed with its node, so a double free names release_nodes as the kernel's report does.
    kfree(dr.data)


def devm_kmalloc(dev, obj):
    # devres.c devm_kmalloc(dev, size, gfp): one allocation, alloc_dr() (node and memory
    # together, kmalloc_node_track_caller), then devres_add; NULL when it fails.  The model
    # cannot pass a size or a type, so a driver writes `devm_kmalloc(dev, kmalloc(T, gfp))`:
    # the inner allocation is the kernel's one allocation (its gfp, its might-sleep check),
    # and under fault injection it fails as devm_kmalloc (pyfuzz/model/_faults.py
    # MANAGED_ALLOCATORS: named `devm_kmalloc <T>`, stack through devm_kmalloc).  The devres
    # node here is a modelling artefact, allocated without a sleep check (GFP_NOWAIT).  Freed
    # after ->remove, LIFO.  [V drivers/base/devres.c 6.12]
    if obj is None:
        return None
    dr = devres_alloc(devm_kmalloc_release, GFP_NOWAIT)
    dr.data = obj
    devres_add(dev, dr)
    return obj


def devm_kzalloc(dev, obj):
    # include/linux/device/devres.h devm_kzalloc() = devm_kmalloc(dev, size, gfp |
    # __GFP_ZERO), a static inline: written `devm_kzalloc(dev, kzalloc(T, gfp))`, and a failed
    # allocation is reported as `devm_kzalloc <T>` with devm_kmalloc's frames.
    return devm_kmalloc(dev, obj)


def devm_kfree(dev, p):
    # devres.c devm_kfree(): NULL is ignored; otherwise devres_destroy() of the node whose
    # payload is p, and WARN_ON(rc) when p is not devm memory of dev (a second devm_kfree,
    # or memory from plain kzalloc): nothing is freed then.  [V drivers/base/devres.c]
    if p is None:
        return
    dr = devres_remove(dev, devm_kmalloc_release, p)
    if WARN_ON(dr is None):
        return
    kfree(p)
    devres_free(dr)


# ---- Managed MMIO (lib/devres.c devm_ioremap / devm_iounmap) ------------------------------


@infra
def devm_ioremap_release(dev, dr):
    iounmap(dr.data)


def devm_ioremap(dev, size):
    # lib/devres.c devm_ioremap() -> __devm_ioremap(): devres_alloc_node(GFP_KERNEL) first,
    # then ioremap, then devres_add (the model's ioremap does not fail, so the kernel's
    # devres_free of the node on a failed ioremap never runs); iounmap runs at unbind, after
    # ->remove, in LIFO order.  A failed devres allocation returns NULL (fault injection's
    # `alloc` class fails the driver's call as a whole).  [V lib/devres.c 6.12]
    dr = devres_alloc(devm_ioremap_release, GFP_KERNEL)
    addr = ioremap(size)
    dr.data = addr
    devres_add(dev, dr)
    return addr


def devm_iounmap(dev, addr):
    # lib/devres.c devm_iounmap() (since 5.x): WARN_ON(devres_release(...)): the node's
    # release unmaps; an address that is not a devm mapping of dev WARNs and is not
    # unmapped.  (Older kernels did devres_destroy + iounmap regardless.)  [V lib/devres.c 6.12]
    WARN_ON(devres_release(dev, devm_ioremap_release, addr) != 0)
