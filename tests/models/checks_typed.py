"""Checks test model: every field access here is on an expression whose struct type the compiler
knows (a Global, kzalloc, a Ref field, an embedded struct, an Array[Ref[T], N] element, an
annotated parameter, container_of), so misspelling any of them is a compile error."""

from pyfuzz.model import *


class Child(Struct):
    value: int
    lock: Mutex


class Parent(Struct):
    child: Ref[Child]
    embedded: Child
    children: Array[Ref[Child], 2]
    node: ListHead
    count: int


ROOT = Global(Parent)


def from_global():
    ROOT.count = 1


def from_alloc():
    c = kzalloc(Child, GFP_KERNEL)
    c.value = 2
    ROOT.child = c


def from_ref_field():
    c = ROOT.child
    if c is not None:
        c.value += 1


def from_embedded():
    e = ROOT.embedded
    with e.lock:
        e.value = 3


def from_array():
    c = ROOT.children[0]
    if c is not None:
        c.value = 4


def from_param(p: Parent):
    p.count += 1


def from_ref_param(p: "Ref[Parent]"):
    q = p
    q.count -= 1


def from_container_of():
    p = container_of(ROOT.node, Parent, "node")
    p.count = 5


def from_global_fixed():
    ROOT.count = 6


checks_typed = Scenario(
    name="checks-typed",
    description="field accesses with statically known struct types",
    actors=[
        Actor(
            name="typed",
            actions=[
                Action(from_global),
                Action(from_alloc),
                Action(from_ref_field),
                Action(from_embedded),
                Action(from_array),
                Action(from_param, (ROOT,)),
                Action(from_ref_param, (ROOT,)),
                Action(from_container_of),
            ],
            default=(0, 1, 2, 3, 4, 5, 6, 7),
            min=8,
            max=8,
        ),
    ],
    variants={"plain": {}, "fixed": {from_global: from_global_fixed}},
    expect={"plain": "clean", "fixed": "clean"},
)
