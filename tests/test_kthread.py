"""Kernel threads created at run time (kthread_run / kthread_should_stop / kthread_stop,
tests/models/lib_kthread.py and tests/models/prims/kthread.py): the fixed driver is clean
under exhaustive search and randomized batches, each buggy twin is found with the kernel's
report, and traces name the thread by the name given to kthread_run."""

from __future__ import annotations

import pytest

DRIVER = "lib_kthread.py:kthread-driver"
BUGGY = [
    ("free-first", "KASAN: slab-use-after-free", "mydev_thread"),
    ("no-stop", "BUG: unable to handle kernel paging request", "mydev_thread"),
    ("exits-early", "KASAN: slab-use-after-free", "mydev_remove"),
]


def test_fixed_driver_is_clean_under_verify(load_model):
    result = load_model(f"{DRIVER}:fixed").program.verify(2)
    assert result.outcome is None, result.outcome.finding.report
    assert result.complete and result.step_limits == 0


@pytest.mark.parametrize("strategy", ["pct", "random"])
def test_fixed_driver_is_clean_under_batches(load_model, strategy):
    batch = load_model(f"{DRIVER}:fixed").program.run_batch(strategy, 20000, seed=1)
    assert batch.outcome is None, batch.outcome.finding.report


@pytest.mark.parametrize(("variant", "title", "function"), BUGGY)
def test_buggy_drivers_are_found(load_model, variant, title, function):
    program = load_model(f"{DRIVER}:{variant}").program
    finding = program.verify(2).outcome.finding
    assert finding.title.startswith(title), finding.title
    assert finding.title.endswith(f" in {function}"), finding.title
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title.startswith(title), batch.outcome.finding.title


def test_orphan_thread_report_is_the_kernels_instruction_fetch_fault(load_model):
    finding = load_model(f"{DRIVER}:no-stop").program.verify(2).outcome.finding
    first = finding.report.splitlines()
    assert first[0].startswith("BUG: unable to handle page fault for address: ffffffffc0")
    assert first[1] == "#PF: supervisor instruction fetch in kernel mode"
    assert "Comm: mydev-poll " in finding.report
    assert finding.thread == "mydev-poll"


def test_traces_name_the_thread(load_model):
    program = load_model(f"{DRIVER}:fixed").program
    outcome = program.run_bytes(b"", trace=True)
    threads = {step["thread"] for step in outcome.trace}
    assert "mydev-poll" in threads, threads


@pytest.mark.parametrize(
    ("scenario", "expect"),
    [
        ("kthread-api", None),
        ("kthread-idle", None),
        ("kthread-orphan", "BUG: unable to handle kernel paging request in dev_thread"),
        ("kthread-stop-exited", "KASAN: slab-use-after-free"),
    ],
)
def test_family_semantics_hold_with_three_preemptions(load_model, scenario, expect):
    result = load_model(f"prims/kthread.py:{scenario}").program.verify(3)
    if expect is None:
        assert result.outcome is None, result.outcome.finding.report
        assert result.complete
    else:
        assert result.outcome.finding.title.startswith(expect), result.outcome.finding.title
