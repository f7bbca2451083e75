"""rw_semaphore wake order (tests/models/rwsem_fifo.py; kernel/locking/rwsem.c rwsem_mark_wake):
a release wakes the writer at the head of the wait list alone, so a reader queued behind it
gets the lock after the write. The engine used to wake every waiter, and the reader could win
the race: a false `kernel BUG` on the ordered model, which is now clean under verify and every
strategy, while the racy twin's BUG is still found."""

from __future__ import annotations

from pathlib import Path

from pyfuzz._core import STRATEGIES
from pyfuzz.engine import load

MODEL = Path(__file__).parent / "models" / "rwsem_fifo.py"


def test_a_reader_queued_behind_a_writer_sees_its_write() -> None:
    program = load(f"{MODEL}:rwsem-fifo:ordered").program
    res = program.verify(2)
    assert res.outcome is None and res.complete and res.model_error is None
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 2000, seed=5)
        assert batch.outcome is None and batch.model_error is None, strategy


def test_a_reader_that_does_not_queue_behind_the_writer_can_go_first() -> None:
    program = load(f"{MODEL}:rwsem-fifo:racy").program
    res = program.verify(2)
    assert res.outcome is not None
    finding = res.outcome.finding
    assert finding.title == "kernel BUG in fifo_reader_racy"
    assert "kernel BUG at " in finding.report
    for strategy in ("random", "pct"):
        batch = program.run_batch(strategy, 2000, seed=5)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title == "kernel BUG in fifo_reader_racy", strategy
