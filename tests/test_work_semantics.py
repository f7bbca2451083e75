"""Work items follow kernel/workqueue.c (tests/models/work_teardown.py): the correct teardown
(flag under the lock, cancel_work_sync, kfree) is clean under exhaustive search and under
randomized batches, its buggy twins are found, a work item never runs on two workers at once
and runs once per successful queueing, a self-requeueing item is stopped by cancel_work_sync,
and the delayed-work teardown behaves the same. The family model (tests/models/prims/work.py)
checks the return values, the might-sleep check and the self-flush deadlock."""

from __future__ import annotations

import pytest

CORRECT = [
    "teardown:correct",
    "delayed-teardown:correct",
    "reentrancy",
    "self-requeue",
]
BUGGY = ["teardown:no-cancel", "teardown:cancel-first", "delayed-teardown:no-cancel"]


@pytest.mark.parametrize("spec", CORRECT)
def test_correct_models_are_clean_under_verify(load_model, spec):
    result = load_model(f"work_teardown.py:{spec}").program.verify(3)
    assert result.outcome is None, result.outcome.finding.report
    assert result.step_limits == 0


@pytest.mark.parametrize("strategy", ["pct", "random"])
@pytest.mark.parametrize("spec", CORRECT)
def test_correct_models_are_clean_under_batches(load_model, spec, strategy):
    batch = load_model(f"work_teardown.py:{spec}").program.run_batch(strategy, 20000, seed=1)
    assert batch.outcome is None, batch.outcome.finding.report


@pytest.mark.parametrize("spec", BUGGY)
def test_buggy_twins_are_found(load_model, spec):
    program = load_model(f"work_teardown.py:{spec}").program
    finding = program.verify(3).outcome.finding
    assert finding.title.startswith("KASAN: slab-use-after-free"), finding.title
    assert "dev_work" in finding.title
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title.startswith("KASAN: slab-use-after-free")


@pytest.mark.parametrize(
    ("scenario", "expect"),
    [
        ("work-api", None),
        ("delayed-work-api", None),
        ("work-cancel-atomic", "BUG: sleeping function called from invalid context"),
        ("work-self-flush", "INFO: task hung"),
    ],
)
def test_family_semantics_hold_with_three_preemptions(load_model, scenario, expect):
    result = load_model(f"prims/work.py:{scenario}").program.verify(3)
    if expect is None:
        assert result.outcome is None, result.outcome.finding.report
    else:
        assert result.outcome.finding.title.startswith(expect), result.outcome.finding.title
