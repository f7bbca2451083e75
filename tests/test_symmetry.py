"""`verify` treats identical threads symmetrically: of several copies of one actor that have
not started yet, only the lowest-numbered is explored at a decision (`rust/sched/symmetry.rs`).
The search finds exactly the titles of the plain search (every schedule, no symmetry), each
with the same fewest preemptions, in far fewer schedules; where thread numbers decide
something (which of two hung twins a report names), it notices and searches without
symmetry, and says so (`VerifyResult.symmetry`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyfuzz.cli import main
from pyfuzz.engine import load

TWINS = Path(__file__).resolve().parent / "models" / "twins.py"
ALL = 2**32 - 1  # `--preemptions all`


def program(name: str):
    return load(f"{TWINS}:{name}").program


def test_five_identical_lockers_cost_one_schedule_at_bound_0_not_5_factorial() -> None:
    p = program("five_lockers")
    sym = p.verify(0)
    assert (sym.schedules, sym.complete, sym.symmetry) == (1, True, True)
    # Without symmetry every order of the five lock acquisitions is a different schedule,
    # with the partial-order reduction (they all conflict) as without it.
    for reduction in (True, False):
        r = p.verify(0, reduction=reduction, symmetry=False)
        assert (r.schedules, r.complete, r.symmetry) == (120, True, False)


def test_ten_identical_lockers_cost_one_schedule_at_bound_0() -> None:
    p = program("ten_lockers")
    sym = p.verify(0)
    assert (sym.schedules, sym.complete, sym.symmetry) == (1, True, True)
    # 10! = 3,628,800 orders without symmetry: far past this budget.
    r = p.verify(0, max_schedules=2_000, symmetry=False)
    assert r.schedules == 2_000 and not r.complete


# (scenario, the titles every search must find with their fewest preemptions, at bound 2)
CASES = [
    ("five_lockers", {}),
    ("double_release:racy", {"KASAN: double-free in release": 1}),
    ("double_release:locked", {}),
    ("readers_and_remover", {"KASAN: slab-use-after-free Read in read_box": 1}),
    ("turns", {"INFO: task hung in wait_first": 0, "INFO: task hung in wait_later": 0}),
]


@pytest.mark.parametrize(("name", "titles"), CASES)
def test_the_symmetric_search_finds_the_plain_searchs_titles(name: str, titles: dict) -> None:
    p = program(name)
    for bound in (0, 1, 2):
        plain = p.verify(bound, reduction=False, every_finding=True)
        assert not plain.symmetry
        expected = {t: n for t, n in titles.items() if n <= bound}
        assert dict(plain.titles) == expected, (name, bound)
        for reduction in (True, False):
            sym = p.verify(bound, reduction=reduction, symmetry=True, every_finding=True)
            assert dict(sym.titles) == expected, (name, bound, reduction)
            assert sym.complete, (name, bound)
            # `turns` drops symmetry (and may start again): its first runs count extra.
            assert sym.symmetry == (name != "turns"), (name, bound, reduction)
            if sym.symmetry:
                assert sym.schedules <= plain.schedules, (name, bound)
    # Every interleaving (sleep sets, then the unbounded search) finds the same titles.
    everything = p.verify(ALL, every_finding=True)
    assert everything.exhaustive and dict(everything.titles) == titles, name


def test_a_bug_between_two_identical_threads_needs_one_preemption() -> None:
    """The double release needs two of the identical releasers to both read the buffer
    pointer before either clears it: found at its minimal preemption count, with fewer
    schedules than without symmetry, and its counterexample replays."""
    p = program("double_release:racy")
    sym = p.verify(2)
    plain = p.verify(2, symmetry=False)
    for r in (sym, plain):
        assert r.outcome is not None and r.outcome.preemptions == 1
        assert r.outcome.finding.title == "KASAN: double-free in release"
    assert sym.symmetry and sym.schedules < plain.schedules
    again = p.replay(sym.outcome.choices, strict=True)
    assert again.finding.title == "KASAN: double-free in release"


def test_a_search_where_thread_numbers_decide_drops_symmetry() -> None:
    """In `turns`, the twin that draws turn 0 hangs in `wait_first`, the others in
    `wait_later`, and the hung-task report names the lowest-numbered hung task: swapping
    twins changes the title. The search notices and runs without symmetry."""
    p = program("turns")
    r = p.verify(1, every_finding=True)
    assert not r.symmetry
    hung = {"INFO: task hung in wait_first", "INFO: task hung in wait_later"}
    assert {t for t, _ in r.titles} == hung
    # The counts are those of the search without symmetry (the tree restarted).
    plain = p.verify(1, every_finding=True, symmetry=False)
    assert list(r.new_per_bound) == list(plain.new_per_bound)


def test_verify_on_the_command_line_reports_symmetry(capsys) -> None:
    code = main(["verify", f"{TWINS}:ten_lockers", "--preemptions", "0", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["schedules"], out["symmetry"], out["status"]) == (1, True, "ok")
    code = main(
        ["verify", f"{TWINS}:ten_lockers", "--preemptions", "0", "--no-symmetry"]
        + ["--max-schedules", "500", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 4
    assert (out["schedules"], out["symmetry"], out["status"]) == (500, False, "incomplete")
