"""The `pyfuzz` command line: list, verify, run (and, from `pyfuzz.cli_crash`, replay,
minimize and corpus check).

Wiring only: scenarios are resolved by `pyfuzz.scenarios`, compiled and loaded by
`pyfuzz.engine`, findings minimized and saved by `pyfuzz.findings`, rendered by
`pyfuzz.report`. Exit codes (`pyfuzz.exitcodes`): 0 no finding, 1 a finding, 2 unusable input
(one line on stderr, no traceback), 3 an internal error in pyfuzz itself.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Sequence
from typing import Any

from pyfuzz import __version__, cli_args
from pyfuzz._core import STRATEGIES, PanicException
from pyfuzz.cli_json import emit, emit_error, print_json
from pyfuzz.errors import EngineError, ModelRuntimeError, Terminated, UsageError
from pyfuzz.exitcodes import (
    EXIT_CLEAN,
    EXIT_FINDING,
    EXIT_INCOMPLETE,
    EXIT_INTERNAL,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
)
from pyfuzz.interrupt import EXIT_FOR_SIGNAL, ProgressLine, terminate_raises
from pyfuzz.workloads import describe_workload


def _outcome_fields(outcome: Any) -> dict[str, Any]:
    f = outcome.finding
    return {
        "status": outcome.status,
        "title": f.title if f else None,
        "kind": f.kind if f else None,
        "signature": f.signature if f else None,
        "thread": f.thread if f else None,
        "report": f.report if f else None,
        "preemptions": outcome.preemptions,
        "context_switches": outcome.context_switches,
        "steps": outcome.steps,
        "choices": list(outcome.choices),
    }


def cmd_list(args: argparse.Namespace) -> int:
    from pyfuzz.scenarios import builtin_scenarios

    rows = []
    for name, (sc, _path) in builtin_scenarios().items():
        variants = sc.variant_names()
        rows.append(
            {
                "name": name,
                "description": sc.description,
                "default_variant": sc.default_variant or variants[0],
                "variants": [{"name": v, "expect": sc.expect.get(v, "")} for v in variants],
            }
        )
    if args.json:
        print_json({"scenarios": rows})
        return EXIT_CLEAN
    for row in rows:
        print(f"{row['name']}: {row['description']}")
        for v in row["variants"]:
            mark = "*" if v["name"] == row["default_variant"] else " "
            print(f"  {mark} {row['name']}:{v['name']:<22} expect: {v['expect'] or '?'}")
    print("\nSCENARIO may also be a model file: path/to/model.py[:name[:variant]]")
    return EXIT_CLEAN


def cmd_verify(args: argparse.Namespace) -> int:
    from pyfuzz.engine import load

    loaded = load(args.scenario, args.fail)
    start = time.perf_counter()
    progress = ProgressLine(f"verify {loaded.label}", "schedules", show_bound=True)
    try:
        with terminate_raises():
            res = loaded.program.verify(
                args.preemptions,
                max_schedules=args.max_schedules,
                interruptible=True,
                progress=progress,
                all_workloads=args.workloads == "all",
                workload_budget=args.workload_budget if args.workloads == "auto" else None,
                jobs=args.jobs if args.jobs else (os.cpu_count() or 1),
                reduction=not args.no_reduction,
                symmetry=not (args.no_reduction or args.no_symmetry),
            )
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    base = {
        "scenario": loaded.resolved.scenario.name,
        "variant": loaded.resolved.variant,
        "schedules": res.schedules,
        "bound": res.bound,
        "complete": res.complete,
        "exhaustive": res.exhaustive,
        "reduction": not args.no_reduction,
        "symmetry": res.symmetry,
        "unbounded": res.unbounded,
        "states": res.states,
        "by_states": res.by_states,
        "new_per_bound": list(res.new_per_bound),
        "distinct_schedules": sum(res.new_per_bound),
        "workloads": _workload_rows(loaded, res.workloads),
        "step_limits": res.step_limits,
        "workload_scope": _workload_scope(args, res, loaded.program.workload_count()),
        "seconds": round(seconds, 3),
    }
    if res.model_error is not None:
        where = f"schedule {res.schedules} of the search, {_where_in_search(res)}"
        return _model_error_in_search(args, base, res.model_error, where)
    if res.outcome is None:
        base.update({"status": "ok", "title": None, "kind": None, "signature": None})
        base["preemptions"] = None
        if res.interrupted:
            where = _where_in_search(res)
            if res.sweep is not None:
                scope = base["workload_scope"]
                where += f", {scope['explored']:,} of {scope['total']:,} workloads done"
            return _interrupted(args, loaded.label, base, res.interrupted, where)
        code = EXIT_CLEAN if res.complete else EXIT_INCOMPLETE
        if args.json:
            return emit("verify", "ok" if res.complete else "incomplete", code, base)
        distinct = sum(res.new_per_bound)
        per_bound = ", ".join(f"{n} at {b}" for b, n in enumerate(res.new_per_bound))
        _print_workloads(base["workloads"])
        scope = base["workload_scope"]
        over = f" over all {scope['total']:,} workloads" if scope["total"] > 1 else ""
        if scope["mode"] == "default":
            others = scope["total"] - 1
            over = f" on the default workload only ({others:,} others: --workloads auto or all)"
            over = over if others else ""
        if scope["cut"]:
            print(
                f"{loaded.label}: no finding in {res.schedules} schedules on "
                f"{scope['explored']:,} of {scope['total']:,} workloads "
                f"({_sweep_covered(scope)}), but the workload budget stopped the sweep "
                f"(--workload-budget {args.workload_budget}); --workloads all or a larger "
                f"budget explores the rest ({seconds:.2f}s)"
            )
        elif res.exhaustive and res.by_states:
            print(
                f"{loaded.label}: no finding{over}; complete: every interleaving explored, by a "
                f"stateful search through {res.states} distinct states ({res.schedules} "
                f"executions, {seconds:.2f}s)"
            )
        elif res.exhaustive:
            print(
                f"{loaded.label}: no finding{over}; complete: every interleaving explored, "
                f"{distinct} schedules ({per_bound} preemptions; {res.schedules} executions, "
                f"{seconds:.2f}s{_reduced(args, res)})"
            )
        elif res.complete:
            print(
                f"{loaded.label}: no finding in {distinct} schedules{over}, exhaustive up to "
                f"{args.preemptions} preemptions ({per_bound}; {res.schedules} executions, "
                f"{seconds:.2f}s{_reduced(args, res)})"
            )
        else:
            print(
                f"{loaded.label}: no finding in {res.schedules} schedules, but the search stopped"
                f" at the budget (--max-schedules), {_where_in_search(res)}"
            )
        return code
    # "preemptions" stays what the search proved the finding needs on its workload;
    # the shown trace is the minimized one (its own counts are under "minimized").
    base["minimal_preemptions"] = res.outcome.preemptions
    replayed = _finish_finding(
        args, loaded, list(res.outcome.choices), base, {"command": "verify", "strategy": "dfs"}
    )
    if not args.json:
        on = " on its workload" if res.sweep is not None else ""
        print(
            f"{loaded.label}: {replayed.finding.title if replayed.finding else '?'} "
            f"(needs {res.outcome.preemptions} preemption(s){on}; found after {res.schedules} "
            f"schedules, {seconds:.2f}s)"
        )
        print(_reproduce_line(args))
    return EXIT_FINDING


def cmd_run(args: argparse.Namespace) -> int:
    from pyfuzz.engine import load

    loaded = load(args.scenario, args.fail)
    start = time.perf_counter()
    progress = ProgressLine(f"run {loaded.label}", "executions", show_bound=False)
    try:
        with terminate_raises():
            res = loaded.program.run_batch(
                args.strategy,
                args.executions,
                seed=args.seed,
                depth=args.depth,
                interruptible=True,
                progress=progress,
            )
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    base: dict[str, Any] = {
        "scenario": loaded.resolved.scenario.name,
        "variant": loaded.resolved.variant,
        "strategy": args.strategy,
        "seed": args.seed,
        "executions": res.executions,
        "first_at": res.first_at,
        "step_limits": res.step_limits,
        "seconds": round(seconds, 3),
        "executions_per_second": round(res.executions / seconds) if seconds > 0 else None,
    }
    if res.model_error is not None:
        index, outcome = res.model_error
        where = f"execution {index} of --strategy {args.strategy} --seed {args.seed}"
        return _model_error_in_search(args, base, outcome, where)
    if res.outcome is None:
        base.update({"status": "ok", "title": None, "kind": None, "signature": None})
        base["preemptions"] = None
        if res.interrupted:
            return _interrupted(args, loaded.label, base, res.interrupted, f"({args.strategy})")
        if args.json:
            return emit("run", "ok", EXIT_CLEAN, base)
        else:
            print(
                f"{loaded.label}: no finding in {res.executions} executions "
                f"({args.strategy}, seed {args.seed}, {seconds:.2f}s)"
            )
        return EXIT_CLEAN
    origin = {"command": "run", "strategy": args.strategy, "seed": args.seed}
    replayed = _finish_finding(args, loaded, list(res.outcome.choices), base, origin)
    if not args.json:
        print(
            f"{loaded.label}: {replayed.finding.title if replayed.finding else '?'} "
            f"at execution {res.first_at} of {args.executions} ({args.strategy}, seed "
            f"{args.seed}, {seconds:.2f}s)"
        )
        print(_reproduce_line(args))
    return EXIT_FINDING


# Workload lines shown in text (all of them are in --json).
SHOWN_WORKLOADS = 20

# `verify --workloads auto`: schedules for the workloads after the default one (ten to thirty
# seconds on the seed scenarios).
DEFAULT_WORKLOAD_BUDGET = 200_000


def _where_in_search(res: Any) -> str:
    """Where a search stood when it stopped: the bound it explored, or, in the unbounded
    part of `--preemptions all`, how many preemptions its schedules had reached."""
    if res.unbounded:
        return f"in the unbounded search (schedules with up to {res.bound} preemptions so far)"
    return f"at bound {res.bound}"


def _workload_scope(args: argparse.Namespace, res: Any, total: int) -> dict[str, Any]:
    """Which workloads a `verify` searched: `mode` (auto, default or all), `explored` and
    `total` workloads, `complete_up_to_actions` (auto: every workload of at most that many
    actions was searched), `budget` and whether it `cut` the sweep short."""
    scope: dict[str, Any] = {"mode": args.workloads, "explored": len(res.workloads)}
    scope.update(total=total, complete_up_to_actions=None, budget=None, cut=False)
    if res.sweep is not None:
        explored, _, up_to, cut = res.sweep
        scope.update(explored=explored, complete_up_to_actions=up_to, cut=cut)
        scope["budget"] = args.workload_budget
    return scope


def _sweep_covered(scope: dict[str, Any]) -> str:
    """What a sweep cut short did cover, in words."""
    up_to = scope["complete_up_to_actions"]
    if up_to is None:
        return "the default workload"
    return f"the default workload and every workload of at most {up_to} action(s)"


def _reduced(args: argparse.Namespace, res: Any) -> str:
    """How the schedule counts of a clean `verify` are to be read."""
    if args.no_reduction:
        return "; every schedule, no partial-order reduction"
    twins = ", identical threads started in one order" if res.symmetry else ""
    return f"; partial-order reduced: one schedule per order of dependent steps{twins}"


def _workload_rows(loaded: Any, workloads: list[tuple[list[int], int]]) -> list[dict[str, Any]]:
    actors = loaded.program.actor_table()
    return [
        {"workload": describe_workload(actors, choices), "choices": list(choices), "schedules": n}
        for choices, n in workloads
    ]


def _print_workloads(rows: list[dict[str, Any]]) -> None:
    if len(rows) < 2:
        return
    print(f"{len(rows)} workloads explored:")
    for row in rows[:SHOWN_WORKLOADS]:
        print(f"  {row['schedules']:>8} schedules  {row['workload']}")
    if len(rows) > SHOWN_WORKLOADS:
        print(f"  ... and {len(rows) - SHOWN_WORKLOADS} more (--json lists them all)")


def _interrupted(
    args: argparse.Namespace, label: str, base: dict[str, Any], signal_name: str, where: str
) -> int:
    """The partial summary of a search stopped by Ctrl-C or SIGTERM; exit 130 or 143."""
    base.update({"signal": signal_name, "complete": False})
    if args.json:
        return emit(args.command, "interrupted", EXIT_FOR_SIGNAL[signal_name], base)
    else:
        done = base.get("schedules", base.get("executions"))
        unit = "schedules" if "schedules" in base else "executions"
        print(
            f"{label}: interrupted ({signal_name}) after {done} {unit} {where}, "
            f"{base['seconds']:.2f}s: no finding so far"
        )
    return EXIT_FOR_SIGNAL[signal_name]


def _finish_finding(
    args: argparse.Namespace,
    loaded: Any,
    choices: list[int],
    base: dict[str, Any],
    origin: dict[str, Any],
) -> Any:
    """Minimizes a search's finding (unless --no-minimize), saves it with --save, prints the
    report (or the JSON object); returns the traced outcome shown."""
    from pyfuzz.cli_crash import save_finding, shrink_line
    from pyfuzz.findings import record_finding
    from pyfuzz.report import full_report

    raw = loaded.program.replay(choices, trace=False)
    _reject_model_error(raw)
    note = ""
    if args.save:
        rec = save_finding(loaded, choices, args.save, origin)
        note = f"{shrink_line(rec)}\nreproducer written to {args.save}"
        shown_choices = rec.crash.choices
    elif not args.no_minimize:
        rec = record_finding(loaded, choices, origin=origin)
        note = shrink_line(rec)
        shown_choices = rec.crash.choices
    else:
        shown_choices = choices
    replayed = loaded.program.replay(shown_choices, trace=True)
    proven = base.get("minimal_preemptions")
    base.update(_outcome_fields(replayed))
    base["minimized"] = {
        "steps": replayed.steps,
        "context_switches": replayed.context_switches,
        "preemptions": replayed.preemptions,
        "choices": len(shown_choices),
    }
    if proven is not None:
        base["preemptions"] = proven
    base["raw_choices"] = choices
    if args.save:
        base["saved"] = args.save
    if args.json:
        if args.command == "verify":
            base["trace"] = replayed.trace
        emit(args.command, "finding", EXIT_FINDING, base)
    else:
        sys.stdout.write(full_report(replayed))
        if note:
            print(f"\n{note}")
    return replayed


def _reproduce_line(args: argparse.Namespace) -> str:
    """The last line of a finding's output: the command that shows it again."""
    if args.save:
        return f"reproduce: pyfuzz replay {shlex.quote(args.save)}"
    again = shlex.join(["pyfuzz", *args.argv])
    return (
        "the search is deterministic: the same command finds it again (add --save FILE to "
        f"keep a crash.json for pyfuzz replay)\nreproduce: {again}"
    )


