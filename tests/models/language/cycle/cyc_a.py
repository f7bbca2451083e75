"""Language test model: half of an import cycle."""

from cyc_b import b_func


def a_func():
    b_func()
