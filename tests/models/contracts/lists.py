"""List contracts (include/linux/list.h, lib/list_debug.c with CONFIG_DEBUG_LIST):
list_del() poisons the entry (a second list_del() is `list_del corruption` naming
LIST_POISON1); list_del_init() leaves the entry empty, so list_empty() is true and deleting
it again is harmless; list_add() of an entry already next to the head is `list_add double
add`."""

from pyfuzz.model import *


class Item(Struct):
    node: ListHead


class World(Struct):
    head: ListHead
    item: Ref[Item]


w = Global(World, name="world")


def setup():
    it = kzalloc(Item, GFP_KERNEL)
    w.item = it
    list_add(it.node, w.head)


def del_twice():
    list_del(w.item.node)
    list_del(w.item.node)


def del_init_twice():
    n = w.item.node
    list_del_init(n)
    assert list_empty(n)
    assert list_empty(w.head)
    list_del_init(n)
    list_add_tail(n, w.head)
    assert list_first(w.head) == n
    assert list_next(n, w.head) is None


def add_twice():
    list_add(w.item.node, w.head)


SCENARIOS = [
    Scenario(
        name="list-del",
        boot=[setup],
        actors=[Thread(del_twice, name="a")],
        variants={"del": {}, "del-init": {del_twice: del_init_twice}, "add": {del_twice: add_twice}},
        expect={"del": "BUG: corrupted list", "del-init": "clean", "add": "BUG: corrupted list"},
    ),
]
