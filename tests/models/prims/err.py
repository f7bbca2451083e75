"""Primitive family `err`: ERR_PTR, IS_ERR, IS_ERR_OR_NULL, PTR_ERR (include/linux/err.h): an
error pointer is tested and converted back to its errno, a valid pointer and None are not
errors, and dereferencing an error pointer is the kernel's page fault in the last page
(fffffffffffffff4 for -ENOMEM)."""

from pyfuzz.model import *


class Obj(Struct):
    val: int


class Holder(Struct):
    p: Ref[Obj]


g = Global(Holder)


def error_pointers():
    e = ERR_PTR(-ENOMEM)
    assert IS_ERR(e) and IS_ERR_OR_NULL(e)
    assert PTR_ERR(e) == -ENOMEM
    assert not IS_ERR(None) and IS_ERR_OR_NULL(None)
    o = kzalloc(Obj, GFP_KERNEL)
    assert not IS_ERR(o) and not IS_ERR_OR_NULL(o) and PTR_ERR(o) == 0
    kfree(o)


def deref_error_pointer():
    g.p = ERR_PTR(-ENOMEM)
    g.p.val = 1


SCENARIOS = [
    Scenario(name="err-pass", actors=[Thread(error_pointers)], expect={"": "clean"}),
    Scenario(
        name="err-deref",
        actors=[Thread(deref_error_pointer, name="t1")],
        expect={"": "BUG: unable to handle kernel paging request in deref_error_pointer"},
    ),
]
