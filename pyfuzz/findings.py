"""From a raw finding to a `crash.json`: confirm, minimize, record.

`record_finding` is the one pipeline that `run --save`, `verify --save`, `minimize` and
campaigns share: it replays the raw choices exactly (a finding that does not reproduce is a
determinism bug in pyfuzz, raised as `EngineError`), minimizes them for the same title, replays
the result with the trace on, and builds the `Crash`. `crash_file_name` gives the file name a
campaign uses for a title, so one title maps to one file.
"""

from __future__ import annotations

import os.path
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyfuzz.crashfile import Crash, build_crash
from pyfuzz.engine import LoadedScenario
from pyfuzz.errors import EngineError
from pyfuzz.minimize import Minimizer, MinimizeResult


@dataclass(frozen=True)
class RecordedFinding:
    """A confirmed, minimized finding and the minimizer's figures."""

    crash: Crash
    minimized: MinimizeResult | None


def scenario_source(loaded: LoadedScenario, crash_dir: Path | None) -> str:
    """How a crash.json names its scenario (see `source_for`)."""
    res = loaded.resolved
    return source_for(res.builtin, res.source, res.scenario.name, crash_dir)


def source_for(builtin: bool, source: str, scenario: str, crash_dir: Path | None) -> str:
    """The built-in name, or `model.py:name` with the path relative to the crash file's
    directory (absolute when no directory is given)."""
    if builtin:
        return scenario
    model_path = Path(source.split(":", 1)[0]).resolve()
    if crash_dir is not None:
        rel = Path(os.path.relpath(model_path, crash_dir.resolve()))
        return f"{rel.as_posix()}:{scenario}"
    return f"{model_path.as_posix()}:{scenario}"


def clean_variants(loaded: LoadedScenario) -> list[str]:
    """The scenario's variants expected clean (the corpus asserts they stay clean)."""
    sc = loaded.resolved.scenario
    return sorted(v for v, e in sc.expect.items() if e.strip().lower() == "clean")


def record_finding(
    loaded: LoadedScenario,
    choices: list[int],
    *,
    origin: dict[str, Any],
    crash_dir: Path | None = None,
    minimize: bool = True,
    search_budget: int = 200_000,
) -> RecordedFinding:
    """Confirms `choices` by exact replay, minimizes them and builds the Crash.

    Raises:
        EngineError: the choices do not reproduce a finding when replayed (a pyfuzz bug).
    """
    program = loaded.program
    raw = program.replay(list(choices), trace=False, strict=True)
    if raw.finding is None or raw.status != "finding":
        raise EngineError(
            f"a finding on {loaded.label} did not reproduce when its choices were replayed "
            f"(status {raw.status}): a determinism bug in pyfuzz; choices: {list(choices)}"
        )
    title = raw.finding.title
    result: MinimizeResult | None = None
    if minimize:
        result = Minimizer(program, title, search_budget=search_budget).minimize(list(choices))
        final, minimal, kept = result.outcome, result.minimal_preemptions, result.choices
    else:
        final, minimal = program.replay(list(choices), trace=True, strict=True), None
        kept = list(final.choices)
    crash = build_crash(
        outcome=final,
        actors=program.actor_table(),
        scenario=loaded.resolved.scenario.name,
        variant=loaded.resolved.variant,
        builtin=loaded.resolved.builtin,
        source=scenario_source(loaded, crash_dir),
        model_hash=loaded.compiled.model_hash,
        minimal_preemptions=minimal,
        clean_variants=[v for v in clean_variants(loaded) if v != loaded.resolved.variant],
        origin=origin,
        choices=kept,
        fault_classes=loaded.compiled.fault_classes,
    )
    return RecordedFinding(crash, result)


def crash_file_name(title: str) -> str:
    """A file name for a title: lower case, words joined by '-', at most 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80].rstrip("-")
    return f"{slug or 'finding'}.json"
