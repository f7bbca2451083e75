"""Language test model: a driver adds private fields to the library's `struct device`.

`mydrv_device` extends `device` (pyfuzz/kernel/base_core.py) with a busy flag and the mutex
that guards it; the library's own code (device_initialize, get_device/put_device, the release
path) runs on the extended struct unchanged. Two users each claim the device under the
driver's mutex; the `unlocked` variant claims it without the mutex and is caught.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_initialize, get_device, put_device


class mydrv_device(Extension, extends=device):
    mydrv_busy: int
    mydrv_lock: Mutex


class mydrv(Struct):
    dev: Ref[device]


drv = Global(mydrv)


def mydrv_release(dev):
    kfree(dev)


def mydrv_probe():
    dev = kzalloc(device, GFP_KERNEL)
    device_initialize(dev, mydrv_release)
    drv.dev = dev


def claim(dev: Ref[device]):
    dev.mydrv_busy = 1
    msleep(1)
    assert dev.mydrv_busy == 1
    dev.mydrv_busy = 0


def user():
    dev = get_device(drv.dev)
    mutex_lock(dev.mydrv_lock)
    claim(dev)
    mutex_unlock(dev.mydrv_lock)
    put_device(dev)


def user_unlocked():
    dev = get_device(drv.dev)
    claim(dev)
    put_device(dev)


extended = Scenario(
    name="extension",
    description="driver-private fields on struct device: a flag and the mutex guarding it",
    boot=[mydrv_probe],
    actors=[Thread(user, name="user1"), Thread(user, name="user2")],
    variants={"locked": {}, "unlocked": {user: user_unlocked}},
    expect={"locked": "clean", "unlocked": "kernel BUG"},
    extensions=[mydrv_device],
)

forgotten = Scenario(
    name="extension-unlisted",
    description="the same model without listing the extension",
    boot=[mydrv_probe],
    actors=[Thread(user)],
)
