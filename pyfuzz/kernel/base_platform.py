"""drivers/base/platform.c: platform devices with their resources, the platform bus
probe/remove, and the resource lookups a platform driver's probe makes.

A platform_device carries an array of `struct resource` (IORESOURCE_MEM register windows,
IORESOURCE_IRQ lines), added before registration (`platform_device_add_resources`, here one at a
time with `platform_add_resource`). `platform_get_resource(dev, type, num)` returns the num-th
resource of that type; `platform_get_irq_optional` its start for IORESOURCE_IRQ, else -ENXIO
(6.x also asks the firmware node first: of_irq_get, which returns -EPROBE_DEFER while the
interrupt controller's driver has not probed; under fault injection's `defer` class that is the
failure a driver call of platform_get_irq* may get); `platform_get_irq` is the same with
dev_err_probe("IRQ index %u not found"), a log line only. `devm_platform_ioremap_resource` is
platform_get_resource(IORESOURCE_MEM) + devm_ioremap_resource: a missing resource is
ERR_PTR(-EINVAL) (None here, as the library's other ERR_PTRs), else a mapping unmapped at unbind
by devres. Resources are freed with the device (platform_device_release). Checked against
drivers/base/platform.c and lib/devres.c (6.x); the IRQ trigger flags (IORESOURCE_BITS), ACPI
and the memory-region request of __devm_ioremap_resource are not modelled.
"""

from pyfuzz.model import *
from pyfuzz.kernel.base_core import device, device_add, device_initialize
from pyfuzz.kernel.base_dd import bus_type
from pyfuzz.kernel.base_devres import devm_ioremap
from pyfuzz.kernel.errno import ENXIO

IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_IRQ = 0x400
IORESOURCE_TYPE_BITS = 0x1F00
PLATFORM_MAX_RESOURCES = 4


class resource(Struct):
    start: int
    end: int
    flags: int


class platform_device(Struct):
    dev: device
    id: int
    num_resources: int
    resource: Array[Ref[resource], PLATFORM_MAX_RESOURCES]


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
    # platform.c platform_device_release(): the resource array goes with the device
    pdev = container_of(dev, platform_device, "dev")
    for i in range(pdev.num_resources):
        kfree(pdev.resource[i])
    kfree(pdev)


def platform_add_resource(pdev, flags, start, size):
    # one entry of platform_device_add_resources() (a kmemdup of the board's array): before
    # platform_device_register; returns 0, or -ENOMEM when the array is full
    n = pdev.num_resources
    if n >= PLATFORM_MAX_RESOURCES:
        return -ENOMEM
    r = kzalloc(resource, GFP_KERNEL)
    r.start = start
    r.end = start + size - 1
    r.flags = flags
    pdev.resource[n] = r
    pdev.num_resources = n + 1
    return 0


def platform_device_register(pdev):
    platform_bus_type.probe = platform_probe
    platform_bus_type.remove = platform_remove
    device_initialize(pdev.dev, platform_device_release)
    pdev.dev.bus = platform_bus_type
    device_add(pdev.dev, None)


@infra
def resource_type(r):
    return r.flags & IORESOURCE_TYPE_BITS


def platform_get_resource(dev, type, num):
    # platform.c platform_get_resource(): the num-th resource of `type`, or NULL
    for i in range(dev.num_resources):
        r = dev.resource[i]
        if resource_type(r) == type:
            if num == 0:
                return r
            num -= 1
    return None


def platform_get_irq_optional(dev, num):
    # platform.c platform_get_irq_optional(): the IORESOURCE_IRQ resource's start, -ENXIO
    # when there is none; WARN(!ret, "0 is an invalid IRQ number") and -EINVAL for a 0.
    # Checked against drivers/base/platform.c 6.12 (the of_irq_get first, -EPROBE_DEFER
    # passed through: fault injection's `defer` class; ACPI and trigger flags not modelled).
    r = platform_get_resource(dev, IORESOURCE_IRQ, num)
    if r is None:
        return -ENXIO
    ret = r.start
    if ret == 0:
        __WARN_printf("0 is an invalid IRQ number", None, None)
        return -EINVAL
    return ret


def platform_get_irq(dev, num):
    # platform.c platform_get_irq(): as _optional, plus dev_err_probe(&dev->dev, ret, "IRQ
    # index %u not found\n", num) on an error (a log line; silent for -EPROBE_DEFER)
    return platform_get_irq_optional(dev, num)


def devm_ioremap_resource(dev, res):
    # lib/devres.c __devm_ioremap_resource(): !res is dev_err("invalid resource") and
    # ERR_PTR(-EINVAL); else the region is mapped with a devres iounmap
    if res is None:
        return None
    return devm_ioremap(dev, res.end - res.start + 1)


def devm_platform_ioremap_resource(pdev, index):
    # platform.c devm_platform_ioremap_resource() -> devm_platform_get_and_ioremap_resource()
    r = platform_get_resource(pdev, IORESOURCE_MEM, index)
    return devm_ioremap_resource(pdev.dev, r)
