"""KASAN's stacks for devm memory name the kernel's call chain (drivers/base/devres.c 6.12):
`devm_kzalloc(dev, kzalloc(T, gfp))` is allocated by `__kmalloc_node_track_caller_noprof`
called from `devm_kmalloc` (alloc_dr and devm_kzalloc are inline), above the driver's probe,
and devres frees it in `release_nodes` called from `devres_release_all` (the library's
devm_kmalloc_release stands for the kernel's no-op and has no frame). A plain kzalloc keeps its
stack. Checked on the devm use-after-free and double-free models."""

from __future__ import annotations

from pathlib import Path

from pyfuzz.engine import load
from pyfuzz.model._faults import MANAGED_ALLOCATORS

MODELS = Path(__file__).parent / "models"
PLATFORM = MODELS / "platform_irq.py"
DEVM = MODELS / "fault_devm.py"


def _devm_frames() -> str:
    frames = {tuple(f) for _, _, f in MANAGED_ALLOCATORS}
    assert len(frames) == 1, "devm_kzalloc and devm_kmalloc share one call chain"
    return "".join(f" {f}\n" for f in frames.pop())


def _kasan(spec: str, preemptions: int = 2):
    """The finding and its KASAN report (after a fault injection's fail_dump, if any)."""
    finding = load(spec).program.verify(preemptions).outcome.finding
    return finding, finding.report[finding.report.index("BUG: KASAN") :]


def test_devm_memory_used_after_devres_freed_it_names_devm_kmalloc_and_release_nodes():
    finding, report = _kasan(f"{PLATFORM}:platform-defer:stale-list")
    assert finding.title == "KASAN: slab-use-after-free Read in plat_probe_defer_stale_list"
    first = report.splitlines()[0]
    assert first == "BUG: KASAN: slab-use-after-free in __list_add_valid_or_report+0x0/0x0"
    allocated = report[report.index("Allocated by task") :]
    assert allocated.startswith(
        "Allocated by task 1000 (modprobe):\n"
        + _devm_frames()
        + " plat_probe_defer_stale_list+0x8/"
    ), allocated
    freed = report[report.index("Freed by task") :].splitlines()
    assert freed[:2] == ["Freed by task 1000 (modprobe):", " kfree"]
    assert freed[2].startswith(" release_nodes+") and freed[3].startswith(" devres_release_all+")
    assert "devm_kmalloc_release" not in report and "\n kzalloc\n" not in report


def test_the_correct_twin_is_clean():
    program = load(f"{PLATFORM}:platform-defer:fixed").program
    result = program.verify(3)
    assert result.outcome is None and result.complete
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is None, strategy


def test_a_double_free_of_devm_memory_is_freed_again_in_release_nodes():
    finding, report = _kasan(f"{PLATFORM}:platform-defer:double-free")
    assert finding.title == "KASAN: double-free in release_nodes"
    assert report.startswith("BUG: KASAN: double-free in kfree")
    trace = report[report.index("Call Trace:") :].splitlines()
    assert trace[2] == " kfree" and trace[3].startswith(" release_nodes+"), trace
    assert "devm_kmalloc_release" not in report
    assert "Allocated by task 1000 (modprobe):\n" + _devm_frames() in report


def test_fail_nth_and_kasan_show_one_call_chain_for_a_devm_allocation():
    program = load(f"{DEVM}:devm-probe-error-paths:double-free").program
    res = program.verify(2)
    report = program.replay(list(res.outcome.choices), trace=True).finding.report
    dump, kasan = report.split("BUG: KASAN", 1)
    # fail_dump: the failed allocation of the buffer inside devm_kmalloc ...
    lines = dump.splitlines()
    start = lines.index(" should_failslab+0x0/0x0") + 1
    failed = [line.split("+")[0].strip() for line in lines[start : start + 2]]
    assert "".join(f" {f}\n" for f in failed) == _devm_frames()
    # ... and KASAN: the private data, allocated the same way, freed by the driver.
    allocated = kasan[kasan.index("Allocated by task") :]
    assert allocated.startswith(
        "Allocated by task 1000 (modprobe):\n" + _devm_frames() + " fd_probe_double_free+"
    ), allocated


def test_a_plain_kzalloc_keeps_its_stack():
    _, report = _kasan(f"{PLATFORM}:platform-irq:kfree-in-remove")
    assert "Allocated by task 1 (swapper/0):\n kzalloc\n plat_probe_kzalloc+" in report
    assert "Freed by task 1000 (unbind):\n kfree\n plat_remove_kfree+" in report
