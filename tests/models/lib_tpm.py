"""The TPM chip core (pyfuzz/kernel/tpm_chip.py) with a small memory-mapped TPM2 driver: probe
maps its registers (devm_ioremap), allocates the chip (tpmm_chip_alloc) and registers it;
->remove calls tpm_chip_unregister(). A process uses /dev/tpm0 (open, write a command, read
the response, close) and another /dev/tpmrm0, while sysfs unbind runs. The fixed driver is
clean: unregister waits out a command in flight (ops_sem), later writes get -EPIPE, and the
devres unmap runs after ->remove. The twins: `hw-first` unmaps the registers before
unregistering (the TPM2 shutdown that unregister sends, or a command in flight, writes an
unmapped BAR), and `close-2019` runs the 2019..2022 tpmrm close path (tpm2_del_space without
the ops fence), a NULL pointer dereference when /dev/tpmrm0 is closed after the unbind."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize
from pyfuzz.kernel.base_core import dev_get_drvdata, dev_set_drvdata
from pyfuzz.kernel.base_dd import device_driver, device_driver_attach, unbind_store
from pyfuzz.kernel.base_devres import devm_ioremap, devm_iounmap, devm_kzalloc
from pyfuzz.kernel.char_dev import __fput
from pyfuzz.kernel.errno import ENODEV, ENOMEM
from pyfuzz.kernel.tpm_chip import TPM_CHIP_FLAG_TPM2, tpm2_del_space, tpm2_del_space_2019
from pyfuzz.kernel.tpm_chip import tpm_chip, tpm_chip_register, tpm_chip_unregister
from pyfuzz.kernel.tpm_chip import tpm_class_ops, tpm_common_read, tpm_common_write
from pyfuzz.kernel.tpm_chip import tpm_init, tpm_open_dev, tpmm_chip_alloc, tpmrm_open_dev

REG_CMD = 0
REG_RSP = 1


class td_priv(Struct):
    regs: Ref
    chip: Ref[tpm_chip]


class td_device(Struct):
    dev: device


class td_world(Struct):
    tdev: Ref[td_device]
    fd: Ref
    rmfd: Ref
    result: int


world = Global(td_world, name="world")
td_driver = Global(device_driver, name="td_driver")
td_ops = Global(tpm_class_ops, name="td_ops")


def td_send(chip):
    priv = dev_get_drvdata(chip.dev)
    mmio_write(priv.regs, REG_CMD, 1)
    return 0


def td_recv(chip):
    priv = dev_get_drvdata(chip.dev)
    return mmio_read(priv.regs, REG_RSP) + 10


def td_probe(dev):
    priv = devm_kzalloc(dev, kzalloc(td_priv, GFP_KERNEL))
    if priv is None:
        return -ENOMEM
    priv.regs = devm_ioremap(dev, 4)
    chip = tpmm_chip_alloc(dev, td_ops)
    if chip is None:
        return -ENODEV
    chip.flags = TPM_CHIP_FLAG_TPM2
    dev_set_drvdata(chip.dev, priv)
    priv.chip = chip
    return tpm_chip_register(chip)


def td_remove(dev):
    chip = dev_get_drvdata(dev)
    tpm_chip_unregister(chip)


def td_remove_hw_first(dev):
    # BUG: the registers go before the chip is made uncallable
    chip = dev_get_drvdata(dev)
    priv = dev_get_drvdata(chip.dev)
    devm_iounmap(dev, priv.regs)
    tpm_chip_unregister(chip)


def td_device_release(dev):
    kfree(container_of(dev, td_device, "dev"))


def td_boot():
    tpm_init()
    td_ops.send = td_send
    td_ops.recv = td_recv
    td_driver.probe = td_probe
    td_driver.remove = td_remove
    tdev = kzalloc(td_device, GFP_KERNEL)
    device_initialize(tdev.dev, td_device_release)
    device_add(tdev.dev, None)
    world.tdev = tdev
    device_driver_attach(td_driver, tdev.dev)


def td_unbind():
    unbind_store(td_driver, world.tdev.dev)


def user_open():
    if world.fd is None:
        world.fd = tpm_open_dev(0)


def user_write():
    if world.fd is not None:
        world.result = tpm_common_write(world.fd, 10)


def user_read():
    if world.fd is not None:
        world.result = tpm_common_read(world.fd)


def user_close():
    if world.fd is not None:
        __fput(world.fd)
        world.fd = None


def rm_open():
    if world.rmfd is None:
        world.rmfd = tpmrm_open_dev(0)


def rm_write():
    if world.rmfd is not None:
        world.result = tpm_common_write(world.rmfd, 10)


def rm_close():
    if world.rmfd is not None:
        __fput(world.rmfd)
        world.rmfd = None


scenarios = [
    Scenario(
        name="tpm-chip",
        description="tpm_chip_unregister fences the ops against /dev/tpm0 and /dev/tpmrm0 users",
        boot=[td_boot],
        actors=[
            Thread(td_unbind, name="unbind"),
            Actor(
                name="tpm0",
                actions=[
                    Action(user_open, name="open"),
                    Action(user_write, name="write"),
                    Action(user_read, name="read"),
                    Action(user_close, name="close"),
                ],
                default=(0, 1, 3),
                min=1,
                max=4,
            ),
            Actor(
                name="tpmrm0",
                actions=[
                    Action(rm_open, name="open"),
                    Action(rm_write, name="write"),
                    Action(rm_close, name="close"),
                ],
                default=(0, 2),
                min=1,
                max=3,
            ),
        ],
        variants={
            "fixed": {},
            "hw-first": {td_remove: td_remove_hw_first},
            "close-2019": {tpm2_del_space: tpm2_del_space_2019},
        },
        expect={
            "fixed": "clean",
            "hw-first": "BUG: unable to handle page fault",
            "close-2019": "BUG: kernel NULL pointer dereference",
        },
    ),
]
