"""rw_semaphore writer preference (tests/models/rwsem_writer.py; kernel/locking/rwsem.c): a
reader that reads again while a writer waits is queued behind the writer, so the recursive read
hangs both tasks (reported as the deadlock it is, with both hung tasks), the fixed reader is
clean, and a recursive read with no writer still succeeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz._core import STRATEGIES
from pyfuzz.engine import load

MODEL = Path(__file__).parent / "models" / "rwsem_writer.py"


def test_a_recursive_read_behind_a_waiting_writer_hangs_both_tasks() -> None:
    program = load(f"{MODEL}:rwsem-writer:recursive").program
    res = program.verify(2)
    assert res.outcome is not None and res.outcome.finding is not None
    assert res.outcome.finding.title == "deadlock in rw_stats"
    assert res.outcome.preemptions == 1, "the writer must come between the two reads"
    report = res.outcome.finding.report
    assert "queued behind the waiting writer writer:" in report
    assert "INFO: task reader:1000 blocked for more than 120 seconds." in report
    assert "INFO: task writer:1001 blocked for more than 120 seconds." in report
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 3000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title == "deadlock in rw_stats", strategy


@pytest.mark.parametrize("scenario", ["rwsem-writer", "rwsem-writer-lockdep"])
def test_the_fixed_reader_is_clean(scenario: str) -> None:
    program = load(f"{MODEL}:{scenario}:fixed").program
    res = program.verify(2)
    assert res.outcome is None and res.complete and res.model_error is None
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 2000, seed=2)
        assert batch.outcome is None and batch.model_error is None, strategy


def test_lockdep_reports_the_recursive_read_without_a_writer_in_between() -> None:
    res = load(f"{MODEL}:rwsem-writer-lockdep:recursive").program.verify(2)
    assert res.outcome is not None and res.outcome.preemptions == 0
    assert res.outcome.finding.title == "possible recursive locking in rw_stats"


def test_a_recursive_read_with_no_writer_succeeds() -> None:
    program = load(f"{MODEL}:recursive-alone").program
    res = program.verify(2)
    assert res.outcome is None and res.complete
    assert program.run_batch("random", 2000, seed=3).outcome is None
