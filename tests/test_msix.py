"""MSI-X in the PCI MSI library (pyfuzz/kernel/pci_msix.py, pci_msi.py) against
drivers/pci/msi/api.c and msi.c (6.x), with tests/models/msix.py: a multi-queue driver with one
MSI-X vector per queue, its buggy teardown orders found with the kernel's first report line,
its fixed twins clean under `verify --preemptions 2` and random and PCT batches, and the
fallback order of pci_alloc_irq_vectors (MSI-X, MSI, INTx) asserted inside the model."""

from __future__ import annotations

import pytest

FIXED = [
    "msix.py:msix-queues:fixed",
    "msix.py:msix-queues:fixed-pcim",
    "msix.py:msix-fallback",
]

BUGGY = [
    (
        "msix.py:msix-queues:free-before-irq",
        "KASAN: slab-use-after-free Read in mq_queue_isr",
        "BUG: KASAN: slab-use-after-free in mq_queue_isr",
    ),
    (
        "msix.py:msix-queues:vectors-before-irq",
        "WARNING in remove_proc_entry",
        "remove_proc_entry: removing non-empty directory 'irq/",
    ),
    (
        "msix.py:msix-queues:pcim-keeps-irq",
        "WARNING in remove_proc_entry",
        "remove_proc_entry: removing non-empty directory 'irq/",
    ),
]


@pytest.mark.parametrize("spec", FIXED)
def test_fixed_twins_are_clean_under_verify(load_model, spec):
    result = load_model(spec).program.verify(2)
    assert result.outcome is None, result.outcome.finding.report
    assert result.complete and result.step_limits == 0


@pytest.mark.parametrize("strategy", ["pct", "random"])
@pytest.mark.parametrize("spec", FIXED)
def test_fixed_twins_are_clean_under_batches(load_model, spec, strategy):
    batch = load_model(spec).program.run_batch(strategy, 20000, seed=1)
    assert batch.outcome is None, batch.outcome.finding.report


@pytest.mark.parametrize(("spec", "title", "first_line"), BUGGY)
def test_planted_bugs_are_found_with_the_kernels_words(load_model, spec, title, first_line):
    finding = load_model(spec).program.verify(2).outcome.finding
    assert finding.title == title, finding.report
    if first_line.startswith("BUG: KASAN"):
        assert finding.report.startswith("=" * 66 + "\n" + first_line), finding.report
    else:
        assert finding.report.startswith(first_line), finding.report


def test_the_handler_runs_on_the_freed_queue_from_the_msix_vector(load_model):
    report = load_model("msix.py:msix-queues:free-before-irq").program.verify(2)
    report = report.outcome.finding.report
    assert " handle_irq+" in report and " pci_msix_raise+" in report
    freed = report[report.index("Freed by task") :]
    assert " mq_free_queues+" in freed and " unbind_store+" in freed


def test_the_6x_teardown_leaves_through_free_msi_irqs_without_a_bug_on(load_model):
    # 6.x pci_disable_msix -> pci_free_msi_irqs has no BUG_ON(irq_has_action): the vector's
    # descriptor goes with the action (free_desc -> unregister_irq_proc)
    report = load_model("msix.py:msix-queues:vectors-before-irq").program.verify(2)
    report = report.outcome.finding.report
    assert "leaking at least 'irq'" in report.splitlines()[0]
    assert " free_msi_irqs+" in report and " pci_disable_msix+" in report
    assert " pci_free_irq_vectors+" in report
    managed = load_model("msix.py:msix-queues:pcim-keeps-irq").program.verify(2)
    assert " pcim_msi_release+" in managed.outcome.finding.report


def test_the_fallback_checks_ran_to_the_end(load_model):
    # every assert of fb_check held (a failed one is a kernel BUG) and the last line ran
    out = load_model("msix.py:msix-fallback").program.replay([], trace=True)
    assert out.status == "ok", out.finding and out.finding.report
    assert any(s["function"] == "fb_check" and "checked" in s["op"] for s in out.trace)
    # the MSI-X device's msi_irqs/ file was read (msi_mode_show: 1 = "msix")
    assert any(s["function"] == "msi_mode_show" for s in out.trace)


def test_the_default_verify_workloads_of_the_fixed_twin_are_clean(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    model = Path(__file__).resolve().parent / "models" / "msix.py"
    for variant in ("fixed", "fixed-pcim"):
        spec = f"{model}:msix-queues:{variant}"
        cmd = [sys.executable, "-m", "pyfuzz", "verify", spec, "--preemptions", "2",
               "--workloads", "default"]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stdout + res.stderr
