"""Error paths of a probe under fault injection (the kernel's fail-nth): `fp_probe` allocates
its private data, then a buffer, then requests its interrupt, and on each failure undoes what
it did so far. The fixed probe is clean with every call failed in turn; `leaky` forgets to free
the private data when the buffer allocation fails (kmemleak: an unreferenced object), and
`double-free` frees the private data on a failed request_irq and again at its common exit
(KASAN double-free). Nothing fails unless fault injection is on, so every variant is clean
without it. An interrupt actor runs the handler, which reads the buffer, alongside probe and
remove. `probe-plain` declares no fault injection (the command line's `--fail` turns it on)."""

from pyfuzz.model import *
from pyfuzz.kernel.irq_manage import free_irq, handle_irq, irq_alloc_desc, request_irq


class fp_buf(Struct):
    data: int


class fp_priv(Struct):
    buf: Ref[fp_buf]


class fp_dev(Struct):
    priv: Ref[fp_priv]
    irq: int
    bound: int


dev = Global(fp_dev)


def fp_boot():
    dev.irq = irq_alloc_desc(None, 0)


def fp_handler(irq, dev_id):
    priv = dev_id
    priv.buf.data += 1
    return IRQ_HANDLED


def fp_probe():
    priv = kzalloc(fp_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    buf = kzalloc(fp_buf, GFP_KERNEL)
    if buf is None:
        kfree(priv)
        return -ENOMEM
    priv.buf = buf
    rc = request_irq(dev.irq, fp_handler, priv)
    if rc:
        kfree(buf)
        kfree(priv)
        return rc
    dev.priv = priv
    dev.bound = 1
    return 0


def fp_probe_leaky():
    priv = kzalloc(fp_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    buf = kzalloc(fp_buf, GFP_KERNEL)
    if buf is None:
        return -ENOMEM                  # BUG: priv leaks
    priv.buf = buf
    rc = request_irq(dev.irq, fp_handler, priv)
    if rc:
        kfree(buf)
        kfree(priv)
        return rc
    dev.priv = priv
    dev.bound = 1
    return 0


def fp_probe_double_free():
    priv = kzalloc(fp_priv, GFP_KERNEL)
    if priv is None:
        return -ENOMEM
    buf = kzalloc(fp_buf, GFP_KERNEL)
    if buf is None:
        kfree(priv)
        return -ENOMEM
    priv.buf = buf
    rc = request_irq(dev.irq, fp_handler, priv)
    if rc:
        kfree(buf)
        kfree(priv)                     # BUG: freed again below
    if rc == 0:
        dev.priv = priv
        dev.bound = 1
        return 0
    kfree(priv)
    return rc


def fp_bind():
    if fp_probe() == 0:
        free_irq(dev.irq, dev.priv)
        priv = dev.priv
        dev.priv = None
        dev.bound = 0
        kfree(priv.buf)
        kfree(priv)


def fp_interrupt():
    handle_irq(dev.irq)


scenarios = [
    Scenario(
        name="probe-error-paths",
        boot=[fp_boot],
        actors=[Thread(fp_bind, name="bind"), Thread(fp_interrupt, name="irq", context="hardirq")],
        variants={
            "fixed": {},
            "leaky": {fp_probe: fp_probe_leaky},
            "double-free": {fp_probe: fp_probe_double_free},
        },
        expect={
            "fixed": "clean",
            "leaky": "memory leak",
            "double-free": "KASAN: double-free",
        },
        config={"fault_injection": True},
    ),
    # The same without the config switch: fault injection comes from the command line.
    Scenario(
        name="probe-plain",
        boot=[fp_boot],
        actors=[Thread(fp_bind, name="bind")],
        variants={"fixed": {}, "leaky": {fp_probe: fp_probe_leaky}},
        expect={"fixed": "clean", "leaky": "clean"},
    ),
]
