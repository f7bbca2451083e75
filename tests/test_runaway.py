"""The soft-lockup watchdog fires on spins nothing can end, and never on correct models:
spins another thread ends (fair scheduling), spins a timer ends (virtual time passes while a
lone thread spins), and long finite loops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyfuzz import _core
from pyfuzz.engine import load

MODEL = Path(__file__).parent / "models" / "runaway.py"
ORACLES = Path(__file__).parent / "models" / "oracles.py"
HOG = Path(__file__).parent / "models" / "hog.py"


@pytest.mark.parametrize(
    "spec", [f"{MODEL}:spin-until-timer", f"{MODEL}:long-loop", f"{ORACLES}:soft-lockup:fixed"]
)
def test_no_soft_lockup_on_models_that_end(spec):
    program = load(spec).program
    result = program.verify(1)
    assert result.outcome is None and result.complete
    for strategy in _core.STRATEGIES:
        batch = program.run_batch(strategy, 3000, seed=7, stop_on_finding=False)
        assert batch.findings == 0, (strategy, batch.outcome and batch.outcome.finding.title)


def test_a_spin_whose_only_ender_is_blocked_behind_it_is_a_soft_lockup():
    program = load(f"{MODEL}:spin-blocks-setter").program
    finding = program.verify(1).outcome.finding
    assert (
        finding.kind == "soft-lockup" and finding.title == "BUG: soft lockup in spin_holding_lock"
    )
    assert "stuck for 22s! [spinner:1000]" in finding.report.splitlines()[0]
    # Every strategy sees it, whatever the order.
    for strategy in _core.STRATEGIES:
        batch = program.run_batch(strategy, 200, seed=3, stop_on_finding=False)
        kinds = {o.finding.kind for _, o in batch.distinct}
        assert kinds == {"soft-lockup"}, (strategy, kinds)


def test_a_spin_ended_by_another_thread_finishes_on_the_default_schedule():
    """Fair scheduling: after FAIR_STEPS steps in a row the spinner counts as yielding, so
    the serial (zero-preemption) schedule lets the setter run rather than hitting the limit."""
    program = load(f"{ORACLES}:soft-lockup:fixed").program
    result = program.verify(0)
    assert result.outcome is None and result.complete and result.step_limits == 0


def test_the_watchdog_budget_is_a_scenario_setting():
    """A loop of 6,000 steps alone is clean by default and a soft lockup under a budget of 5,000."""
    from pyfuzz.model.compiler import compile_scenario
    from pyfuzz.model.loader import find_scenario

    scenario, variant = find_scenario(f"{MODEL}:long-loop")
    scenario.config["soft_lockup_steps"] = 5000
    program = _core.Program(compile_scenario(scenario, variant).ir_bytes)
    finding = program.verify(0).outcome.finding
    assert finding.kind == "soft-lockup" and finding.title == "BUG: soft lockup in count_to_3000"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_the_model_heap_is_capped_with_a_model_error_at_the_allocating_line():
    program = load(f"{HOG}:hog").program
    before = _rss_bytes() if os.path.exists("/proc/self/statm") else 0
    result = program.verify(0)
    assert result.outcome is None and result.model_error is not None
    fault = result.model_error.model_error
    assert fault["file"].endswith("hog.py") and fault["line"] == 20
    assert (
        "the model heap is full" in fault["message"] and "heap_bytes=16777216" in fault["message"]
    )
    if before:
        # 16 MiB of model words cost well under 100 MiB of process memory.
        assert _rss_bytes() - before < 100 * 2**20
