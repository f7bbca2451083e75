"""The partial-order reduction of `verify` loses nothing: on every built-in scenario variant
and on the test and benchmark models, the reduced search (DPOR with bounded-POR points, and
symmetry for identical threads, on by default with it) finds exactly the finding titles of
the plain bounded DFS, each with the same fewest preemptions, while running fewer schedules.

Both searches run with `every_finding=True`, so a bound is explored to the end and every
distinct title is collected with the smallest preemption count of a schedule that showed it;
the comparison is between those maps. A case whose plain search does not finish within the
budget is skipped (it cannot be compared), and the test checks that such cases are few.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz.engine import load
from pyfuzz.model.loader import load_model_file
from pyfuzz.scenarios import builtin_scenarios

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 60_000

# Model files whose every scenario and variant is compared, besides the built-in scenarios.
MODEL_FILES = [
    "tests/models/abba.py",
    "tests/models/contended.py",
    "tests/models/twins.py",
    "tests/models/work_teardown.py",
    "tests/models/irq_shared.py",
    "tests/models/irq_readers.py",
    "tests/models/lib_devres.py",
    "tests/models/lib_sysfs.py",
    "tests/models/lib_chrdev.py",
    "tests/models/lib_shutdown.py",
    "tests/models/lib_tpm.py",
    "tests/models/lib_kthread.py",
    "tests/models/lib_dmaengine.py",
    "tests/models/prims/kthread.py",
    "tests/models/language/arrays.py",
    "tests/models/msi_sysfs.py",
    "tests/models/pci_intx_route.py",
    "tests/models/platform_irq.py",
    "tests/models/contracts/workqueue.py",
    "tests/models/contracts/completion.py",
    "tests/models/contracts/waitqueue.py",
    "tests/models/contracts/locks.py",
    "tests/models/contracts/rcu.py",
    "tests/models/rwsem_writer.py",
    "tests/models/fault_kthread.py",
    "tests/models/timed_sleep.py",
    "tests/models/work_null.py",
    "bench/peers/models/stop_io.py",
    "bench/peers/models/abba.py",
    "bench/peers/models/demo_alive_flag.py",
    "tests/models/search/two_preemptions.py",
]


def _specs() -> list[str]:
    specs = [f"{name}:{v}" for name, (sc, _) in builtin_scenarios().items() for v in sc.variants]
    for rel in MODEL_FILES:
        path = ROOT / rel
        for sc in load_model_file(str(path)):
            specs += [f"{path}:{sc.name}:{v}" for v in sc.variants]
    return specs


SPECS = _specs()


def _compare(spec: str, bound: int) -> tuple[bool, int, int]:
    """(compared, plain schedules, reduced schedules); asserts the titles agree."""
    program = load(spec).program
    plain = program.verify(bound, max_schedules=BUDGET, reduction=False, every_finding=True)
    if plain.schedules >= BUDGET or plain.model_error is not None:
        return False, plain.schedules, 0
    reduced = program.verify(bound, max_schedules=BUDGET, reduction=True, every_finding=True)
    assert reduced.model_error is None, spec
    assert dict(reduced.titles) == dict(plain.titles), (
        f"{spec} at bound {bound}: the reduced search found {reduced.titles}, "
        f"the plain one {plain.titles}"
    )
    assert reduced.schedules <= plain.schedules, spec
    return True, plain.schedules, reduced.schedules


@pytest.mark.parametrize(("bound", "fitting"), [(1, 0.95), (2, 0.7)])
def test_reduced_search_finds_exactly_the_plain_searchs_findings(
    bound: int, fitting: float
) -> None:
    compared = 0
    plain_total = reduced_total = 0
    for spec in SPECS:
        ok, plain, reduced = _compare(spec, bound)
        if ok:
            compared += 1
            plain_total += plain
            reduced_total += reduced
    # Nearly every case fits the budget, and the reduction saves schedules overall.
    assert compared >= len(SPECS) * fitting, (compared, len(SPECS))
    assert reduced_total * 2 < plain_total, (reduced_total, plain_total)


def test_every_finding_collects_several_titles_with_their_fewest_preemptions() -> None:
    """The collecting mode itself: a scenario with two different bugs reports both."""
    program = load("sriov-rescan-lock:unlocked").program
    r = program.verify(1, max_schedules=BUDGET, every_finding=True)
    titles = dict(r.titles)
    assert titles.get("BUG: corrupted list in pci_destroy_dev") == 1, titles
    assert r.outcome is None and r.complete


ALL = 2**32 - 1  # `--preemptions all`


# "both" (the default) is each of these in turn; on these small programs the reduction ends
# it before the stateful search joins, so it would repeat the "reduction" case.
@pytest.mark.parametrize("unbounded", ["reduction", "states"])
def test_complete_exploration_finds_the_same_titles(unbounded: str) -> None:
    """`--preemptions all` (bounds 0 and 1, then an unbounded search: the reduced one pruned by
    sleep sets, the stateful one that explores each state once, or both in turn) finds the
    same set of titles as the plain search run until a bound cuts nothing off, on every
    variant where the plain search completes within the budget, and completes too."""
    compared = 0
    for spec in SPECS:
        program = load(spec).program
        plain = program.verify(ALL, max_schedules=BUDGET, reduction=False, every_finding=True)
        if not plain.exhaustive or plain.model_error is not None:
            continue
        found = program.verify(ALL, max_schedules=BUDGET, every_finding=True, unbounded=unbounded)
        assert found.exhaustive, spec
        assert {t for t, _ in found.titles} == {t for t, _ in plain.titles}, (
            f"{spec} ({unbounded}): {found.titles}, plain {plain.titles}"
        )
        if unbounded == "reduction":
            assert found.schedules <= plain.schedules, spec
        compared += 1
    assert compared >= 15, compared


def test_the_stateful_search_stops_where_it_has_been_and_finds_the_first_bug_too() -> None:
    """On a program with a long reader loop (the host-unbind scenario's `cat /proc/interrupts`
    of 16 rounds against the controller's removal) the stateful search completes the fixed
    variant in fewer executions than the reduced search alone; and a bug past the bounded
    prefix is found by either unbounded search with its minimal preemptions."""
    fixed = load("pci-host-unbind:fixed-endpoint").program
    by_states = fixed.verify(ALL, max_schedules=400_000, unbounded="states")
    assert by_states.exhaustive and by_states.outcome is None and by_states.by_states
    assert 0 < by_states.states < 200_000, by_states.states
    reduced = fixed.verify(ALL, max_schedules=by_states.schedules, unbounded="reduction")
    assert not reduced.complete, "the reduction alone needs more interleavings than that"
    # A bug past the bounded prefix (bounds 0 and 1): found by the stateful search, then
    # sought at bound 2, its minimal count.
    model = ROOT / "tests/models/search/two_preemptions.py"
    buggy = load(f"{model}:two-preemptions:buggy").program
    for unbounded in ("states", "reduction", "both"):
        r = buggy.verify(ALL, max_schedules=BUDGET, unbounded=unbounded)
        assert r.outcome is not None, unbounded
        assert r.outcome.finding.title == "kernel BUG in reader", r.outcome.finding.title
        assert r.outcome.preemptions == 2, (unbounded, r.outcome.preemptions)


def test_an_unknown_unbounded_search_is_a_usage_error() -> None:
    from pyfuzz.errors import UsageError

    with pytest.raises(UsageError, match="unknown unbounded search 'dfs'"):
        load("demo-alive-flag:locked-check").program.verify(ALL, unbounded="dfs")
