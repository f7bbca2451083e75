"""The crash-file commands: `replay`, `minimize`, `corpus check`, and `--save` for searches.

Wiring only: reading and checking files is `pyfuzz.crashfile`, replaying `pyfuzz.replay`,
minimizing `pyfuzz.findings`/`pyfuzz.minimize`, the corpus `pyfuzz.corpus`, rendering
`pyfuzz.report` and `pyfuzz.report_html`. Exit codes follow the CLI's: 1 when the finding
reproduces (or any finding shows), 0 when the run is clean, 2 for unusable input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pyfuzz.cli_args import count
from pyfuzz.cli_json import emit
from pyfuzz.crashfile import atomic_write, save_crash
from pyfuzz.engine import LoadedScenario
from pyfuzz.exitcodes import EXIT_CLEAN, EXIT_FINDING, EXIT_USAGE
from pyfuzz.findings import RecordedFinding, record_finding


def save_finding(
    loaded: LoadedScenario, choices: list[int], path: str, origin: dict[str, Any]
) -> RecordedFinding:
    """Confirms, minimizes and writes a finding to `path` (for `run`/`verify --save`)."""
    target = Path(path)
    rec = record_finding(loaded, choices, origin=origin, crash_dir=target.resolve().parent)
    save_crash(rec.crash, target)
    return rec


def shrink_line(rec: RecordedFinding) -> str:
    """`before -> after` of a minimization, for people."""
    m = rec.minimized
    if m is None:
        return ""
    return f"minimized: {m.before.summary()} -> {m.after.summary()}"


def cmd_replay(args: argparse.Namespace) -> int:
    from pyfuzz.replay import replay_crash
    from pyfuzz.report import full_report

    res = replay_crash(args.crash, variant=args.variant, lenient=args.lenient)
    crash, out = res.crash, res.outcome
    label = res.model.facts.label
    if res.model_changed:
        print(
            f"pyfuzz: note: the model of {crash.label} changed since this trace was written; "
            "replaying leniently",
            file=sys.stderr,
        )
    if args.html:
        from pyfuzz.crashfile import build_crash
        from pyfuzz.findings import source_for
        from pyfuzz.report_html import render_html

        page_crash = crash
        if out.finding is not None:
            page_crash = build_crash(
                outcome=out,
                actors=res.model.program.actor_table(),
                scenario=crash.scenario,
                variant=res.variant,
                builtin=crash.builtin,
                source=source_for(
                    crash.builtin,
                    res.model.facts.source,
                    crash.scenario,
                    Path(args.html).resolve().parent,
                ),
                model_hash=res.model.facts.model_hash,
                minimal_preemptions=crash.stats.get("minimal_preemptions"),
                clean_variants=crash.expect["clean_variants"],
                origin=crash.origin,
            )
        page = render_html(page_crash.to_dict(), source_name=args.crash)
        atomic_write(Path(args.html), page.encode())
    code = EXIT_CLEAN if res.verdict == "clean" else EXIT_FINDING
    if args.json:
        f = out.finding
        return emit(
            "replay",
            "finding" if f is not None else "ok",
            code,
            {
                "file": args.crash,
                "scenario": crash.scenario,
                "variant": res.variant,
                "verdict": res.verdict,
                "expected_title": crash.title,
                "title": f.title if f else None,
                "kind": f.kind if f else None,
                "signature": f.signature if f else None,
                "steps": out.steps,
                "context_switches": out.context_switches,
                "preemptions": out.preemptions,
                "lenient": res.lenient,
                "model_changed": res.model_changed,
                "trace": out.trace,
            },
        )
    else:
        sys.stdout.write(full_report(out))
        print()
        if res.verdict == "reproduced":
            print(f"{label}: reproduced: {crash.title}")
        elif res.verdict == "other":
            assert out.finding is not None
            print(f"{label}: a different finding: {out.finding.title} (expected {crash.title})")
        else:
            print(f"{label}: no finding: '{crash.title}' does not reproduce on this variant")
        if args.html:
            print(f"HTML timeline written to {args.html}")
    return code


def cmd_minimize(args: argparse.Namespace) -> int:
    from pyfuzz.engine import load
    from pyfuzz.replay import replay_crash, scenario_spec

    res = replay_crash(args.crash, lenient=args.lenient)
    if res.verdict != "reproduced":
        from pyfuzz.errors import TraceFormatError

        raise TraceFormatError(
            f"{args.crash}: does not reproduce '{res.crash.title}' on {res.model.facts.label}; "
            "nothing to minimize"
        )
    target = Path(args.output)
    loaded = load(scenario_spec(res.crash, Path(args.crash)), res.crash.fault_classes)
    rec = record_finding(
        loaded,
        list(res.outcome.choices),
        origin={**res.crash.origin, "minimized_from": str(args.crash)},
        crash_dir=target.resolve().parent,
        search_budget=args.budget,
    )
    rec.crash.expect = dict(res.crash.expect) or rec.crash.expect
    save_crash(rec.crash, target)
    assert rec.minimized is not None
    m = rec.minimized
    print(f"{res.model.facts.label}: {res.crash.title}")
    print(f"  before: {m.before.summary()}")
    print(f"  after:  {m.after.summary()}")
    minimal = m.minimal_preemptions
    print(
        "  preemptions: "
        + (f"{minimal} (minimal for this workload)" if minimal is not None else "not proven")
    )
    print(f"written to {target} ({m.replays} replays, {m.schedules} searched schedules)")
    return EXIT_FINDING


def cmd_corpus_check(args: argparse.Namespace) -> int:
    from pyfuzz.corpus import check_crash, find_crashes
    from pyfuzz.errors import UsageError

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"{root}: no such corpus directory")
    files = find_crashes(root)
    if not files:
        raise UsageError(f"{root}: no crash files (*.json) in this directory")
    results = [check_crash(p) for p in files]
    width = max(len(str(r.path.relative_to(root))) for r in results)
    print(f"{'file':<{width}}  {'result':<7} {'ms':>6}  expectation")
    for r in results:
        status = "ok" if r.ok else ("ERROR" if r.error else "FAIL")
        clean = f"; clean: {', '.join(r.variants_checked)}" if r.variants_checked else ""
        what = r.error or (f"{r.label}: {r.expected}{clean}")
        name = str(r.path.relative_to(root))
        print(f"{name:<{width}}  {status:<7} {r.seconds * 1000:>6.0f}  {what}")
        for failure in r.failures:
            print(f"{'':<{width}}  {'':<7} {'':>6}  - {failure}")
    bad = sum(not r.ok for r in results)
    total = sum(r.seconds for r in results)
    print(f"\n{len(results) - bad} passed, {bad} failed ({total:.2f}s)")
    if any(r.error for r in results):
        return EXIT_USAGE
    return EXIT_FINDING if bad else EXIT_CLEAN


def add_commands(sub: Any) -> None:  # noqa: ANN401 (argparse's private subparsers type)
    """Registers replay, minimize and corpus on the CLI's subparsers."""
    p = sub.add_parser("replay", help="re-run a crash.json and show the report and swimlane")
    p.add_argument("crash", help="a crash.json file")
    p.add_argument("--variant", help="replay the same choices against another variant")
    p.add_argument("--lenient", action="store_true", help="replay even if the model changed since")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML timeline")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("minimize", help="shrink a crash.json to a minimal reproducer")
    p.add_argument("crash", help="a crash.json file")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write")
    p.add_argument("--lenient", action="store_true", help="accept a changed model")
    p.add_argument("--budget", type=count, default=200_000, help="schedules per bounded search")
    p.set_defaults(func=cmd_minimize)

    p = sub.add_parser("corpus", help="regression corpus commands")
    corpus = p.add_subparsers(dest="corpus_command", required=True)
    c = corpus.add_parser("check", help="replay every crash.json under DIR against its expectation")
    c.add_argument("directory", help="a corpus directory (searched recursively for *.json)")
    c.set_defaults(func=cmd_corpus_check)


__all__ = ["add_commands", "save_finding", "shrink_line"]
