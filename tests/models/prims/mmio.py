"""Primitive family `mmio`: ioremap, iounmap, mmio_read, mmio_write."""

from pyfuzz.model import *


class Dev(Struct):
    io: Ref


dev = Global(Dev)


def roundtrip():
    io = ioremap(4)
    assert mmio_read(io, 2) == 0
    mmio_write(io, 2, 7)
    assert mmio_read(io, 2) == 7
    assert mmio_read(io, 1) == 0
    iounmap(io)


def read_after_unmap():
    io = ioremap(4)
    iounmap(io)
    return mmio_read(io, 0)


def write_after_unmap():
    io = ioremap(4)
    iounmap(io)
    mmio_write(io, 0, 1)


SCENARIOS = [
    Scenario(name="mmio-roundtrip", actors=[Thread(roundtrip)], expect={"": "clean"}),
    Scenario(
        name="mmio-unmapped",
        actors=[Thread(read_after_unmap, name="t1")],
        variants={"read": {}, "write": {read_after_unmap: write_after_unmap}},
        expect={
            "read": "BUG: unable to handle kernel paging request",
            "write": "BUG: unable to handle kernel paging request",
        },
    ),
]
