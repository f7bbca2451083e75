#!/usr/bin/env python3
"""pyfuzz side by side with shuttle and loom on three equivalent programs; prints one JSON object.

The programs (bench/peers/README.md): `stop-io` (a driver's stop path racing two I/O threads),
`demo-alive-flag` (the built-in demo, workload pinned), `abba` (an AB-BA mutex pair). Each has
a buggy and a fixed variant, written as a pyfuzz model in bench/peers/models/ and as a Rust
twin in bench/peers/src/programs.rs with the same scheduling points.

What runs, in one process and one run (progress on stderr, the JSON object on stdout):

1. `cargo build --release` of bench/peers (shuttle and loom from crates.io, Cargo.lock pinned);
2. per program, the scheduling points of the serial schedule on both sides;
3. per program, executions per second on the fixed variant, for `--seconds` each: shuttle's
   RandomScheduler and PctScheduler against pyfuzz `Program.run_batch` "random" and "pct",
   measured back to back;
4. per program, executions to the first bug on the buggy variant for `--seeds` seeds (each
   capped at `--max-executions`): shuttle random/PCT against pyfuzz random/pct;
5. per program and variant, complete exploration: shuttle's DfsScheduler, loom's model checker
   (default builder: no preemption bound) and `pyfuzz verify --preemptions all --json` (whatever
   `verify` does today, so the figures move when its search improves). On a buggy variant each
   stops at its first bug; the count is then the schedules run until it.

    python bench/peers/compare.py                   # about a minute after the first build
    python bench/peers/compare.py --seconds 0.5 --seeds 5     # a smoke test

Exit status: 0 when every tool agreed with the expectations (fixed clean, buggy found), 1 when
some measurement disagreed (the figures are printed anyway, with "agree": false), 2 when the Rust
side cannot be built.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PEERS = Path(__file__).resolve().parent
REPO = PEERS.parent.parent
MODELS = PEERS / "models"
BINARY = PEERS / "target" / "release" / "pyfuzz-peers"

# name -> (model file, scenario, pyfuzz buggy variant, pyfuzz fixed variant, buggy title prefix)
PROGRAMS: dict[str, tuple[str, str, str, str, str]] = {
    "stop-io": ("stop_io.py", "stop-io", "buggy", "fixed", "KASAN: slab-use-after-free"),
    "demo-alive-flag": (
        "demo_alive_flag.py",
        "demo-alive-flag",
        "unlocked-check",
        "locked-check",
        "KASAN: slab-use-after-free",
    ),
    "abba": ("abba.py", "abba", "buggy", "ordered", "deadlock"),
}
# The failure class the Rust twin reports for each program's bug (main.rs `classify`).
RUST_BUG = {"stop-io": "use-after-free", "demo-alive-flag": "use-after-free", "abba": "deadlock"}
STRATEGIES = ("random", "pct")


class PeerError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def find_cargo() -> str:
    found = shutil.which("cargo")
    if found:
        return found
    candidate = Path.home() / ".cargo" / "bin" / "cargo"
    if candidate.is_file():
        return str(candidate)
    raise PeerError("cargo not found (PATH, ~/.cargo/bin)")


def build(cargo: str) -> None:
    log(f"cargo build --release in {PEERS.relative_to(REPO)} (first build: about a minute)")
    env = dict(os.environ)
    env.pop("RUSTFLAGS", None)
    env.pop("CARGO_TARGET_DIR", None)  # the binary is expected in bench/peers/target
    res = subprocess.run(
        [cargo, "build", "--release", "--locked"], cwd=PEERS, env=env, stdout=sys.stderr
    )
    if res.returncode != 0 or not BINARY.is_file():
        raise PeerError(f"cargo build failed (exit {res.returncode}) in {PEERS}")


def rust_env() -> dict[str, str]:
    """The environment without the tools' overrides (a fixed seed, a preemption bound...)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LOOM_", "SHUTTLE_"))}


