"""Compiler test model: every struct field type, string annotations and base-class fields."""

from __future__ import annotations

from pyfuzz.model import *

SLOTS = 3


class Base(Struct):
    kref: Kref
    node: ListHead


class Inner(Struct):
    lock: Spinlock
    value: int


class Outer(Base):
    inner: Inner
    sem: RwSem
    comp: Completion
    work: Work
    ptrs: Array[Ref[Inner], SLOTS]
    handlers: Array[Func, 2]
    flags: Array[bool, 16]
    anything: Ref
    self_ref: Ref[Outer]
    later: Ref["Later"]
    mutex: Mutex
    wq: WaitQueue
    cb: Func
    enabled: bool


class Later(Struct):
    count: int


OUTER = Global(Outer)


def touch():
    OUTER.enabled = 1


SCENARIO = Scenario(name="compiler_types", actors=[Thread(touch)])
