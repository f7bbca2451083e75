"""No fixed thread limit: models with more than a thousand actors, or a thousand workers
alive at once, run under every strategy and under `verify`, and their runs replay; the
model compiler still refuses more actors than the core's limit (`_core.LIMITS`), naming the
file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyfuzz._core import LIMITS
from pyfuzz.cli import main
from pyfuzz.engine import load

MANY = Path(__file__).resolve().parent / "models" / "many_threads.py"


def test_an_interrupt_on_1100_cpus_runs_and_is_verified(capsys) -> None:
    p = load(f"{MANY}:irq_cpus:locked").program
    assert len(p.actors) == 1100
    for strategy in ("random", "pct", "pos"):
        b = p.run_batch(strategy, 3, seed=5, stop_on_finding=False)
        assert b.executions == 3 and b.findings == 0 and b.model_error is None, strategy
    # 1,100 identical handlers: one schedule at bound 0 (1100! orders without symmetry).
    r = p.verify(0)
    assert (r.schedules, r.complete, r.symmetry) == (1, True, True)
    code = main(["run", f"{MANY}:irq_cpus", "--executions", "5", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "ok" and out["executions"] == 5


def test_a_lost_update_among_1100_cpus_is_found_with_one_preemption() -> None:
    p = load(f"{MANY}:irq_cpus:unlocked").program
    r = p.verify(1)
    assert r.outcome is not None and r.outcome.preemptions == 1
    assert r.outcome.finding.title == "WARNING in irq_count_unlocked"
    again = p.replay(r.outcome.choices)
    assert again.finding.title == r.outcome.finding.title
    # The default order runs every CPU's handler: thread ids past 1,024 are decisions.
    assert max(again.choices) > 1024


def test_1100_workers_alive_at_once_run_and_replay() -> None:
    p = load(f"{MANY}:vfs").program
    for strategy in ("random", "pct", "pos"):
        b = p.run_batch(strategy, 3, seed=2, stop_on_finding=False)
        assert (b.executions, b.findings, b.step_limits) == (3, 0, 0), strategy
    # The default schedule: the enabling thread queues every probe before any runs.
    o = p.replay([], strict=False)
    assert o.status == "ok"
    widest = max(len(pick["runnable"]) for pick in o.picks)
    assert widest >= 1100, widest  # 1,100 workers queued, none run yet
    assert max(max(pick["runnable"]) for pick in o.picks) > 1024
    again = p.replay(o.choices)
    assert again.status == "ok" and again.choices == o.choices
    assert [pick["runnable"] for pick in again.picks] == [pick["runnable"] for pick in o.picks]
    # Bound 0 has more orders than a test can run here (see the model); the search runs.
    r = p.verify(0, max_schedules=3)
    assert r.schedules == 3 and r.model_error is None and r.outcome is None


def test_a_pf_with_100_vfs_is_verified_at_bound_0() -> None:
    r = load(f"{MANY}:vfs-100").program.verify(0)
    assert r.complete and r.outcome is None
    assert r.schedules == 2


def test_more_actors_than_the_limit_are_refused_with_file_and_line(tmp_path, capsys) -> None:
    most = LIMITS["max_actors"]
    assert most >= 4096
    source = (
        "from pyfuzz.model import *\n\n\nclass S(Struct):\n    n: int\n\n\ns = Global(S)\n\n\n"
        "def bump():\n    s.n = s.n + 1\n\n\n"
        "sc = Scenario(name='sc',\n"
        f"              actors=[Thread(bump, name=f't{{i}}') for i in range({most + 1})])\n"
    )
    path = tmp_path / "many.py"
    path.write_text(source)
    code = main(["run", str(path), "--executions", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:15: scenario 'sc': declares {most + 1} actors; it needs 1 to {most}" in err
    path.write_text(source.replace(f"range({most + 1})", f"range({most})"))
    code = main(["verify", str(path), "--preemptions", "0", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["schedules"] == 1 and out["complete"]
