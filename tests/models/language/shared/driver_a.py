"""Language test model: a driver built on mycore.py (an ordinary import of the file beside
it); it reads the core's buffer under the core's lock, so it is clean."""

from pyfuzz.model import *
from mycore import CORE_MAGIC, core_get, core_setup, core_teardown


def a_read():
    value = core_get()
    assert value == CORE_MAGIC or value == -ENODEV


driver_a = Scenario(
    name="driver-a",
    description="driver A reads through the shared core",
    boot=[core_setup],
    actors=[Thread(a_read), Thread(core_teardown)],
    expect={"": "clean"},
)
