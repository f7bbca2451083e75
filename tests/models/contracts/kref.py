"""kref contracts (include/linux/kref.h kernel-doc): kref_init() sets the count to 1;
kref_put() calls release exactly once, in the put that drops the count to zero, and returns 1
only there; kref_get() on a zero count and a put below zero are refcount_t's
use-after-free warnings."""

from pyfuzz.model import *


class Obj(Struct):
    ref: Kref


class World(Struct):
    obj: Ref[Obj]
    releases: int
    ones: int
    ones2: int
    done: Completion


w = Global(World)


def obj_release(k):
    w.releases += 1
    kfree(container_of(k))


def obj_release_keep(k):
    w.releases += 1


def setup():
    o = kzalloc(Obj, GFP_KERNEL)
    kref_init(o.ref)
    kref_get(o.ref)
    w.obj = o


def putter():
    w.ones = kref_put(w.obj.ref, obj_release)
    complete(w.done)


def putter2():
    w.ones2 = kref_put(w.obj.ref, obj_release)
    complete(w.done)


def checker():
    wait_for_completion(w.done)
    wait_for_completion(w.done)
    assert w.releases == 1
    assert w.ones + w.ones2 == 1  # 1 from the put that released, 0 from the other


def get_after_release():
    o = kzalloc(Obj, GFP_KERNEL)
    kref_init(o.ref)
    w.obj = o
    k = o.ref
    kref_put(k, obj_release)
    kref_get(k)


SCENARIOS = [
    Scenario(
        name="kref-release-once",
        boot=[setup],
        actors=[
            Thread(putter, name="p1"),
            Thread(putter2, name="p2"),
            Thread(checker, name="checker"),
        ],
        expect={"": "clean"},
    ),
    Scenario(
        name="kref-get-after-release",
        actors=[Thread(get_after_release, name="a")],
        variants={"freed": {}, "kept": {obj_release: obj_release_keep}},
        expect={"freed": "KASAN: slab-use-after-free", "kept": "refcount bug"},
    ),
]
