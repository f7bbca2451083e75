"""Primitive family `kref`: init, get, put (with its release), read."""

from pyfuzz.model import *


class Obj(Struct):
    ref: Kref
    val: int


class Holder(Struct):
    obj: Ref[Obj]
    released: int


g = Global(Holder)


def release(ref):
    # Runs exactly once, when the last reference is put.
    assert g.released == 0
    g.released = 1
    kfree(container_of(ref))


def kref_counts():
    p = kzalloc(Obj, GFP_KERNEL)
    assert kref_read(p.ref) == 1
    kref_get(p.ref)
    kref_get(p.ref)
    assert kref_read(p.ref) == 3
    assert kref_put(p.ref, release) == 0
    kref_init(p.ref)
    assert kref_read(p.ref) == 1
    assert kref_put(p.ref, release) == 1
    assert g.released == 1


def share():
    g.obj = kzalloc(Obj, GFP_KERNEL)
    kref_get(g.obj.ref)


def put_one():
    o = g.obj
    kref_put(o.ref, release)


def put_twice():
    o = g.obj
    kref_put(o.ref, release)
    kref_put(o.ref, release)


SCENARIOS = [
    Scenario(name="kref-counts", actors=[Thread(kref_counts)], expect={"": "clean"}),
    # Two owners put concurrently: the release runs once, whoever puts last.
    Scenario(
        name="kref-shared",
        boot=[share],
        actors=[Thread(put_one, name="a"), Thread(put_one, name="b")],
        variants={"fixed": {}, "buggy": {put_one: put_twice}},
        expect={"fixed": "clean", "buggy": "KASAN: slab-use-after-free"},
    ),
]
