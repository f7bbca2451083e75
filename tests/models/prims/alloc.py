"""Primitive family `alloc`: kfree and container_of."""

from pyfuzz.model import *


class Inner(Struct):
    x: int


class Node(Struct):
    val: int
    inner: Inner


def free_and_embed():
    p = kzalloc(Node, GFP_KERNEL)
    inner = p.inner
    assert container_of(inner) == p
    assert container_of(inner, Node, "inner") == p
    assert container_of(p) is None
    kfree(p)
    kfree(None)


def free_embedded_buggy():
    p = kzalloc(Node, GFP_KERNEL)
    kfree(p.inner)


def free_embedded_fixed():
    p = kzalloc(Node, GFP_KERNEL)
    kfree(container_of(p.inner))


SCENARIOS = [
    Scenario(name="kfree-container-of", actors=[Thread(free_and_embed)], expect={"": "clean"}),
    Scenario(
        name="kfree-embedded",
        actors=[Thread(free_embedded_buggy, name="t1")],
        variants={"buggy": {}, "fixed": {free_embedded_buggy: free_embedded_fixed}},
        expect={"buggy": "KASAN: invalid-free", "fixed": "clean"},
    ),
]
