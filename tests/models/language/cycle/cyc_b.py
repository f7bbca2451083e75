"""Language test model: the other half of an import cycle."""

import cyc_a


def b_func():
    pass
