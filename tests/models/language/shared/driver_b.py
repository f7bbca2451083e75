"""Language test model: a second driver on mycore.py; it reads the core's buffer without
the core's lock while the core tears it down, so it finds a use-after-free."""

import mycore
from pyfuzz.model import *


def b_read():
    buf = mycore.core.buf
    if buf is not None:
        return buf.data
    return 0


def b_read_core():
    return b_read()


driver_b = Scenario(
    name="driver-b",
    description="driver B peeks at the core's buffer without its lock",
    boot=[mycore.core_setup],
    actors=[Thread(b_read_core), Thread(mycore.core_teardown)],
    expect={"": "KASAN: slab-use-after-free"},
)
