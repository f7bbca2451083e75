"""rw_semaphore wake order (kernel/locking/rwsem.c, 6.x rwsem_mark_wake): a release hands the
lock to the head of the wait list. A writer at the head is woken alone; readers queued behind
it stay asleep until it has written and released. `holder` keeps a read hold until nothing
else can run (its timed waits end only then: the writer has queued behind it), lets `reader`
go, and releases once `reader` has queued too, behind the writer: the reader must see the
write (`ordered`, clean). Without the completion the reader may take the lock before the
writer ever asks for it, and its BUG_ON fires (`racy`)."""

from pyfuzz.model import *


class rw_fifo(Struct):
    sem: RwSem
    idle: WaitQueue
    go: Completion
    written: int
    never: int


fifo = Global(rw_fifo, name="fifo")


def fifo_holder():
    down_read(fifo.sem)
    wait_event_timeout(fifo.idle, fifo.never, 10)  # ends once the writer has queued
    complete(fifo.go)
    wait_event_timeout(fifo.idle, fifo.never, 10)  # ends once the reader has queued
    up_read(fifo.sem)


def fifo_writer():
    down_write(fifo.sem)
    fifo.written = 1
    up_write(fifo.sem)


def fifo_reader():
    wait_for_completion(fifo.go)
    down_read(fifo.sem)
    BUG_ON(fifo.written == 0)  # queued behind the writer: it went first
    up_read(fifo.sem)


def fifo_reader_racy():
    down_read(fifo.sem)
    BUG_ON(fifo.written == 0)  # BUG: nothing orders this read after the write
    up_read(fifo.sem)


scenarios = [
    Scenario(
        name="rwsem-fifo",
        description="a reader queued behind a waiting writer gets the rwsem after it",
        actors=[
            Thread(fifo_holder, name="holder"),
            Thread(fifo_writer, name="writer"),
            Thread(fifo_reader, name="reader"),
        ],
        variants={"ordered": {}, "racy": {fifo_reader: fifo_reader_racy}},
        expect={"ordered": "clean", "racy": "kernel BUG"},
    ),
]
