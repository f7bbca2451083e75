"""Primitive family `list`: list_head with CONFIG_DEBUG_LIST checks."""

from pyfuzz.model import *


class Item(Struct):
    node: ListHead
    val: int


class Bus(Struct):
    head: ListHead


bus = Global(Bus)


def item(v):
    p = kzalloc(Item, GFP_KERNEL)
    p.val = v
    return p


def list_walk():
    h = bus.head
    list_init(h)
    assert list_empty(h)
    a = item(1)
    b = item(2)
    c = item(3)
    list_add_tail(a.node, h)
    list_add_tail(b.node, h)
    list_add(c.node, h)
    assert not list_empty(h)
    n = list_first(h)
    assert container_of(n).val == 3
    n = list_next(n, h)
    assert container_of(n).val == 1
    n = list_next(n, h)
    assert container_of(n).val == 2
    assert list_next(n, h) is None
    list_del(a.node)
    assert container_of(list_next(list_first(h), h)).val == 2
    list_del_init(c.node)
    assert list_empty(c.node)
    assert container_of(list_first(h)).val == 2
    list_del_init(b.node)
    assert list_empty(h)
    assert list_first(h) is None
    kfree(a)
    kfree(b)
    kfree(c)


def add_twice_buggy():
    a = item(1)
    list_add(a.node, bus.head)
    list_add(a.node, bus.head)


def add_twice_fixed():
    a = item(1)
    list_add(a.node, bus.head)
    list_del_init(a.node)
    list_add(a.node, bus.head)
    list_del(a.node)
    kfree(a)


SCENARIOS = [
    Scenario(name="list-walk", actors=[Thread(list_walk)], expect={"": "clean"}),
    Scenario(
        name="list-add-twice",
        actors=[Thread(add_twice_buggy, name="t1")],
        variants={"buggy": {}, "fixed": {add_twice_buggy: add_twice_fixed}},
        expect={"buggy": "BUG: corrupted list", "fixed": "clean"},
    ),
]
