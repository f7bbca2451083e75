"""Every oracle fires on a planted bug with the kernel's first line, and its twin stays clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz import _core
from pyfuzz.engine import load
from pyfuzz.model.loader import load_model_file

MODELS = Path(__file__).resolve().parent / "models"

# scenario -> (kind, first line of the report, or a line it must contain)
ORACLES = {
    "uaf": ("use-after-free", "BUG: KASAN: slab-use-after-free in uaf_buggy"),
    "double-free": ("double-free", "BUG: KASAN: double-free in kfree"),
    "oob": ("out-of-bounds", "BUG: KASAN: slab-out-of-bounds in oob_buggy"),
    "null": ("null-deref", "BUG: kernel NULL pointer dereference, address: 0000000000000000"),
    "bug-on": ("bug", "kernel BUG at "),
    "warn-on": ("warning", "WARNING: CPU: 0 PID: 1000 at "),
    "gfp-atomic": ("sleep-in-atomic", "BUG: sleeping function called from invalid context at "),
    "irq-mutex": ("sleep-in-atomic", "BUG: sleeping function called from invalid context at "),
    "irq-inconsistent": ("lockdep-inconsistent", "WARNING: inconsistent lock state"),
    "irq-lock-order": (
        "lockdep-irq-order",
        "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
    ),
    "irq-inversion": (
        "lockdep-irq-inversion",
        "WARNING: possible irq lock inversion dependency detected",
    ),
    "recursive": ("lockdep-recursive", "WARNING: possible recursive locking detected"),
    "assert-held": ("lockdep-assert", "WARNING: CPU: 0 PID: 1000 at "),
    "bad-unlock": ("bad-unlock", "WARNING: bad unlock balance detected!"),
    "held-on-return": ("lock-held-return", "WARNING: lock held when returning to user space!"),
    "device-lock-abba": ("deadlock", "pyfuzz: deadlock: a wait-for cycle formed between"),
    "hung": ("hung-task", "INFO: task waiter:1000 blocked for more than 120 seconds."),
    "soft-lockup": (
        "soft-lockup",
        "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [spinner:1000]",
    ),
    "stranded": ("stranded-waiter", "pyfuzz: task reader:1000 is stranded in an interruptible"),
    "kref-underflow": ("refcount", "refcount_t: underflow; use-after-free."),
    "kref-put-after-release": (
        "use-after-free",
        # kref_put is a static inline in include/linux/kref.h: the report names its caller.
        "BUG: KASAN: slab-use-after-free in kref_freed_twice+0x",
    ),
    "kref-get-zero": ("refcount", "refcount_t: addition on 0; use-after-free."),
    "list-del-twice": ("list-corruption", "list_del corruption, "),
    "leak": ("memory-leak", "unreferenced object 0x"),
    "mmio-after-unmap": ("page-fault", "BUG: unable to handle page fault for address: "),
}

SCENARIOS = {sc.name: sc for sc in load_model_file(str(MODELS / "oracles.py"))}


def test_every_planted_scenario_is_listed():
    assert set(SCENARIOS) == set(ORACLES)


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_oracle_fires_on_planted_bug(load_model, name):
    kind, first = ORACLES[name]
    variant = ":buggy" if SCENARIOS[name].variants else ""
    loaded = load_model(f"oracles.py:{name}{variant}")
    result = loaded.program.verify(2)
    assert result.outcome is not None, f"{name}: no finding"
    finding = result.outcome.finding
    assert finding is not None
    assert finding.kind == kind
    text = finding.report
    assert first in text
    # The kernel's own first line comes first (KASAN and lockdep frame it with a rule line).
    head = [line for line in text.splitlines() if not set(line) <= set("=-")][0]
    assert head.startswith(first.split(" in ")[0].split(", address")[0][:20])
    expected_title = SCENARIOS[name].expect["buggy" if variant else ""]
    assert finding.title.startswith(expected_title)
    assert len(finding.signature) == 16


@pytest.mark.parametrize("name", sorted(n for n in ORACLES if SCENARIOS[n].variants))
def test_corrected_twin_is_clean(load_model, name):
    result = load_model(f"oracles.py:{name}:fixed").program.verify(2)
    assert result.outcome is None
    assert result.complete


def test_use_after_free_report_has_both_stacks(load_model):
    finding = load_model("oracles.py:uaf:buggy").program.verify(0).outcome.finding
    assert "Allocated by task 1000 (t1):" in finding.report
    assert "Freed by task 1000 (t1):" in finding.report
    assert "uaf_buggy+" in finding.report.split("Freed by task")[1]


def test_device_lock_deadlock_says_lockdep_cannot_see_it(load_model):
    program = load_model("oracles.py:device-lock-abba:buggy").program
    assert program.verify(0).outcome is None
    outcome = program.verify(1).outcome
    assert outcome.preemptions == 1
    assert "lockdep would not report this" in outcome.finding.report
    assert "novalidate" in outcome.finding.report


def test_abba_needs_one_preemption_and_ordered_twin_is_clean(load_model):
    buggy = load_model("abba.py:abba:buggy").program
    none = buggy.verify(0)
    assert none.outcome is None and none.complete
    found = buggy.verify(1).outcome
    assert found.finding.kind == "deadlock" and found.preemptions == 1
    ordered = load_model("abba.py:abba:ordered").program.verify(2)
    assert ordered.outcome is None and ordered.complete


def test_lockdep_reports_the_inversion_without_a_preemption(load_model):
    outcome = load_model("abba.py:abba-lockdep:buggy").program.verify(0).outcome
    assert outcome.finding.kind == "lockdep-circular"
    assert outcome.preemptions == 0
    assert outcome.finding.report.splitlines()[1] == (
        "WARNING: possible circular locking dependency detected"
    )
    assert load_model("abba.py:abba-lockdep:ordered").program.verify(2).outcome is None


@pytest.mark.parametrize("strategy", _core.STRATEGIES)
def test_unlocked_flag_race_found_by_every_strategy(load_model, strategy):
    program = load("demo-alive-flag:unlocked-check").program
    batch = program.run_batch(strategy, 100_000, seed=3)
    assert batch.outcome is not None, strategy
    assert batch.outcome.finding.title == "KASAN: slab-use-after-free Read in demo_read_unlocked"


def test_unlocked_flag_race_found_by_verify_and_fixed_is_clean(load_model):
    program = load("demo-alive-flag:unlocked-check").program
    assert program.verify(0).outcome is None
    outcome = program.verify(1).outcome
    assert outcome.finding.kind == "use-after-free" and outcome.preemptions == 1
    fixed = load("demo-alive-flag:locked-check").program
    assert fixed.verify(2).outcome is None
    assert fixed.run_batch("random", 50_000, seed=1).outcome is None
    assert fixed.run_batch("pct", 50_000, seed=1).outcome is None


def test_titles_are_stable_across_schedules(load_model):
    program = load_model("abba.py:abba:buggy").program
    titles = set()
    for seed in range(20):
        batch = program.run_batch("random", 1000, seed=seed)
        if batch.outcome is not None:
            titles.add(batch.outcome.finding.title)
    assert titles == {"deadlock in take_ab"}
