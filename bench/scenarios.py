"""Time to first finding for every built-in scenario variant, per strategy; prints JSON.

For each buggy variant (expectation other than "clean") and each of `pct` and `random` (and
`pos`), runs `Program.run_batch` until the first finding and records the execution index and
the seconds it took, plus the title found; for each variant, `verify` at `--bound`
preemptions (default 2) gives the schedules explored, the minimal preemptions and the
seconds; `--compare-plain` adds the same search without partial-order reduction and
`--complete` adds `--preemptions all`, both within `--max-schedules`, and `--workloads
auto|all` adds `verify --workloads auto|all` at `--bound`. Wall-clock time is
measured here, in the benchmark, never in the engine.

    python bench/scenarios.py [--executions N] [--seed S] [--no-verify] [--bound B]
        [--compare-plain] [--complete] [--workloads auto|all] [--max-schedules N]
        [--only TEXT]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Any

import orjson

from pyfuzz import _core
from pyfuzz.cli import DEFAULT_WORKLOAD_BUDGET
from pyfuzz.engine import load
from pyfuzz.scenarios import builtin_scenarios

STRATEGIES = _core.STRATEGIES
ALL = 2**32 - 1  # `--preemptions all`


def verify_row(
    program: Any, bound: int, reduction: bool, budget: int, workloads: str = "default"
) -> dict[str, Any]:
    """One `verify` of the program: schedules, completeness, seconds, what it found;
    `workloads` as `verify --workloads` (auto: the command line's default budget)."""
    start = time.perf_counter()
    res = program.verify(
        bound,
        max_schedules=budget,
        reduction=reduction,
        all_workloads=workloads == "all",
        workload_budget=DEFAULT_WORKLOAD_BUDGET if workloads == "auto" else None,
    )
    return {
        "workloads": len(res.workloads),
        "workloads_total": program.workload_count(),
        "bound": res.bound,
        "schedules": res.schedules,
        "distinct_schedules": sum(res.new_per_bound),
        "complete": res.complete,
        "exhaustive": res.exhaustive,
        "states": res.states,
        "by_states": res.by_states,
        "seconds": round(time.perf_counter() - start, 4),
        "title": res.outcome.finding.title if res.outcome else None,
        "preemptions": res.outcome.preemptions if res.outcome else None,
    }


def measure(
    spec: str, expect: str, executions: int, seed: int, verify: bool, args: argparse.Namespace
) -> dict[str, Any]:
    program = load(spec).program
    row: dict[str, Any] = {"variant": spec, "expect": expect}
    if verify:
        row["verify"] = verify_row(program, args.bound, True, args.max_schedules)
        if args.compare_plain:
            row["verify_plain"] = verify_row(program, args.bound, False, args.max_schedules)
        if args.complete:
            row["verify_all"] = verify_row(program, ALL, True, args.max_schedules)
        if args.workloads != "default":
            row[f"verify_workloads_{args.workloads}"] = verify_row(
                program, args.bound, True, args.max_schedules, args.workloads
            )
    if expect == "clean":
        start = time.perf_counter()
        batch = program.run_batch("random", executions, seed=seed)
        row["random_clean_check"] = {
            "executions": batch.executions,
            "finding": batch.outcome.finding.title if batch.outcome else None,
            "seconds": round(time.perf_counter() - start, 4),
        }
        return row
    for strategy in STRATEGIES:
        start = time.perf_counter()
        batch = program.run_batch(strategy, executions, seed=seed)
        seconds = time.perf_counter() - start
        row[strategy] = {
            "first_at": batch.first_at,
            "seconds": round(seconds, 4),
            "title": batch.outcome.finding.title if batch.outcome else None,
            "matches_expect": bool(
                batch.outcome and batch.outcome.finding.title.startswith(expect)
            ),
        }
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--bound", type=int, default=2, help="verify's preemption bound")
    parser.add_argument(
        "--compare-plain", action="store_true", help="also verify without the reduction"
    )
    parser.add_argument(
        "--complete", action="store_true", help="also verify --preemptions all (budgeted)"
    )
    parser.add_argument("--max-schedules", type=int, default=3_000_000)
    parser.add_argument(
        "--workloads",
        choices=("default", "auto", "all"),
        default="default",
        help="also verify over the workloads: auto (the default budget) or all",
    )
    parser.add_argument("--only", default="", help="variants whose spec contains this")
    args = parser.parse_args()
    rows = []
    for name, (sc, _path) in builtin_scenarios().items():
        for variant in sc.variant_names():
            spec = f"{name}:{variant}" if variant else name
            if args.only not in spec:
                continue
            rows.append(
                measure(
                    spec,
                    sc.expect.get(variant, "?"),
                    args.executions,
                    args.seed,
                    not args.no_verify,
                    args,
                )
            )
    out = {
        "benchmark": "scenarios",
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        "executions_budget": args.executions,
        "seed": args.seed,
        "variants": rows,
    }
    sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
