"""Where a driver's interrupt comes from, against the kernel: a platform device's IRQ resource
(platform_get_irq, drivers/base/platform.c; tests/models/platform_irq.py), INTx routing by the
host bridge's map_irq/swizzle_irq in pci_device_probe -> pci_assign_irq (drivers/pci/setup-irq.c;
tests/models/pci_intx_route.py), and the msi_irqs/ sysfs files of MSI descriptors
(kernel/irq/msi.c and the pre-2021 drivers/pci/msi.c; tests/models/msi_sysfs.py). Each planted
bug is found with the kernel's first report line; each fixed twin is clean under `verify
--preemptions 2` and under random and PCT batches."""

from __future__ import annotations

import pytest

FIXED = [
    "platform_irq.py:platform-irq:fixed",
    "pci_intx_route.py:pci-intx-shared:fixed",
    "msi_sysfs.py:msi-irqs-sysfs:6x",
    "msi_sysfs.py:msi-irqs-sysfs:fixed-2021",
]

BUGGY = [
    (
        "platform_irq.py:platform-irq:kfree-in-remove",
        "KASAN: slab-use-after-free Read in plat_isr",
        "BUG: KASAN: slab-use-after-free in plat_isr",
    ),
    (
        "pci_intx_route.py:pci-intx-shared:free-before-irq",
        "KASAN: slab-use-after-free Read in intx_isr",
        "BUG: KASAN: slab-use-after-free in intx_isr",
    ),
    (
        "msi_sysfs.py:msi-irqs-sysfs:2017",
        "KASAN: slab-use-after-free Read in msi_mode_show",
        "BUG: KASAN: slab-use-after-free in msi_mode_show_2017",
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
    program = load_model(spec).program
    finding = program.verify(2).outcome.finding
    assert finding.title == title, finding.report
    assert finding.report.startswith("=" * 66 + "\n" + first_line), finding.report
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is not None, strategy
        # A use-after-free may be hit by a read or a write first: the same bug, same place.
        found = batch.outcome.finding.title
        assert _access_free(found) == _access_free(title), (strategy, found)


def _access_free(title: str) -> str:
    """A KASAN title without its access kind (Read/Write)."""
    return title.replace(" Read in ", " in ").replace(" Write in ", " in ")


def test_the_interrupt_reaches_the_unbound_driver_only_through_the_shared_line(load_model):
    # The buggy driver's handler runs from the *other* device's interrupt: both devices' INTA
    # were routed by map_irq to one line (the boot asserts it), so free_irq is what stops it.
    report = load_model("pci_intx_route.py:pci-intx-shared:free-before-irq").program.verify(2)
    report = report.outcome.finding.report
    assert " handle_irq_event+" in report and " second_raises_intx+" in report
    assert " intx_remove_free_before_irq+" in report  # the free, in the unbinding task


def test_the_reader_of_the_2017_kernel_sees_the_descriptor_freed_by_free_msi_irqs(load_model):
    report = load_model("msi_sysfs.py:msi-irqs-sysfs:2017").program.verify(2)
    report = report.outcome.finding.report
    assert " kernfs_fop_read_iter+" in report and " msi_irqs_read+" in report
    freed = report[report.index("Freed by task") :]
    assert " free_msi_irqs_2017+" in freed and " unbind_store+" in freed


def test_platform_get_irq_without_an_irq_resource_is_enxio(load_model):
    # the `bare` actor asserts platform_get_irq(dev without IRQ resource, 0) == -ENXIO and
    # marks that it ran; its run completes without a BUG
    program = load_model("platform_irq.py:platform-irq:fixed").program
    out = program.replay([], trace=True)
    assert out.status == "ok", out.finding and out.finding.report
    assert any(s["function"] == "plat_check_enxio" and "enxio_checked" in s["object"] + s["op"]
               for s in out.trace)  # fmt: skip
