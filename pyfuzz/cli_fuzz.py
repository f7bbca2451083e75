"""`pyfuzz fuzz`: the command-line face of `pyfuzz.campaign.supervisor`.

Parses the budget (`--time 90s|10m|2h`, `--runs N`), the engine and the job count, and the
flags to pass through to libFuzzer (after `--`), then runs the campaign.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from pyfuzz._core import STRATEGIES
from pyfuzz.cli_args import add_fault_option, depth, int_in, jobs
from pyfuzz.errors import UsageError

# atheris, or a batch strategy from the core's registry.
ENGINES = ("atheris", *STRATEGIES)


def parse_duration(text: str) -> float:
    """Seconds in `90`, `90s`, `10m`, `2h`, `1h30m`."""
    m = re.fullmatch(r"\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*", text)
    if not text.strip() or m is None or not any(m.groups()):
        raise argparse.ArgumentTypeError(f"'{text}' is not a duration (e.g. 90s, 10m, 2h)")
    h, mins, secs = m.groups()
    value = int(h or 0) * 3600 + int(mins or 0) * 60 + float(secs or 0)
    if value <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return value


_positive_int = int_in(1, 2**62, "1 to 2^62")
# libFuzzer's -seed is an unsigned int; sessions use seed, seed+1, ...
_seed = int_in(0, 2**31 - 1, "0 to 2^31-1")


def default_out(label: str) -> Path:
    return Path("pyfuzz-out") / label.replace(":", "-").replace("/", "-")


def cmd_fuzz(args: argparse.Namespace) -> int:
    from pyfuzz.campaign.supervisor import CampaignConfig, run_campaign
    from pyfuzz.engine import load

    loaded = load(args.scenario, args.fail)
    if args.engine == "atheris":
        try:
            import atheris  # noqa: F401
        except ImportError:
            raise UsageError(
                "the atheris engine needs the atheris package (pip install atheris); or use "
                "--engine pct|random|pos"
            ) from None
    spec = args.scenario
    head = spec.split(":", 1)[0]
    if head.endswith(".py"):  # workers may start elsewhere: pass the file by absolute path
        spec = str(Path(head).resolve()) + spec[len(head) :]
    seconds = args.time
    if seconds is None and args.runs is None:
        seconds = 600.0
    cfg = CampaignConfig(
        loaded=loaded,
        spec=spec,
        out=Path(args.out) if args.out else default_out(loaded.label),
        engine=args.engine,
        jobs=args.jobs if args.jobs else (os.cpu_count() or 1),
        seconds=seconds,
        runs=args.runs,
        seed=args.seed,
        depth=args.depth,
        libfuzzer_args=list(args.libfuzzer_args),
        encoding=args.encoding,
        faults=args.fail,
    )
    if cfg.libfuzzer_args and cfg.engine != "atheris":
        raise UsageError("libFuzzer flags (after --) apply to --engine atheris only")
    return run_campaign(cfg)


def add_command(sub: Any) -> None:  # noqa: ANN401 (argparse's private subparsers type)
    p = sub.add_parser(
        "fuzz",
        help="a fuzz campaign: one minimized crash.json per distinct finding",
        description=(
            "Fuzz SCENARIO until the budget ends (default 10m), writing one minimized "
            "crash.json per distinct finding under OUT/crashes/. Running the same command "
            "again resumes the campaign (corpus and known findings). Exit 1 when OUT holds "
            "findings, 4 when the budget ran out with none, 130/143 on SIGINT/SIGTERM. "
            "Flags after -- go to libFuzzer unchanged (atheris engine), e.g. "
            "pyfuzz fuzz NAME -- -max_len=256 -dict=model.dict"
        ),
    )
    p.add_argument("scenario", help="NAME[:VARIANT] or path/to/model.py[:name[:variant]]")
    p.add_argument("--time", type=parse_duration, help="budget: 90s, 10m, 2h (default 10m)")
    p.add_argument("--runs", type=_positive_int, help="budget in executions (all jobs)")
    p.add_argument("--jobs", type=jobs, default=1, help="parallel workers; 0 = one per core")
    p.add_argument("--engine", choices=ENGINES, default="atheris", help="search engine")
    p.add_argument("--out", help="campaign directory (default ./pyfuzz-out/<name>-<variant>)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the first session")
    p.add_argument("--depth", type=depth, default=3, help="PCT bug depth (--engine pct)")
    add_fault_option(p)
    p.add_argument(
        "--encoding",
        choices=("bytes", "switches"),
        default="bytes",
        help=(
            "atheris input encoding: bytes (one byte per decision, then a PRNG seeded by the "
            "input) or switches (switch points over the serial schedule, no random "
            "fallback: the search follows the model-state coverage alone)"
        ),
    )
    p.set_defaults(func=cmd_fuzz, libfuzzer_args=[])
