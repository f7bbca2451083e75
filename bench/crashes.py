"""The crash pipeline's figures; prints JSON.

For every crash.json of the regression corpus (`corpora/` by default):
- replay time in this process (load the scenario, replay the choices, render nothing) and end
  to end in a fresh process (`pyfuzz replay FILE --json`, interpreter start included);
- the trace's preemptions against what `verify` reports for its variant (default workload);
- the time of `pyfuzz corpus check` over the whole directory.
Fresh-process figures include compiling pyfuzz's own modules when PYTHONDONTWRITEBYTECODE is
set (as on some CI images); the first replay of a model also fills the compiled-model cache.
And for every buggy variant, the minimizer on a randomized finding (random walk, seed 1):
steps, context switches and preemptions before and after, replays used, seconds.

    python bench/crashes.py [--corpus DIR] [--no-minimize]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from pyfuzz.corpus import check_crash, find_crashes
from pyfuzz.engine import load
from pyfuzz.minimize import Minimizer
from pyfuzz.replay import replay_crash

REPO = Path(__file__).resolve().parents[1]


def replay_row(path: Path) -> dict[str, Any]:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        res = replay_crash(path)
        times.append(time.perf_counter() - start)
    fresh = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pyfuzz", "replay", str(path), "--json"],
            capture_output=True,
            check=False,
        )
        fresh.append(time.perf_counter() - start)
        assert proc.returncode == 1, proc.stderr
        assert orjson.loads(proc.stdout)["verdict"] == "reproduced"
    verify = load(f"{res.crash.scenario}:{res.crash.variant}").program.verify(2)
    return {
        "file": str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path),
        "title": res.crash.title,
        "verdict": res.verdict,
        "steps": res.outcome.steps,
        "preemptions": res.outcome.preemptions,
        "verify_preemptions": verify.outcome.preemptions if verify.outcome else None,
        "verify_title": verify.outcome.finding.title if verify.outcome else None,
        "replay_ms_in_process_median": round(statistics.median(times) * 1000, 1),
        "replay_ms_fresh_process_median": round(statistics.median(fresh) * 1000, 1),
    }


def minimize_row(spec: str) -> dict[str, Any] | None:
    program = load(spec).program
    batch = program.run_batch("random", 200_000, seed=1)
    if batch.outcome is None:
        return None
    start = time.perf_counter()
    m = Minimizer(program, batch.outcome.finding.title)
    res = m.minimize(list(batch.outcome.choices))
    return {
        "variant": spec,
        "title": batch.outcome.finding.title,
        "before": res.before.__dict__,
        "after": res.after.__dict__,
        "minimal_preemptions": res.minimal_preemptions,
        "replays": res.replays,
        "searched_schedules": res.schedules,
        "seconds": round(time.perf_counter() - start, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO / "corpora"))
    parser.add_argument("--no-minimize", action="store_true")
    args = parser.parse_args()
    files = find_crashes(args.corpus)
    rows = [replay_row(p) for p in files]
    start = time.perf_counter()
    checks = [check_crash(p) for p in files]
    check_seconds = time.perf_counter() - start
    start = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-m", "pyfuzz", "corpus", "check", args.corpus],
        capture_output=True,
        check=False,
    )
    cli_seconds = time.perf_counter() - start
    out: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "replays": rows,
        "corpus": {
            "files": len(files),
            "passed": sum(c.ok for c in checks),
            "check_seconds_in_process": round(check_seconds, 3),
            "check_seconds_cli": round(cli_seconds, 3),
            "cli_exit": cli.returncode,
        },
    }
    if not args.no_minimize:
        from pyfuzz.scenarios import builtin_scenarios

        specs = [
            f"{name}:{variant}"
            for name, (sc, _) in builtin_scenarios().items()
            for variant, expect in sc.expect.items()
            if expect.strip().lower() != "clean"
        ]
        out["minimizer"] = [r for r in map(minimize_row, specs) if r is not None]
    sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
