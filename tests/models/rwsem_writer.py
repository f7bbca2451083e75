"""rw_semaphore writer preference (kernel/locking/rwsem.c): a reader that already holds the
semaphore and takes it again while a writer waits queues behind the writer, which waits for the
first read hold to end: both tasks hang. `recursive` calls a helper that does its own down_read
from inside the read section (the classic bug: it works until a writer arrives); `fixed` calls
the helper's __locked form. With lockdep off (as a kernel without CONFIG_PROVE_LOCKING sees
it) the hang itself is the report; with lockdep on, the second down_read is `possible recursive
locking detected` at once, writer or not. Without a writer the recursive read succeeds, as in
the kernel (`recursive-alone`)."""

from pyfuzz.model import *


class rw_dev(Struct):
    sem: RwSem
    data: int
    seen: int


dev = Global(rw_dev, name="dev")


def rw_stats_locked():
    dev.seen = dev.data


def rw_stats():
    down_read(dev.sem)
    rw_stats_locked()
    up_read(dev.sem)


def rw_reader():
    down_read(dev.sem)
    v = dev.data
    rw_stats()                          # BUG: down_read again inside the read section
    dev.seen += v
    up_read(dev.sem)


def rw_reader_fixed():
    down_read(dev.sem)
    v = dev.data
    rw_stats_locked()
    dev.seen += v
    up_read(dev.sem)


def rw_writer():
    down_write(dev.sem)
    dev.data += 1
    up_write(dev.sem)


scenarios = [
    Scenario(
        name="rwsem-writer",
        description="a recursive down_read behind a waiting writer hangs both tasks",
        actors=[Thread(rw_reader, name="reader"), Thread(rw_writer, name="writer")],
        variants={"recursive": {}, "fixed": {rw_reader: rw_reader_fixed}},
        expect={"recursive": "deadlock", "fixed": "clean"},
        config={"lockdep": False},
    ),
    Scenario(
        name="rwsem-writer-lockdep",
        description="the same with lockdep: the recursive down_read is reported at once",
        actors=[Thread(rw_reader, name="reader"), Thread(rw_writer, name="writer")],
        variants={"recursive": {}, "fixed": {rw_reader: rw_reader_fixed}},
        expect={"recursive": "possible recursive locking", "fixed": "clean"},
    ),
    Scenario(
        name="recursive-alone",
        description="without a writer a recursive down_read succeeds",
        actors=[Thread(rw_reader, name="reader"), Thread(rw_reader, name="reader2")],
        expect={"": "clean"},
        config={"lockdep": False},
    ),
]
