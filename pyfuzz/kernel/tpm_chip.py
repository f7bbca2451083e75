"""drivers/char/tpm/tpm-chip.c, tpm-dev.c, tpm-dev-common.c, tpmrm-dev.c and tpm2-space.c: the
TPM chip core, its `ops_sem` fence and the /dev/tpm0 and /dev/tpmrm0 character devices.

A TPM driver allocates a chip (tpm_chip_alloc / tpmm_chip_alloc) with its `tpm_class_ops`,
registers it (tpm_chip_register: /dev/tpmN on MISC_MAJOR:224 for chip 0, /dev/tpmrmN on the
`tpm` region's minor N + TPM_NUM_DEVICES for TPM2) and calls tpm_chip_unregister() in its
->remove *before* tearing down what its ops use. Every path into the ops goes through
tpm_try_get_ops() (get_device, down_read(ops_sem), -EIO when ops is NULL, tpm_mutex,
tpm_chip_start) and tpm_put_ops(); unregister deletes the char devices, then
down_write(ops_sem), a TPM2 shutdown and `chip->ops = NULL`: once it returns no thread is
inside the ops and none will enter [V torvalds/linux tpm-chip.c]. Open files keep the chip's
memory (the cdev pins chip->dev) and get -EPIPE from write afterwards.

`tpm2_del_space_2019` is the tpmrm close path from tpm_chip_start()'s introduction (5.1, 2019)
until its fix (James Bottomley, after Vincent Whitchurch's 2020 report): it took tpm_mutex and
started the chip without ops_sem, so closing /dev/tpmrm0 after unregister dereferenced the NULL
ops. `tpm2_del_space` is the fixed one (tpm_try_get_ops).

Not modelled: the O_NONBLOCK async work, the user_read_timer, localities beyond a flag,
hwrng, the bios log, the legacy sysfs links and the TPM_CHIP_FLAG_DISABLE/SUSPENDED states.
A write is one tpm_transmit: ops->send(chip) then ops->recv(chip).
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_initialize, get_device, put_device
from pyfuzz.kernel.base_devres import devm_add_action_or_reset
from pyfuzz.kernel.char_dev import MAJOR, MKDEV, alloc_chrdev_region, cdev
from pyfuzz.kernel.char_dev import cdev_device_add_devt, cdev_device_del_devt, cdev_init
from pyfuzz.kernel.char_dev import chrdev_open_rdev
from pyfuzz.kernel.errno import E2BIG, EBUSY, EIO, ENOMEM, ENOSPC, EPIPE

TPM_NUM_DEVICES = 65536
MISC_MAJOR = 10
TPM_MINOR = 224
TPM_CHIP_FLAG_TPM2 = 2
TPM_BUFSIZE = 4096
TPM_CHIPS = 4                       # model capacity of dev_nums_idr


class tpm_class_ops(Struct):
    send: Func                      # send(chip) -> 0 / -errno: the command to the hardware
    recv: Func                      # recv(chip) -> response length / -errno
    request_locality: Func          # optional: request_locality(chip, loc) -> loc / -errno
    relinquish_locality: Func       # optional
    clk_enable: Func                # optional: clk_enable(chip, on)


class tpm_chip(Struct):
    dev: device                     # /dev/tpmN's class device: the chip's refcount
    devs: device                    # /dev/tpmrmN's (TPM2): holds a reference on dev
    cdev: cdev
    cdevs: cdev
    ops_sem: RwSem
    tpm_mutex: Mutex
    ops: Ref[tpm_class_ops]
    flags: int
    is_open: int
    dev_num: int
    locality: int
    parent: Ref[device]             # chip->dev.parent: the TPM driver's device


class tpm_globals_t(Struct):
    idr_lock: Mutex
    bitops: Spinlock                # the atomicity of test_and_set_bit(0, &chip->is_open)
    tpm_devt: int                   # alloc_chrdev_region(&tpm_devt, 0, 2*TPM_NUM_DEVICES)
    dev_nums: Array[Ref[tpm_chip], 4]   # dev_nums_idr: NULL while reserved but unregistered
    dev_nums_used: Array[int, 4]


tpm = Global(tpm_globals_t, name="tpm")


class tpm_space(Struct):
    context_buf: Ref
    session_buf: Ref


class file_priv(Struct):
    chip: Ref[tpm_chip]
    space: Ref[tpm_space]
    buffer_mutex: Mutex
    response_length: int
    response_read: int
    command_enqueued: int


class tpm_space_buf(Struct):
    data: int


class tpmrm_priv(Struct):
    priv: file_priv
    space: tpm_space


def tpm_init():
    # tpm-interface.c tpm_init() (boot): the tpm and tpmrm classes, then the dev_t region
    # alloc_chrdev_region(&tpm_devt, 0, 2*TPM_NUM_DEVICES, "tpm").
    tpm.tpm_devt = alloc_chrdev_region(0, 2 * TPM_NUM_DEVICES)


# ---- chip start/stop and the ops fence (tpm-chip.c) ----------------------------------------


def tpm_chip_start(chip):
    # tpm_chip_start(): clock, locality, cmd_ready -- all through chip->ops.
    ops = chip.ops
    if ops.clk_enable is not None:
        ops.clk_enable(chip, 1)
    if chip.locality == -1:
        if ops.request_locality is not None:
            rc = ops.request_locality(chip, 0)
            if rc < 0:
                return rc
            chip.locality = rc
        else:
            chip.locality = 0
    return 0


def tpm_chip_stop(chip):
    # tpm_chip_stop(): go_idle, relinquish the locality, clock off.
    ops = chip.ops
    if ops.relinquish_locality is not None:
        ops.relinquish_locality(chip, chip.locality)
    chip.locality = -1
    if ops.clk_enable is not None:
        ops.clk_enable(chip, 0)


def tpm_try_get_ops(chip):
    # tpm-chip.c tpm_try_get_ops(): get_device, down_read(ops_sem), -EIO when the chip was
    # unregistered (ops NULL), tpm_mutex, tpm_chip_start.  [V]
    rc = -EIO
    get_device(chip.dev)
    down_read(chip.ops_sem)
    if chip.ops is None:
        up_read(chip.ops_sem)
        put_device(chip.dev)
        return rc
    mutex_lock(chip.tpm_mutex)
    rc = tpm_chip_start(chip)
    if rc:
        mutex_unlock(chip.tpm_mutex)
        up_read(chip.ops_sem)
        put_device(chip.dev)
        return rc
    return 0


def tpm_put_ops(chip):
    # tpm_put_ops(): the reverse; after it the chip may be freed.  [V]
    tpm_chip_stop(chip)
    mutex_unlock(chip.tpm_mutex)
    up_read(chip.ops_sem)
    put_device(chip.dev)


def tpm_transmit(chip):
    # tpm-interface.c tpm_transmit() -> tpm_try_transmit(): ops->send, then ops->recv (the
    # status polling between them is not modelled).  Called with the ops held.
    rc = chip.ops.send(chip)
    if rc < 0:
        return rc
    return chip.ops.recv(chip)


# ---- allocation, registration, unregistration (tpm-chip.c) --------------------------------


def tpm_dev_release(dev):
    # tpm_dev_release(): the chip's last reference: idr_remove under idr_lock, kfree.
    chip = container_of(dev, tpm_chip, "dev")
    mutex_lock(tpm.idr_lock)
    tpm.dev_nums_used[chip.dev_num] = 0
    tpm.dev_nums[chip.dev_num] = None
    mutex_unlock(tpm.idr_lock)
    kfree(chip)


def tpm_chip_alloc(pdev, ops):
    # tpm_chip_alloc(): kzalloc, ops, a device number from dev_nums_idr (under idr_lock, the
    # slot reserved with NULL), device_initialize (release tpm_dev_release), devt (chip 0:
    # MISC_MAJOR:TPM_MINOR, else the tpm region), cdev_init(tpm_fops), locality -1.  The
    # kernel's ERR_PTR is None here.  Paired with put_device(&chip->dev).
    chip = kzalloc(tpm_chip, GFP_KERNEL)
    if chip is None:
        return None
    chip.ops = ops
    mutex_lock(tpm.idr_lock)
    num = -ENOSPC
    for i in range(TPM_CHIPS):
        if num < 0 and not tpm.dev_nums_used[i]:
            num = i
    if num >= 0:
        tpm.dev_nums_used[num] = 1
    mutex_unlock(tpm.idr_lock)
    if num < 0:
        kfree(chip)
        return None
    chip.dev_num = num
    device_initialize(chip.dev, tpm_dev_release)
    chip.parent = pdev
    cdev_init(chip.cdev, tpm_open, tpm_release)
    chip.locality = -1
    return chip


def tpm_put_device(dev, dr):
    # tpmm_chip_alloc's devm action: put_device(&chip->dev).
    put_device(dr.data)


def tpmm_chip_alloc(pdev, ops):
    # tpmm_chip_alloc(): tpm_chip_alloc + devm_add_action_or_reset(pdev, tpm_put_device,
    # &chip->dev) + dev_set_drvdata(pdev, chip).
    chip = tpm_chip_alloc(pdev, ops)
    if chip is None:
        return None
    rc = devm_add_action_or_reset(pdev, tpm_put_device, chip.dev)
    if rc:
        return None
    pdev.driver_data = chip
    return chip


@infra
def tpm_chip_devt(chip):
    if chip.dev_num == 0:
        return MKDEV(MISC_MAJOR, TPM_MINOR)
    return MKDEV(MAJOR(tpm.tpm_devt), chip.dev_num)


def tpm_devs_release(dev):
    # tpm2-space.c tpm_devs_release(): drop the reference devs held on the main device.
    chip = container_of(dev, tpm_chip, "devs")
    put_device(chip.dev)


def tpm_devs_add(chip):
    # tpm2-space.c tpm_devs_add(): /dev/tpmrmN on minor dev_num + TPM_NUM_DEVICES; devs
    # holds a reference on the main device for as long as it lives.
    device_initialize(chip.devs, tpm_devs_release)
    get_device(chip.dev)
    cdev_init(chip.cdevs, tpmrm_open, tpmrm_release)
    devt = MKDEV(MAJOR(tpm.tpm_devt), chip.dev_num + TPM_NUM_DEVICES)
    rc = cdev_device_add_devt(chip.cdevs, chip.devs, devt, chip.parent)
    if rc:
        put_device(chip.devs)
    return rc


def tpm_devs_remove(chip):
    # tpm2-space.c tpm_devs_remove(): cdev_device_del, put_device(&chip->devs).
    cdev_device_del_devt(chip.cdevs, chip.devs)
    put_device(chip.devs)


def tpm_add_char_device(chip):
    # tpm_add_char_device(): cdev_device_add (/dev/tpmN), tpm_devs_add for TPM2, then make
    # the chip available: idr_replace(chip) under idr_lock.
    rc = cdev_device_add_devt(chip.cdev, chip.dev, tpm_chip_devt(chip), chip.parent)
    if rc:
        return rc
    if chip.flags & TPM_CHIP_FLAG_TPM2:
        rc = tpm_devs_add(chip)
        if rc:
            cdev_device_del_devt(chip.cdev, chip.dev)
            return rc
    mutex_lock(tpm.idr_lock)
    tpm.dev_nums[chip.dev_num] = chip
    mutex_unlock(tpm.idr_lock)
    return 0


def tpm_chip_register(chip):
    # tpm_chip_register(): tpm_chip_bootstrap (start, auto startup, stop), sysfs, bios log,
    # hwrng, then tpm_add_char_device.
    rc = tpm_chip_start(chip)
    if rc:
        return rc
    tpm_chip_stop(chip)
    return tpm_add_char_device(chip)


def tpm_del_char_device(chip):
    # tpm_del_char_device(): cdev_device_del, idr_replace(NULL) under idr_lock, then "make
    # the driver uncallable": down_write(ops_sem) waits out every tpm_try_get_ops holder,
    # TPM2 shutdown through the still-valid ops, chip->ops = NULL, up_write.  [V]
    cdev_device_del_devt(chip.cdev, chip.dev)
    mutex_lock(tpm.idr_lock)
    tpm.dev_nums[chip.dev_num] = None
    mutex_unlock(tpm.idr_lock)
    down_write(chip.ops_sem)
    if chip.ops is not None:
        if chip.flags & TPM_CHIP_FLAG_TPM2:
            if not tpm_chip_start(chip):
                tpm2_shutdown(chip)
                tpm_chip_stop(chip)
        chip.ops = None
    up_write(chip.ops_sem)


def tpm2_shutdown(chip):
    # tpm2-cmd.c tpm2_shutdown(TPM2_SU_CLEAR): one command through the ops.
    tpm_transmit(chip)


def tpm_chip_unregister(chip):
    # tpm_chip_unregister(): legacy sysfs, hwrng, bios log, tpm_devs_remove (TPM2), then
    # tpm_del_char_device.  "Once this function returns the driver call backs in 'op's will
    # not be running and will no longer start."  [V]
    if chip.flags & TPM_CHIP_FLAG_TPM2:
        tpm_devs_remove(chip)
    tpm_del_char_device(chip)


def tpm_class_shutdown(dev):
    # tpm_class.shutdown_pre (device_shutdown at reboot/kexec): down_write(ops_sem), TPM2
    # shutdown, chip->ops = NULL.  [V]
    chip = container_of(dev, tpm_chip, "dev")
    down_write(chip.ops_sem)
    if chip.flags & TPM_CHIP_FLAG_TPM2:
        if not tpm_chip_start(chip):
            tpm2_shutdown(chip)
            tpm_chip_stop(chip)
    chip.ops = None
    up_write(chip.ops_sem)
    return 0


# ---- /dev/tpmN and /dev/tpmrmN (tpm-dev.c, tpmrm-dev.c, tpm-dev-common.c) ------------------


@infra
def tpm_common_open(filp, chip, priv, space):
    priv.chip = chip
    priv.space = space
    priv.response_read = 1
    filp.private_data = priv


def tpm_open(c, filp):
    # tpm-dev.c tpm_open(): one opener at a time (test_and_set_bit(0, &chip->is_open):
    # -EBUSY), kzalloc the file_priv (-ENOMEM clears the bit again).
    chip = container_of(c, tpm_chip, "cdev")
    spin_lock(tpm.bitops)
    busy = chip.is_open
    chip.is_open = 1
    spin_unlock(tpm.bitops)
    if busy:
        return -EBUSY
    priv = kzalloc(file_priv, GFP_KERNEL)
    if priv is None:
        chip.is_open = 0
        return -ENOMEM
    tpm_common_open(filp, chip, priv, None)
    return 0


def tpm_release(c, filp):
    # tpm-dev.c tpm_release(): tpm_common_release, clear is_open, kfree.
    priv = filp.private_data
    filp.private_data = None
    priv.chip.is_open = 0
    kfree(priv)
    return 0


def tpmrm_open(c, filp):
    # tpmrm-dev.c tpmrm_open(): no exclusivity; a tpm_space with its buffers per file.
    chip = container_of(c, tpm_chip, "cdevs")
    priv = kzalloc(tpmrm_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    priv.space.context_buf = kzalloc(tpm_space_buf, GFP_KERNEL)
    priv.space.session_buf = kzalloc(tpm_space_buf, GFP_KERNEL)
    tpm_common_open(filp, chip, priv.priv, priv.space)
    return 0


def tpm2_del_space(chip, space):
    # tpm2-space.c tpm2_del_space() (fixed): flush the sessions only through
    # tpm_try_get_ops(), which fails once the chip is unregistered.
    if tpm_try_get_ops(chip) == 0:
        tpm_put_ops(chip)
    kfree(space.context_buf)
    kfree(space.session_buf)


def tpm2_del_space_2019(chip, space):
    # tpm2_del_space() from 5.1 until the fix: tpm_mutex and tpm_chip_start() without the
    # ops_sem fence, so after tpm_chip_unregister() chip->ops is NULL here.
    mutex_lock(chip.tpm_mutex)
    if not tpm_chip_start(chip):
        tpm_chip_stop(chip)
    mutex_unlock(chip.tpm_mutex)
    kfree(space.context_buf)
    kfree(space.session_buf)


def tpmrm_release(c, filp):
    # tpmrm-dev.c tpmrm_release(): tpm_common_release, tpm2_del_space, kfree.
    fpriv = filp.private_data
    filp.private_data = None
    priv = container_of(fpriv, tpmrm_priv, "priv")
    tpm2_del_space(fpriv.chip, priv.space)
    kfree(priv)
    return 0


def tpm_common_write(filp, size):
    # tpm-dev-common.c tpm_common_write() (blocking): buffer_mutex; -EBUSY while a response
    # is unread; the command goes out inside tpm_try_get_ops (-EPIPE once unregistered).
    priv = filp.private_data
    if size > TPM_BUFSIZE:
        return -E2BIG
    mutex_lock(priv.buffer_mutex)
    if (not priv.response_read and priv.response_length) or priv.command_enqueued:
        mutex_unlock(priv.buffer_mutex)
        return -EBUSY
    priv.response_length = 0
    priv.response_read = 0
    chip = priv.chip
    if tpm_try_get_ops(chip):
        mutex_unlock(priv.buffer_mutex)
        return -EPIPE
    ret = tpm_transmit(chip)
    tpm_put_ops(chip)
    if ret > 0:
        priv.response_length = ret
        ret = size
    mutex_unlock(priv.buffer_mutex)
    return ret


def tpm_common_read(filp):
    # tpm-dev-common.c tpm_common_read(): the pending response under buffer_mutex.
    priv = filp.private_data
    mutex_lock(priv.buffer_mutex)
    ret = 0
    if priv.response_length:
        priv.response_read = 1
        ret = priv.response_length
        priv.response_length = 0
    mutex_unlock(priv.buffer_mutex)
    return ret


@infra
def tpm_open_dev(chip_num):
    # open("/dev/tpm<chip_num>")
    if chip_num == 0:
        return chrdev_open_rdev(MKDEV(MISC_MAJOR, TPM_MINOR))
    return chrdev_open_rdev(MKDEV(MAJOR(tpm.tpm_devt), chip_num))


@infra
def tpmrm_open_dev(chip_num):
    # open("/dev/tpmrm<chip_num>")
    return chrdev_open_rdev(MKDEV(MAJOR(tpm.tpm_devt), chip_num + TPM_NUM_DEVICES))

