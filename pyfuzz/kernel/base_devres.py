"""drivers/base/devres.c: the managed-resource list of a device.

Nodes are appended under devres_lock; release_nodes() detaches the whole list first, then
releases LIFO without the lock [V drivers/base/devres.c 6.x]. Consequences modelled:
devres_find() from a release callback finds nothing; devres_add() from a release callback
lands on the fresh list and survives the unbind.
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