def _reject_model_error(outcome: Any) -> None:
    """A model error (a field that does not exist, arithmetic on a pointer...) means the model
    is broken, not the driver: it is unusable input, reported in one line with file:line."""
    ModelRuntimeError.check(outcome)


def _model_error_in_search(
    args: argparse.Namespace, base: dict[str, Any], outcome: Any, where: str
) -> int:
    """A model error struck in the middle of a search: say where (and the run's choices, so
    it can be replayed) and what was explored before it; exit 2."""
    fault = outcome.model_error
    message = f"{fault['file']}:{fault['line']}: {fault['message']}"
    choices = list(outcome.choices)
    if args.json:
        fields = {
            **base,
            "error": f"model error: {message}",
            "model_error": {k: fault[k] for k in ("file", "line", "message")},
            "where": where,
            "choices": choices,
        }
        return emit(args.command, "error", EXIT_USAGE, fields)
    print(
        f"pyfuzz: error: model error at {message}\n  in {where}; the run's choices: {choices}",
        file=sys.stderr,
    )
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyfuzz",
        description="Fuzz Linux driver-model interleavings.",
        epilog=cli_args.EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"pyfuzz {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="built-in scenarios, their variants and expectations")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("verify", help="exhaustive search within a preemption bound")
    p.add_argument("scenario", help="NAME[:VARIANT] or path/to/model.py[:name[:variant]]")
    p.add_argument(
        "--preemptions",
        type=cli_args.preemptions,
        default=2,
        help="preemption bound, or 'all' to explore every interleaving",
    )
    p.add_argument(
        "--max-schedules",
        type=cli_args.count,
        default=10_000_000,
        help="stop (exit 4) after this many schedules",
    )
    p.add_argument(
        "--workloads",
        choices=("auto", "default", "all"),
        default="auto",
        help="auto (default): the default workload, then every other workload smallest "
        "first (fewest actions), each searched on its own, until --workload-budget "
        "schedules are spent; default: the default workload only; all: every workload "
        "(optional actors, action counts, actions) in one search",
    )
    p.add_argument(
        "--workload-budget",
        type=cli_args.count,
        default=DEFAULT_WORKLOAD_BUDGET,
        help="with --workloads auto: schedules for the workloads after the default one, "
        f"which is searched whole (default {DEFAULT_WORKLOAD_BUDGET:,}); a sweep it stops "
        "is incomplete (exit 4)",
    )
    p.add_argument(
        "--jobs",
        type=cli_args.jobs,
        default=1,
        help="search the workloads on this many threads (0: one per core); the same result "
        "as one; with --workloads all, each workload is then searched on its own",
    )
    p.add_argument(
        "--no-reduction",
        action="store_true",
        help="explore every schedule within the bound, not only one per order of dependent "
        "steps (slower; the same findings, for checking the partial-order reduction)",
    )
    p.add_argument(
        "--no-symmetry",
        action="store_true",
        help="explore every order in which identical threads (copies of one actor) start, not "
        "only one (slower; the same findings, for checking the symmetry reduction)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_finding_options(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("run", help="run executions under a randomized strategy")
    p.add_argument("scenario", help="NAME[:VARIANT] or path/to/model.py[:name[:variant]]")
    p.add_argument("--strategy", choices=STRATEGIES, default="pct", help="scheduling strategy")
    p.add_argument(
        "--executions", type=cli_args.count, default=100_000, help="executions to run at most"
    )
    p.add_argument("--seed", type=cli_args.seed, default=0, help="the strategy's random seed")
    p.add_argument("--depth", type=cli_args.depth, default=3, help="PCT bug depth d")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_finding_options(p)
    p.set_defaults(func=cmd_run)

    from pyfuzz.cli_crash import add_commands
    from pyfuzz.cli_fuzz import add_command

    add_commands(sub)
    add_command(sub)
    cli_args.polish(sub)
    return parser


def _add_finding_options(p: argparse.ArgumentParser) -> None:
    cli_args.add_fault_option(p)
    p.add_argument(
        "--save", metavar="FILE", help="write the minimized finding as a crash.json to FILE"
    )
    p.add_argument(
        "--no-minimize",
        action="store_true",
        help="show the finding as found, without minimizing it first",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pyfuzz` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in argv:  # everything after `--` is for libFuzzer (pyfuzz fuzz)
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    args.argv = argv
    if passthrough:
        if args.command != "fuzz":
            print(f"pyfuzz: error: '--' is only for pyfuzz fuzz: {passthrough}", file=sys.stderr)
            return EXIT_USAGE
        args.libfuzzer_args = passthrough
    try:
        code: int = args.func(args)
        return code
    except UsageError as exc:
        if getattr(args, "json", False):
            emit_error(args.command, EXIT_USAGE, str(exc))
        print(f"pyfuzz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EngineError as exc:
        if getattr(args, "json", False):
            emit_error(args.command, EXIT_INTERNAL, str(exc))
        print(
            f"pyfuzz: internal error: {exc}\n"
            "this is a bug in pyfuzz; please report it with the command line that shows it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("pyfuzz: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print("pyfuzz: terminated", file=sys.stderr)
        return EXIT_SIGTERM
    except PanicException as exc:
        if getattr(args, "json", False):
            emit_error(args.command, EXIT_INTERNAL, f"the core panicked: {exc}")
        print(
            f"pyfuzz: internal error: the core panicked: {exc}\n"
            "this is a bug in pyfuzz; please report it with the command line that shows it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    except BrokenPipeError:
        # The reader went away (`pyfuzz replay f.json | head`): end quietly, as `cat` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def entry() -> None:
    """Console-script wrapper that turns `main`'s result into the exit status."""
    sys.exit(main())
