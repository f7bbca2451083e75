"""drivers/base/platform.c: platform devices and the platform bus probe/remove."""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize
from pyfuzz.kernel.base_dd import bus_type


class platform_device(Struct):
    dev: device
    id: int


platform_bus_type = Global(bus_type, name="platform_bus_type")


def platform_probe(dev):
    pdev = container_of(dev, platform_device, "dev")
    drv = dev.driver
    return drv.probe(pdev)


def platform_remove(dev):
    pdev = container_of(dev, platform_device, "dev")
    drv = dev.driver
    if drv.remove is not None:
        drv.remove(pdev)


def platform_device_release(dev):
    kfree(container_of(dev, platform_device, "dev"))


def platform_device_register(pdev):
    platform_bus_type.probe = platform_probe
    platform_bus_type.remove = platform_remove
    device_initialize(pdev.dev, platform_device_release)
    pdev.dev.bus = platform_bus_type
    device_add(pdev.dev, None)