def rust(*args: object) -> dict[str, Any]:
    res = subprocess.run(
        [str(BINARY), *map(str, args)], capture_output=True, text=True, env=rust_env()
    )
    if res.returncode != 0 or not res.stdout.strip():
        tail = res.stderr.strip().splitlines()[-5:]
        raise PeerError(f"pyfuzz-peers {' '.join(map(str, args))} failed: {' / '.join(tail)}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def lock_versions() -> dict[str, str | None]:
    text = (PEERS / "Cargo.lock").read_text()
    out: dict[str, str | None] = {}
    for name in ("shuttle", "loom"):
        m = re.search(rf'name = "{name}"\nversion = "([^"]+)"', text)
        out[name] = m.group(1) if m else None
    return out


def machine(cargo: str) -> dict[str, Any]:
    import pyfuzz

    def version(tool: str) -> str | None:
        try:
            return subprocess.run(
                [tool, "--version"], capture_output=True, text=True, timeout=60
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
        "python": sys.version.split()[0],
        "cargo": version(cargo),
        "pyfuzz_version": pyfuzz.__version__,
        "git_commit": commit or None,
        **lock_versions(),
    }


# ---------------------------------------------------------------------------------------------
# pyfuzz side
# ---------------------------------------------------------------------------------------------


def spec(program: str, variant: str) -> str:
    file, scenario, *_ = PROGRAMS[program]
    return f"{MODELS / file}:{scenario}:{variant}"


def load(program: str, variant: str) -> Any:
    from pyfuzz.engine import load as load_spec

    return load_spec(spec(program, variant)).program


def pyfuzz_points(program: str) -> dict[str, Any]:
    """Steps of the serial schedule (each actor to its end in actor order) of the fixed variant."""
    prog = load(program, PROGRAMS[program][3])
    out = prog.replay([], trace=False, strict=False)
    return {"scheduling_points": out.steps, "with_a_choice": len(out.choices)}


def pyfuzz_rate(prog: Any, strategy: str, seconds: float, depth: int) -> dict[str, Any]:
    """`run_batch` in chunks of about 0.1 s until `seconds` have passed (a new seed per chunk)."""
    t0 = time.perf_counter()
    prog.run_batch(strategy, 500, seed=1, depth=depth, stop_on_finding=False)  # warm-up
    chunk = int(min(max(0.1 / max((time.perf_counter() - t0) / 500, 1e-8), 100), 1_000_000))
    execs = findings = 0
    k = 0
    start = time.perf_counter()
    while True:
        k += 1
        b = prog.run_batch(strategy, chunk, seed=k, depth=depth, stop_on_finding=False)
        execs += b.executions
        findings += b.findings
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    return {
        "executions": execs,
        "seconds": round(elapsed, 4),
        "executions_per_s": round(execs / elapsed),
        "findings": findings,
    }


def pyfuzz_first_bug(
    prog: Any, strategy: str, seeds: int, max_executions: int, depth: int
) -> dict[str, Any]:
    found: list[int | None] = []
    titles: set[str] = set()
    start = time.perf_counter()
    for seed in range(1, seeds + 1):
        b = prog.run_batch(strategy, max_executions, seed=seed, depth=depth, stop_on_finding=True)
        found.append(b.first_at)
        if b.outcome is not None and b.outcome.finding is not None:
            titles.add(b.outcome.finding.title)
    return {
        **first_bug_summary(found, max_executions),
        "titles": sorted(titles),
        "seconds": round(time.perf_counter() - start, 4),
    }


def pyfuzz_verify(program: str, variant: str, max_schedules: int) -> dict[str, Any]:
    """`pyfuzz verify SPEC --preemptions all --json`, as a user runs it."""
    cmd = [sys.executable, "-m", "pyfuzz", "verify", spec(program, variant)]
    cmd += ["--preemptions", "all", "--json", "--no-minimize"]
    cmd += ["--max-schedules", str(max_schedules)]
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if res.returncode not in (0, 1, 4) or not res.stdout.strip():
        raise PeerError(f"{' '.join(cmd[2:])} exited {res.returncode}: {res.stderr.strip()[-300:]}")
    j = json.loads(res.stdout)
    return {
        "seconds_api": verify_seconds_api(program, variant, max_schedules, j.get("schedules")),
        # Every execution the search ran (iterative bounding re-runs earlier bounds' schedules).
        "schedules": j.get("schedules"),
        "distinct_schedules": j.get("distinct_schedules"),
        "new_per_bound": j.get("new_per_bound"),
        "complete": bool(j.get("exhaustive", j.get("complete"))) and res.returncode == 0,
        "seconds": j.get("seconds"),
        "wall_seconds": round(wall, 3),
        "finding": j.get("title"),
        "minimal_preemptions": j.get("minimal_preemptions"),
        "exit_code": res.returncode,
    }


def verify_seconds_api(
    program: str, variant: str, max_schedules: int, schedules: int | None
) -> float | None:
    """The same search through the Python API, timed to the microsecond (the CLI's `seconds` has
    millisecond resolution); None when the API no longer matches this call or the counts differ.
    """
    try:
        from pyfuzz.cli_args import preemptions

        prog = load(program, variant)
        start = time.perf_counter()
        res = prog.verify(preemptions("all"), max_schedules=max_schedules)
        seconds = time.perf_counter() - start
    except Exception:  # noqa: BLE001 - an API drift must not lose the CLI's figures
        return None
    return round(seconds, 6) if res.schedules == schedules else None


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def first_bug_summary(found: list[int | None], cap: int) -> dict[str, Any]:
    hits = [n for n in found if n is not None]
    missed = len(found) - len(hits)
    # A seed that found nothing within the cap counts as more than the cap: the median is
    # defined while at most half missed, the max only when none did.
    ranked = sorted(hits) + [cap + 1] * missed
    median = statistics.median(ranked) if ranked else None
    return {
        "median": None if median is None or median > cap else median,
        "max": max(hits) if hits and not missed else None,
        "found": len(hits),
        "seeds": len(found),
        "per_seed": found,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def measure_program(name: str, args: argparse.Namespace) -> dict[str, Any]:
    _file, _scenario, buggy, fixed, title = PROGRAMS[name]
    row: dict[str, Any] = {
        "pyfuzz_model": str((MODELS / PROGRAMS[name][0]).relative_to(REPO)),
        "variants": {"buggy": buggy, "fixed": fixed},
    }
    agree = True

    log(f"{name}: scheduling points")
    shuttle_points = rust("points", name, "fixed")
    row["serial_schedule_points"] = {
        "pyfuzz": pyfuzz_points(name),
        "shuttle": {k: shuttle_points[k] for k in ("scheduling_points", "with_a_choice")},
    }

    prog_fixed = load(name, fixed)
    rates: dict[str, Any] = {}
    for strategy in STRATEGIES:
        log(f"{name}: {strategy} executions/s on {fixed} ({args.seconds}s each side)")
        s = rust("rate", name, "fixed", strategy, args.seconds, 1, args.depth)
        p = pyfuzz_rate(prog_fixed, strategy, args.seconds, args.depth)
        agree &= s["failure"] is None and p["findings"] == 0
        rates[strategy] = {
            "shuttle": s["executions_per_s"],
            "pyfuzz": p["executions_per_s"],
            "pyfuzz_over_shuttle": ratio(p["executions_per_s"], s["executions_per_s"]),
            "detail": {"shuttle": s, "pyfuzz": p},
        }
    row["executions_per_s"] = rates

    prog_buggy = load(name, buggy)
    first: dict[str, Any] = {}
    for strategy in STRATEGIES:
        log(f"{name}: {strategy} executions to the first bug on {buggy}, {args.seeds} seeds")
        s = rust("first-bug", name, "buggy", strategy, args.seeds, args.max_executions, args.depth)
        s_sum = first_bug_summary(s["executions"], args.max_executions)
        s_sum.update(failures=s["failures"], seconds=s["seconds"])
        p = pyfuzz_first_bug(prog_buggy, strategy, args.seeds, args.max_executions, args.depth)
        agree &= s["failures"] == [RUST_BUG[name]] and all(t.startswith(title) for t in p["titles"])
        first[strategy] = {
            "shuttle": {"median": s_sum["median"], "max": s_sum["max"]},
            "pyfuzz": {"median": p["median"], "max": p["max"]},
            "detail": {"shuttle": s_sum, "pyfuzz": p},
        }
    row["executions_to_first_bug"] = first

    complete: dict[str, Any] = {}
    for kind, variant in (("fixed", fixed), ("buggy", buggy)):
        log(f"{name}: complete exploration of {variant} (shuttle DFS, loom, pyfuzz verify)")
        dfs = rust("dfs", name, kind)
        lm = rust("loom", name, kind)
        pv = pyfuzz_verify(name, variant, args.max_schedules)
        if kind == "fixed":
            agree &= dfs["complete"] and lm["complete"] and pv["complete"]
        else:
            agree &= dfs["failure"] == lm["failure"] == RUST_BUG[name]
            agree &= bool(pv["finding"]) and pv["finding"].startswith(title)
        complete[kind] = {
            "schedules": {
                "shuttle_dfs": dfs["schedules"],
                "loom": lm["schedules"],
                "pyfuzz_verify": pv["schedules"],
                "pyfuzz_verify_distinct": pv["distinct_schedules"],
            },
            "seconds": {
                "shuttle_dfs": dfs["seconds"],
                "loom": lm["seconds"],
                "pyfuzz_verify": pv["seconds_api"]
                if pv["seconds_api"] is not None
                else pv["seconds"],
            },
            "pyfuzz_over_loom_schedules": ratio(pv["schedules"], lm["schedules"]),
            "detail": {"shuttle_dfs": dfs, "loom": lm, "pyfuzz_verify": pv},
        }
    row["complete_exploration"] = complete
    row["agree"] = agree
    return row


def summarize(r: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of one program, tool by tool."""
    out: dict[str, Any] = {}
    for s in STRATEGIES:
        rate = r["executions_per_s"][s]
        out[f"executions_per_s_{s}"] = {
            "shuttle": rate["shuttle"],
            "pyfuzz": rate["pyfuzz"],
            "pyfuzz_over_shuttle": rate["pyfuzz_over_shuttle"],
        }
    for s in STRATEGIES:
        fb = r["executions_to_first_bug"][s]
        out[f"first_bug_{s}_median"] = {t: fb[t]["median"] for t in ("shuttle", "pyfuzz")}
        out[f"first_bug_{s}_max"] = {t: fb[t]["max"] for t in ("shuttle", "pyfuzz")}
    for kind in ("fixed", "buggy"):
        c = r["complete_exploration"][kind]
        label = "complete" if kind == "fixed" else "exhaustive_to_first_bug"
        out[f"{label}_schedules"] = c["schedules"]
        out[f"{label}_seconds"] = c["seconds"]
    return out


def dumps(obj: Any, indent: int = 0) -> str:
    """JSON with one line per innermost object or list (readable, still valid JSON)."""
    flat = json.dumps(obj)
    if not isinstance(obj, dict | list) or len(flat) + indent <= 100:
        return flat
    pad = " " * (indent + 1)
    if isinstance(obj, list):
        items = [pad + dumps(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in obj.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


def builtin_demo_check(max_schedules: int) -> dict[str, Any]:
    """The pinned copy of the demo explores what the built-in explores (its default workload)."""
    out: dict[str, Any] = {}
    for variant in ("locked-check", "unlocked-check"):
        cmd = [sys.executable, "-m", "pyfuzz", "verify", f"demo-alive-flag:{variant}"]
        cmd += ["--preemptions", "all", "--json", "--no-minimize", "--workloads", "default"]
        cmd += ["--max-schedules", str(max_schedules)]
        builtin = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout)
        copy = pyfuzz_verify("demo-alive-flag", variant, max_schedules)
        out[variant] = builtin.get("distinct_schedules") == copy["distinct_schedules"] and (
            builtin.get("title") == copy["finding"]
        )
    return {"same_verify_as_builtin": out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per throughput measurement")
    parser.add_argument("--seeds", type=int, default=20, help="seeds for the first-bug figures")
    parser.add_argument("--depth", type=int, default=3, help="PCT bug depth d, both sides")
    parser.add_argument("--max-executions", type=int, default=100_000, help="per seed")
    parser.add_argument("--max-schedules", type=int, default=10_000_000, help="per verify")
    parser.add_argument("--no-build", action="store_true", help="use the built binary as it is")
    parser.add_argument("--programs", default=",".join(PROGRAMS), help="comma-separated subset")
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        cargo = find_cargo()
        if not args.no_build or not BINARY.is_file():
            build(cargo)
        names = [n for n in args.programs.split(",") if n]
        for n in names:
            if n not in PROGRAMS:
                raise PeerError(f"unknown program '{n}' ({', '.join(PROGRAMS)})")
        info = machine(cargo)
        programs = {n: measure_program(n, args) for n in names}
        checks = builtin_demo_check(args.max_schedules) if "demo-alive-flag" in names else {}
    except PeerError as e:
        log(f"error: {e}")
        return 2
    summary = {n: summarize(r) for n, r in programs.items()}
    out = {
        "benchmark": "peers",
        "how_to_read": "bench/peers/README.md; per-program details under 'programs'",
        "machine": info,
        "settings": {
            "seconds": args.seconds,
            "seeds": args.seeds,
            "pct_depth": args.depth,
            "max_executions_per_seed": args.max_executions,
            "max_schedules": args.max_schedules,
        },
        "summary": summary,
        "programs": programs,
        "checks": checks,
        "agree": all(r["agree"] for r in programs.values())
        and all(checks.get("same_verify_as_builtin", {}).values()),
        "total_seconds": round(time.perf_counter() - start, 1),
    }
    print(dumps(out))
    return 0 if out["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
