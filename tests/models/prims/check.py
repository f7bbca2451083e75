"""Primitive family `check`: BUG_ON, WARN_ON, WARN, __WARN_printf and report (the kernel library's own
oracles, such as pci_warn's "Resources present before probing")."""

from pyfuzz.model import *


class Dev(Struct):
    flag: int


dev = Global(Dev)


def checks_pass():
    BUG_ON(dev.flag)
    assert WARN_ON(dev.flag) == 0
    assert WARN(dev.flag, "flag set") == 0


def bug_on():
    dev.flag = 1
    BUG_ON(dev.flag)


def warn_on():
    dev.flag = 1
    WARN_ON(dev.flag)


def warn_msg():
    dev.flag = 1
    WARN(dev.flag, "flag set twice")


def warn_printf():
    # the expansion of WARN(1, "Trying to free already-free IRQ %d\n", irq) in __free_irq
    dev.flag = 30
    __WARN_printf("Trying to free already-free IRQ %d", dev.flag, None)


def report_it():
    report("Resources present before probing")


SCENARIOS = [
    Scenario(name="check-pass", actors=[Thread(checks_pass)], expect={"": "clean"}),
    Scenario(
        name="check-fire",
        actors=[Thread(bug_on, name="t1")],
        variants={
            "bug-on": {},
            "warn-on": {bug_on: warn_on},
            "warn": {bug_on: warn_msg},
            "report": {bug_on: report_it},
            "warn-printf": {bug_on: warn_printf},
        },
        expect={
            "bug-on": "kernel BUG in bug_on",
            "warn-on": "WARNING in warn_on",
            "warn": "WARNING in warn_msg",
            "report": "Resources present before probing in report_it",
            "warn-printf": "WARNING in warn_printf",
        },
    ),
]
