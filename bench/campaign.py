"""Campaign figures; prints JSON.

1. Executions per second under atheris (libFuzzer in-process, model-state counters on) for
   each seed scenario, on its clean variants (a buggy one stops at its first finding): the
   standalone target `python -m pyfuzz.target SPEC -max_total_time=T`.
2. Time (seconds, and executions) to the first finding for every buggy seed variant, median
   of `--repeat` runs with seeds 1..R: atheris guided by the model-state counters, atheris
   with Python bytecode coverage only (PYFUZZ_TARGET_COVERAGE=python), each with the `bytes`
   input encoding (random fallback) and the `switches` encoding (switch points over the
   serial schedule, no random fallback), and the batch PCT engine (in process). A run that
   finds nothing within `--cap` seconds counts as the cap. Compare executions: the
   Python-coverage runs spend most of their seconds in `atheris.instrument_all()`.
3. Guidance under noise: the same on bench/models/noise.py (one racing pair among N = 2, 10,
   30, 50, 100 busy actors), plus the random walk.

    python bench/campaign.py [--cap 10] [--repeat 5] [--throughput-seconds 8] [--quick]
                             [--encodings bytes,switches] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from pyfuzz.engine import load
from pyfuzz.scenarios import builtin_scenarios

REPO = Path(__file__).resolve().parents[1]
NOISE = REPO / "bench" / "models" / "noise.py"
NOISE_SIZES = (2, 10, 30, 50, 100)


def target(
    spec: str,
    flags: list[str],
    *,
    python_cov: bool = False,
    encoding: str = "bytes",
    timeout: float = 600,
) -> str:
    env = dict(os.environ)
    env["PYFUZZ_TARGET_COVERAGE"] = "python" if python_cov else "model"
    env["PYFUZZ_TARGET_ENCODING"] = encoding
    res = subprocess.run(
        [sys.executable, "-m", "pyfuzz.target", spec, "-print_final_stats=1", *flags],
        capture_output=True, text=True, timeout=timeout, env=env, cwd="/tmp",
    )  # fmt: skip
    return res.stderr


def stat(log: str, name: str) -> int | None:
    m = re.search(rf"stat::{name}:\s+(\d+)", log)
    return int(m.group(1)) if m else None


def throughput(spec: str, seconds: int) -> dict[str, Any]:
    log = target(spec, [f"-max_total_time={seconds}", "-seed=1"])
    runs = stat(log, "number_of_executed_units") or 0
    took = stat(log, "total_time_in_seconds") or seconds
    return {"variant": spec, "executions": runs, "executions_per_second": round(runs / took)}


def atheris_first(
    spec: str, seed: int, cap: float, python_cov: bool, encoding: str
) -> tuple[float, int | None]:
    start = time.perf_counter()
    flags = [f"-max_total_time={int(cap)}", f"-seed={seed}"]
    log = target(spec, flags, python_cov=python_cov, encoding=encoding)
    took = time.perf_counter() - start
    if "DEDUP_TOKEN" not in log:
        return cap, None
    return took, stat(log, "number_of_executed_units")


def pct_first(spec: str, seed: int, cap_execs: int) -> tuple[float, int | None]:
    program = load(spec).program
    start = time.perf_counter()
    res = program.run_batch("pct", cap_execs, seed=seed)
    return time.perf_counter() - start, res.first_at


def first_finding(spec: str, repeat: int, cap: float, encodings: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"variant": spec}
    modes: list[tuple[str, Any]] = []
    for enc in encodings:
        suffix = "" if enc == "bytes" else f"_{enc}"
        modes.append((f"atheris_model_counters{suffix}", (False, enc)))
        modes.append((f"atheris_python_coverage{suffix}", (True, enc)))
    for name, (python_cov, enc) in modes:
        runs = [atheris_first(spec, s, cap, python_cov, enc) for s in range(1, repeat + 1)]
        row[name] = _summary(runs, repeat)
    row["pct_batch"] = _summary(
        [pct_first(spec, s, 2_000_000) for s in range(1, repeat + 1)], repeat
    )
    return row


def _summary(runs: list[tuple[float, int | None]], repeat: int) -> dict[str, Any]:
    execs = [r[1] for r in runs if r[1] is not None]
    return {
        "median_seconds": round(statistics.median(r[0] for r in runs), 3),
        "median_executions": statistics.median(execs) if len(execs) == repeat else None,
        "executions": [r[1] for r in runs],
        "found": len(execs),
        "runs": repeat,
    }


def noise_row(n: int, repeat: int, cap: float, encodings: list[str]) -> dict[str, Any]:
    spec = f"{NOISE}:noise-{n}"
    row = first_finding(spec, repeat, cap, encodings)
    program = load(spec).program
    randoms = [
        program.run_batch("random", 2_000_000, seed=s).first_at for s in range(1, repeat + 1)
    ]
    row["random_batch"] = {"median_executions": statistics.median(r or 2_000_000 for r in randoms)}
    row["n"] = n
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--throughput-seconds", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2 repeats, 3 s caps")
    parser.add_argument(
        "--encodings", default="bytes,switches", help="atheris input encodings to compare"
    )
    parser.add_argument("--only", default="", help="buggy variants whose name contains this")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-noise", action="store_true")
    args = parser.parse_args()
    encodings = [e for e in args.encodings.split(",") if e]
    if args.quick:
        args.repeat, args.cap, args.throughput_seconds = 2, 3.0, 3
    table = builtin_scenarios()
    clean, buggy = [], []
    for name, (sc, _) in table.items():
        for variant, expect in sc.expect.items():
            (clean if expect.strip().lower() == "clean" else buggy).append(f"{name}:{variant}")
    buggy = [s for s in buggy if args.only in s]
    out: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "throughput_atheris": []
        if args.no_throughput
        else [throughput(s, args.throughput_seconds) for s in clean],
        "first_finding": [first_finding(s, args.repeat, args.cap, encodings) for s in buggy],
        "noise": []
        if args.no_noise
        else [noise_row(n, args.repeat, args.cap, encodings) for n in NOISE_SIZES],
    }
    sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
