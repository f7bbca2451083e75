"""`verify`'s default workload sweep (`--workloads auto`): the default workload, then every
other workload smallest first, within a budget of schedules. A driver clean only on its
default workload must not pass; a sweep the budget cuts short says so (exit 4, `cut`); the
sweep finds what the one-tree search over every workload finds."""

from __future__ import annotations

import json

import pytest

from pyfuzz.cli import main
from pyfuzz.engine import load
from tests.conftest import MODELS

HIDDEN = str(MODELS / "search" / "hidden_workload.py") + ":hidden-workload"


def verify(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["verify", *argv, "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def test_a_bug_off_the_default_workload_is_found_by_default(capsys):
    code, only_default = verify(capsys, HIDDEN + ":buggy", "--workloads", "default")
    assert code == 0, "the default workload alone is clean"
    assert only_default["workload_scope"] == {
        "mode": "default",
        "explored": 1,
        "total": 39,
        "complete_up_to_actions": None,
        "budget": None,
        "cut": False,
    }
    code, swept = verify(capsys, HIDDEN + ":buggy")
    assert code == 1
    assert swept["title"].startswith("KASAN: slab-use-after-free")
    # Found on a three-action workload (open, close, read or close twice), after the smaller
    # ones were explored clean.
    assert swept["workload_scope"]["mode"] == "auto"
    rows = swept["workloads"]
    assert rows[0]["workload"] == "user: open, read, close", "the default workload first"
    assert rows[-1]["workload"].count(",") == 2


def test_the_fixed_twin_is_clean_on_every_workload(capsys):
    code, res = verify(capsys, HIDDEN + ":fixed")
    assert code == 0 and res["status"] == "ok"
    assert res["workload_scope"] == {
        "mode": "auto",
        "explored": 39,
        "total": 39,
        "complete_up_to_actions": 3,
        "budget": 200_000,
        "cut": False,
    }
    sizes = [row["workload"].count(",") for row in res["workloads"][1:]]
    assert sizes == sorted(sizes), "smallest first after the default"
    main(["verify", HIDDEN + ":fixed"])
    assert "no finding over all 39 workloads" in capsys.readouterr().out


def test_a_budget_that_stops_the_sweep_is_no_clean_verdict(capsys):
    code, res = verify(capsys, HIDDEN + ":fixed", "--workload-budget", "5")
    assert code == 4 and res["status"] == "incomplete"
    scope = res["workload_scope"]
    assert scope["cut"] and scope["explored"] < scope["total"] == 39
    assert scope["complete_up_to_actions"] == 1, "every workload of one action, not all of two"
    main(["verify", HIDDEN + ":fixed", "--workload-budget", "5"])
    out = capsys.readouterr().out
    assert "but the workload budget stopped the sweep" in out
    assert "every workload of at most 1 action(s)" in out
    # The demo's workloads have two to four actions: sizes 0 and 1 have none, so a budget
    # that ends on the first two-action workload covered the default workload only.
    code, demo = verify(capsys, "demo-alive-flag:locked-check", "--workload-budget", "1")
    assert code == 4 and demo["workload_scope"]["complete_up_to_actions"] is None


def test_the_sweep_finds_what_the_search_over_every_workload_finds():
    for spec in (HIDDEN + ":buggy", "demo-alive-flag:unlocked-check", "pci-intx-devres:hybrid"):
        program = load(spec).program
        every = program.verify(2, all_workloads=True, every_finding=True)
        swept = program.verify(2, workload_budget=10**9, every_finding=True)
        assert swept.sweep is not None and not swept.sweep[3]
        assert swept.sweep[0] == swept.sweep[1] == program.workload_count()
        assert dict(swept.titles) == dict(every.titles), spec
        assert every.titles, "each model has a bug to find"


def _without_seconds(res: dict) -> dict:
    res.pop("seconds", None)
    return res


def test_jobs_give_the_sequential_sweeps_result(capsys):
    # Cut by the budget in the middle of a workload, found on a later workload, and clean
    # over every workload: each the same, field for field, on one thread and on three.
    cases = [
        ("dmaengine-unbind:inuse-unbind", "--workload-budget", "3000"),
        (HIDDEN + ":buggy", "--no-minimize"),
        (HIDDEN + ":fixed",),
    ]
    for case in cases:
        one = _without_seconds(verify(capsys, *case)[1])
        three = _without_seconds(verify(capsys, *case, "--jobs", "3")[1])
        assert one == three, case[0]
    code, every = verify(capsys, HIDDEN + ":fixed", "--workloads", "all", "--jobs", "2")
    assert code == 0 and every["workload_scope"]["explored"] == 39
    assert every["workload_scope"]["mode"] == "all"


def test_jobs_are_checked(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["verify", HIDDEN + ":fixed", "--jobs", "-1"])
    assert stop.value.code == 2
    assert "argument --jobs: must be from 0 (one per core) to 256" in capsys.readouterr().err
