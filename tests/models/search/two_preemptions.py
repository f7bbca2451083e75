"""A bug only two preemptions show: the reader sees the writer's first store, then its
second, between its own two loads (write, read, write, read). A reader loop of several
rounds against a writer makes the interleavings many and the states few."""

from pyfuzz.model import *


class Shared(Struct):
    x: int
    seen: int


g = Global(Shared)


def writer():
    g.x = 1
    g.x = 2


def reader():
    first = g.x
    second = g.x
    BUG_ON(first == 1 and second == 2)


def reader_fixed():
    first = g.x
    second = g.x
    g.seen = first + second


def reader_loop():
    for i in range(40):
        first = g.x
        second = g.x
        g.seen = first + second


two_preemptions = Scenario(
    name="two-preemptions",
    description="write/read/write/read: a BUG_ON that needs two preemptions",
    actors=[Thread(writer, name="writer"), Thread(reader, name="reader")],
    variants={"buggy": {}, "fixed": {reader: reader_fixed}, "loop": {reader: reader_loop}},
    expect={"buggy": "kernel BUG", "fixed": "clean", "loop": "clean"},
)
