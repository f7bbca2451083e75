"""fs/kernfs/dir.c, fs/kernfs/file.c and fs/sysfs/file.c: sysfs attributes whose removal
waits out active readers.

A read of a sysfs file runs the attribute's `show()` inside an *active reference* on its
kernfs node (kernfs_seq_start -> kernfs_get_active ... kernfs_seq_stop -> kernfs_put_active).
Removal (device_remove_file -> kernfs_remove_by_name_ns -> __kernfs_remove) first deactivates
the node, so new active references fail (-ENODEV to the reader), then kernfs_drain() drops
kernfs_rwsem and waits, uninterruptibly, until the last active reference is put: once removal
returns, no show() is running and none will start [V fs/kernfs/dir.c 6.x]. The wait is
annotated for lockdep as a write acquisition of the node's `dep_map`, and each active reference
as a read trylock, so the kernel reports a show() that takes a lock the remover holds as a
circular locking dependency on `kn->active`; the same interleaving without lockdep is the real
deadlock (hung task). The model uses one rw_semaphore, `kernfs_node.active`, for both the count
and the lockdep map: readers hold it for read, the drain takes it for write. Since 6.2 a node
with no active reference is not drained at all (no lockdep annotation either); the model does
the same with a write trylock.

Model limits: one lockdep class for every node's `active` (the kernel keys it per attribute);
the node of an attribute is found through `device_attribute.kn` (the kernel looks it up by name
in the device's directory), so an attribute is created for one device at a time; the
library's device_del does not remove the device's directory, so a model that deletes a device
removes its attributes first; the per-open-file `of->mutex` is not modelled.
"""

from pyfuzz.model import *
from pyfuzz.kernel.errno import EEXIST, ENODEV, ENOENT


class kernfs_root_t(Struct):
    kernfs_rwsem: RwSem


kernfs_root = Global(kernfs_root_t, name="kernfs_root")


class device_attribute(Struct):
    show: Func                  # show(dev, attr) -> value (>= 0) or -errno
    store: Func                 # store(dev, attr, value) -> 0 or -errno
    kn: Ref["kernfs_node"]      # the node while the file exists (the name lookup)


class kernfs_node(Struct):
    count: Kref                 # kernfs_get/kernfs_put: the node's memory
    active: RwSem               # active references (read) and the drain (write); kn->dep_map
    deactivated: int            # KN_DEACTIVATED_BIAS added: kernfs_get_active fails
    unlinked: int               # kernfs_unlink_sibling() done (it succeeds once)
    priv: Ref                   # sysfs: the struct device whose directory holds the file
    attr: Ref[device_attribute]


def kernfs_node_release(k):
    kfree(container_of(k, kernfs_node, "count"))


@infra
def kernfs_get(kn):
    if kn is not None:
        kref_get(kn.count)


@infra
def kernfs_put(kn):
    if kn is not None:
        kref_put(kn.count, kernfs_node_release)


def kernfs_get_active(kn):
    # dir.c kernfs_get_active(): atomic_inc_unless_negative(&kn->active), then
    # rwsem_acquire_read(&kn->dep_map, 0, 1 /* trylock */).  NULL once deactivated.
    if kn is None:
        return None
    if not down_read_trylock(kn.active):
        return None             # a drain holds it: the node is deactivated
    if kn.deactivated:
        up_read(kn.active)
        return None
    return kn


def kernfs_put_active(kn):
    # dir.c kernfs_put_active(): rwsem_release; the last put after deactivation wakes
    # root->deactivate_waitq (here: the drain's down_write).
    if kn is not None:
        up_read(kn.active)


def kernfs_drain(kn):
    # dir.c kernfs_drain(), called with kernfs_rwsem held for write: nothing to wait for when
    # no active reference is left (6.2+: no lockdep annotation then); otherwise drop
    # kernfs_rwsem, rwsem_acquire(&kn->dep_map) + wait_event(deactivate_waitq, active ==
    # KN_DEACTIVATED_BIAS) (TASK_UNINTERRUPTIBLE), rwsem_release, retake kernfs_rwsem.
    if down_write_trylock(kn.active):
        up_write(kn.active)
        return
    up_write(kernfs_root.kernfs_rwsem)
    down_write(kn.active)
    up_write(kn.active)
    down_write(kernfs_root.kernfs_rwsem)


