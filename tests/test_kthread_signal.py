"""kthread_stop's signal (tests/models/kthread_signal.py; kernel/kthread.c 6.x sets
TIF_NOTIFY_SIGNAL before wake_up_process, and signal_pending() is true from then on): an
interruptible sleep in the stopped thread ends with -ERESTARTSYS, so an idle loop that tests
kthread_should_stop() only around its wait_event_interruptible is clean (the engine used to
report a hung kthread_stop), while the same loop with an uninterruptible wait_event still
hangs the stopper, reported in the kernel's hung-task words."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz._core import STRATEGIES
from pyfuzz.engine import load

MODEL = Path(__file__).parent / "models" / "kthread_signal.py"


@pytest.mark.parametrize("variant", ["interruptible", "signal-check"])
def test_the_stop_signal_ends_an_interruptible_sleep(variant: str) -> None:
    program = load(f"{MODEL}:kthread-signal:{variant}").program
    res = program.verify(2)
    assert res.outcome is None and res.complete and res.model_error is None
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 2000, seed=11)
        assert batch.outcome is None and batch.model_error is None, strategy


def test_an_uninterruptible_idle_sleep_hangs_kthread_stop() -> None:
    program = load(f"{MODEL}:kthread-signal:uninterruptible").program
    res = program.verify(2)
    assert res.outcome is not None
    finding = res.outcome.finding
    assert finding.title == "INFO: task hung in ks_stop"
    lines = finding.report.splitlines()
    assert lines[0] == "INFO: task stop:1000 blocked for more than 120 seconds."
    assert '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.' in lines
    assert "task:stop state:D stack:0 pid:1000" in lines
    assert " kthread_stop" in lines
    batch = program.run_batch("random", 2000, seed=11)
    assert batch.outcome is not None
    assert batch.outcome.finding.title == "INFO: task hung in ks_stop"
