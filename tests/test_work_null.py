"""A work item whose function is NULL (tests/models/work_null.py): queue_work queues it, and the
crash is the kworker's, in process_one_work, in the kernel's words (an instruction fetch at 0),
not in the task that queued it; the correctly initialised twin is clean."""

from __future__ import annotations

import pytest

from pyfuzz.swimlane import render_swimlane

MODEL = "work_null.py:work-null"
TITLE = "BUG: unable to handle kernel NULL pointer dereference in process_one_work"


@pytest.mark.parametrize("variant", ["no-init", "init-null"])
def test_the_kworker_calls_the_null_function(load_model, variant):
    program = load_model(f"{MODEL}:{variant}").program
    outcome = program.verify(3).outcome
    finding = outcome.finding
    assert finding.title == TITLE
    assert finding.thread.startswith("kworker/0:")
    lines = finding.report.splitlines()
    assert lines[:4] == [
        "BUG: kernel NULL pointer dereference, address: 0000000000000000",
        "#PF: supervisor instruction fetch in kernel mode",
        "#PF: error_code(0x0010) - not-present page",
        "Oops: 0010 [#1] PREEMPT SMP KASAN",
    ]
    assert f"Comm: {finding.thread} " in lines[4]
    assert "RIP: 0010:0x0" in lines
    trace = lines[lines.index(" <TASK>") + 1 : lines.index(" </TASK>")]
    assert trace[0] == " process_one_work" and "wn_kick" not in finding.report
    # The fatal step is the kworker's: the queuer's schedule_work returned 1.
    replayed = program.replay(list(outcome.choices), trace=True)
    last = replayed.trace[-1]
    assert (last["thread"], last["function"], last["op"]) == (
        finding.thread,
        "process_one_work",
        "work->func() is NULL",
    )
    queued = [s for s in replayed.trace if s["op"] == "schedule_work"]
    assert queued and queued[-1]["thread"] == "kick"
    assert "process_one_work workqueue.c work->func() is NULL" in render_swimlane(replayed.trace)
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome.finding.title == TITLE, strategy


def test_the_initialised_twin_is_clean(load_model):
    program = load_model(f"{MODEL}:fixed").program
    result = program.verify(3)
    assert result.outcome is None and result.complete
    assert program.verify(2**32 - 1).exhaustive
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is None, strategy