def __kernfs_remove(kn):
    # dir.c __kernfs_remove() for a file (no descendants), kernfs_rwsem held for write:
    # already removed (RB_EMPTY_NODE) -> return; mark REMOVING and deactivate; kernfs_get
    # (the drain may drop kernfs_rwsem); drain; unlink once (kernfs_unlink_sibling) and drop
    # the base reference; kernfs_put.  Step order and locks checked against fs/kernfs/dir.c
    # 6.12 (__kernfs_remove, kernfs_drain, kernfs_remove_by_name_ns): the same.
    if kn is None or kn.unlinked:
        return
    kn.deactivated = 1
    kernfs_get(kn)
    kernfs_drain(kn)
    if not kn.unlinked:
        kn.unlinked = 1
        attr = kn.attr
        if attr.kn == kn:
            attr.kn = None
        kernfs_put(kn)
    kernfs_put(kn)


def kernfs_remove_by_name(attr):
    # dir.c kernfs_remove_by_name_ns(): under kernfs_rwsem (write) find the node by name,
    # kernfs_get, __kernfs_remove, kernfs_put; -ENOENT when there is no such file.
    down_write(kernfs_root.kernfs_rwsem)
    kn = attr.kn
    if kn is not None:
        kernfs_get(kn)
        __kernfs_remove(kn)
        kernfs_put(kn)
    up_write(kernfs_root.kernfs_rwsem)
    if kn is None:
        return -ENOENT
    return 0


def device_create_file(dev, attr):
    # core.c device_create_file() -> sysfs_create_file() -> __kernfs_create_file(): a node
    # with one (base) reference, linked and activated under kernfs_rwsem; a duplicate name is
    # sysfs_warn_dup() ("sysfs: cannot create duplicate filename ...", dump_stack) and -EEXIST.
    if dev is None:
        return -ENODEV
    kn = kzalloc(kernfs_node, GFP_KERNEL)
    kref_init(kn.count)
    kn.priv = dev
    kn.attr = attr
    down_write(kernfs_root.kernfs_rwsem)
    if attr.kn is not None:
        up_write(kernfs_root.kernfs_rwsem)
        report("sysfs: cannot create duplicate filename")
        kfree(kn)
        return -EEXIST
    attr.kn = kn
    up_write(kernfs_root.kernfs_rwsem)
    return 0


def device_remove_file(dev, attr):
    # core.c device_remove_file() -> sysfs_remove_file_ns() -> kernfs_remove_by_name_ns():
    # returns once no show()/store() of this file runs, and none can start.
    if dev is not None:
        kernfs_remove_by_name(attr)


# ---- The user side: open, read, write, close of a sysfs file ------------------------------


def kernfs_open(attr):
    # open("/sys/.../attr"): the dentry lookup under kernfs_rwsem (read) takes a node
    # reference for the open file (kernfs_iop_lookup, kernfs_fop_open); None: -ENOENT.
    down_read(kernfs_root.kernfs_rwsem)
    kn = attr.kn
    if kn is not None:
        kernfs_get(kn)
    up_read(kernfs_root.kernfs_rwsem)
    return kn


def kernfs_fop_read_iter(kn):
    # read(): seq_read -> kernfs_seq_start (kernfs_get_active or -ENODEV) -> kernfs_seq_show
    # -> sysfs_kf_seq_show -> dev_attr_show -> attr->show(dev, attr) -> kernfs_seq_stop
    # (kernfs_put_active).
    if kernfs_get_active(kn) is None:
        return -ENODEV
    attr = kn.attr
    ret = attr.show(kn.priv, attr)
    kernfs_put_active(kn)
    return ret


def kernfs_fop_write_iter(kn, value):
    # write(): kernfs_get_active or -ENODEV, sysfs_kf_write -> dev_attr_store, put_active.
    if kernfs_get_active(kn) is None:
        return -ENODEV
    attr = kn.attr
    ret = attr.store(kn.priv, attr, value)
    kernfs_put_active(kn)
    return ret


@infra
def kernfs_fop_release(kn):
    # the last close: the open file's node reference goes.
    kernfs_put(kn)


def sysfs_read(attr):
    # `cat /sys/.../attr`: open, read, close.
    kn = kernfs_open(attr)
    if kn is None:
        return -ENOENT
    ret = kernfs_fop_read_iter(kn)
    kernfs_fop_release(kn)
    return ret


def sysfs_write(attr, value):
    # `echo value > /sys/.../attr`: open, write, close.
    kn = kernfs_open(attr)
    if kn is None:
        return -ENOENT
    ret = kernfs_fop_write_iter(kn, value)
    kernfs_fop_release(kn)
    return ret
