"""The IRQ side of the kernel library (pyfuzz/kernel/irq_*.py) against kernel/irq/*.c: shared
lines and IRQ threads (tests/models/irq_shared.py), and the descriptor readers /proc/interrupts
and debugfs against an irqchip driver that goes away (tests/models/irq_readers.py). Each planted
bug is found with the kernel's first report line and real values; each fixed twin is clean under
`verify --preemptions 2` and under random and PCT batches."""

from __future__ import annotations

import pytest

FIXED = [
    "irq_shared.py:irq-shared-line:fixed",
    "irq_shared.py:irq-threaded:fixed",
    "irq_readers.py:irq-readers:fixed",
    "irq_readers.py:irq-readers:fixed-debugfs",
]

BUGGY = [
    (
        "irq_shared.py:irq-shared-line:free-before-irq",
        "KASAN: slab-use-after-free Read in shared_isr",
        "BUG: KASAN: slab-use-after-free in shared_isr",
    ),
    (
        "irq_shared.py:irq-shared-line:wrong-cookie",
        "WARNING in __free_irq",
        "Trying to free already-free IRQ 30\nWARNING: CPU: 0 PID: 1000 at "
        "pyfuzz/kernel/irq_manage.py",
    ),
    (
        "irq_shared.py:irq-threaded:free-before-irq",
        "KASAN: slab-use-after-free Read in t_thread_fn",
        "BUG: KASAN: slab-use-after-free in t_thread_fn",
    ),
    (
        "irq_readers.py:irq-readers:leaky-chip",
        "KASAN: slab-use-after-free Read in show_interrupts",
        "BUG: KASAN: slab-use-after-free in show_interrupts",
    ),
    (
        "irq_readers.py:irq-readers:leaky-chip-debugfs",
        "KASAN: slab-use-after-free Read in irq_debug_show",
        "BUG: KASAN: slab-use-after-free in irq_debug_show",
    ),
    (
        "irq_readers.py:irq-readers:dispose-with-action",
        "WARNING in remove_proc_entry",
        "remove_proc_entry: removing non-empty directory 'irq/1', leaking at least 'c_dev'\n"
        "WARNING: CPU: 0 PID: 1000 at pyfuzz/kernel/irq_manage.py",
    ),
]


@pytest.mark.parametrize("spec", FIXED)
def test_fixed_twins_are_clean_under_verify(load_model, spec):
    result = load_model(spec).program.verify(2)
    assert result.outcome is None, result.outcome.finding.report
    assert result.step_limits == 0


@pytest.mark.parametrize("strategy", ["pct", "random"])
@pytest.mark.parametrize("spec", FIXED)
def test_fixed_twins_are_clean_under_batches(load_model, spec, strategy):
    batch = load_model(spec).program.run_batch(strategy, 20000, seed=1)
    assert batch.outcome is None, batch.outcome.finding.report


@pytest.mark.parametrize(("spec", "title", "first_lines"), BUGGY)
def test_planted_bugs_are_found_with_the_kernels_words(load_model, spec, title, first_lines):
    program = load_model(spec).program
    finding = program.verify(2).outcome.finding
    assert finding.title == title, finding.report
    assert first_lines in finding.report, finding.report
    # a random schedule may hit the same freed object first in another function (the
    # threaded driver's primary handler): the kind of bug must be the same
    kind = title.split(" in ")[0]
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title.startswith(kind + " in "), strategy


def test_warn_names_the_function_that_holds_it(load_model):
    # __free_irq holds the WARN, not free_irq or the driver's remove
    report = load_model("irq_shared.py:irq-shared-line:wrong-cookie").program.verify(0)
    report = report.outcome.finding.report
    assert "RIP: 0010:__free_irq+" in report
    assert " free_irq+" in report and "a_remove_wrong_cookie+" in report


def test_the_irq_thread_is_named_as_the_kernel_names_its_kthread(load_model):
    """kernel/irq/manage.c setup_irq_thread: kthread_create(irq_thread, new, "irq/%d-%s", irq,
    new->name). The library's IRQ thread is a work item, but reports and traces name it so,
    and its semantics are those of before (the fixed twin stays clean)."""
    program = load_model("irq_shared.py:irq-threaded:free-before-irq").program
    outcome = program.verify(3).outcome
    finding = outcome.finding
    assert finding.title == "KASAN: slab-use-after-free Read in t_thread_fn"
    assert finding.thread == "irq/31-t_dev"
    assert "by task irq/31-t_dev/" in finding.report.splitlines()[2]
    assert "Comm: irq/31-t_dev " in finding.report
    trace = program.replay(list(outcome.choices), trace=True).trace
    threads = {step["thread"] for step in trace}
    assert "irq/31-t_dev" in threads and not any(t.startswith("kworker") for t in threads)
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1, stop_on_finding=False)
        threads = {o.finding.thread for _, o in batch.distinct if o.finding.title == finding.title}
        assert threads == {"irq/31-t_dev"}, (strategy, threads)
    fixed = load_model("irq_shared.py:irq-threaded:fixed").program
    assert fixed.verify(3).outcome is None
    for strategy in ("pct", "random"):
        assert fixed.run_batch(strategy, 20000, seed=1).outcome is None, strategy


def test_an_irq_thread_name_is_cut_to_the_comm_length(load_model):
    # "irq/37-mydevice-ctrl" is cut to TASK_COMM_LEN - 1 = 15 characters, as `ps` shows the
    # kernel's IRQ threads.
    finding = load_model("prims/work.py:work-irq-thread-name").program.verify(0).outcome.finding
    assert finding.thread == "irq/37-mydevice" and "Comm: irq/37-mydevice " in finding.report
