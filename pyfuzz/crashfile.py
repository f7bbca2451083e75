"""`crash.json` version 1: the durable form of a finding (docs/crash-format.md).

`Crash` is the in-memory record; `build_crash` makes one from a traced Outcome, `save_crash`
writes it atomically with sorted keys, and `load_crash` reads one back, checking every field so
that a truncated, edited or foreign file is one `TraceFormatError` naming the file (and the line,
for JSON syntax errors) instead of a traceback later. Resolving the scenario and comparing the
model hash is the replayer's job (`pyfuzz.replay`): this module only reads and writes files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pyfuzz import __version__
from pyfuzz._core import ORACLES, Outcome
from pyfuzz.errors import OutputError, TraceFormatError

FORMAT = "pyfuzz-crash"
VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "crash-v1.schema.json"
MAX_CHOICE = 2**32 - 1

_STEP_FIELDS: dict[str, type | tuple[type, ...]] = {
    "step": int,
    "tid": int,
    "thread": str,
    "function": str,
    "file": str,
    "line": int,
    "op": str,
    "object": str,
    "blocked": bool,
    "switch": bool,
    "preemption": bool,
    "locks": list,
    "choice": (int, type(None)),
}


@dataclass
class Crash:
    """One finding as stored in a crash.json (the field meanings are in docs/crash-format.md)."""

    scenario: str
    variant: str
    builtin: bool
    source: str
    model_hash: str
    choices: list[int]
    finding: dict[str, Any]
    stats: dict[str, Any]
    workload: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    report: str = ""
    expect: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Any] = field(default_factory=dict)
    pyfuzz_version: str = __version__
    # Fault injection: {"injection": [classes], "failed": {...} or None}; None when it was off
    # (the file then has no "fault" key).
    fault: dict[str, Any] | None = None

    @property
    def fault_classes(self) -> list[str] | None:
        """The fault injection classes the run was compiled with, or None (off)."""
        return list(self.fault["injection"]) if self.fault else None

    @property
    def title(self) -> str:
        return str(self.finding["title"])

    @property
    def label(self) -> str:
        return f"{self.scenario}:{self.variant}" if self.variant else self.scenario

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "pyfuzz_version": self.pyfuzz_version,
            "scenario": {
                "name": self.scenario,
                "variant": self.variant,
                "builtin": self.builtin,
                "source": self.source,
                "model_hash": self.model_hash,
            },
            "workload": self.workload,
            "choices": self.choices,
            "finding": self.finding,
            "stats": self.stats,
            "steps": self.steps,
            "report": self.report,
            "expect": self.expect,
            "origin": self.origin,
        }
        if self.fault is not None:
            doc["fault"] = self.fault
        return doc

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


def decode_workload(actors: list[dict[str, Any]], records: list[dict[str, Any]]) -> list[dict]:
    """The per-actor view of a traced outcome's workload choices (`Outcome.workload`)."""
    view: list[dict[str, Any]] = [
        {"actor": a["name"], "enabled": True, "actions": []} for a in actors
    ]
    counts = {i: a["min"] for i, a in enumerate(actors)}
    chosen: dict[int, list[str]] = {i: [] for i in range(len(actors))}
    for r in records:
        if r["kind"] == "fail_nth":
            continue  # fault injection's choice (see `Crash.fault`), not an actor's
        actor = actors[r["actor"]]
        if r["kind"] == "enabled":
            view[r["actor"]]["enabled"] = r["value"] == 1
        elif r["kind"] == "count":
            counts[r["actor"]] = actor["min"] + r["value"]
        else:
            chosen[r["actor"]].append(actor["actions"][r["value"]])
    for i, a in enumerate(actors):
        if not view[i]["enabled"]:
            view[i]["actions"] = []
        elif len(a["actions"]) > 1:
            view[i]["actions"] = chosen[i]
        else:
            view[i]["actions"] = [a["actions"][0]] * counts[i]
    return view


def build_crash(
    *,
    outcome: Outcome,
    actors: list[dict[str, Any]],
    scenario: str,
    variant: str,
    builtin: bool,
    source: str,
    model_hash: str,
    minimal_preemptions: int | None,
    clean_variants: list[str],
    origin: dict[str, Any],
    choices: list[int] | None = None,
    fault_classes: Sequence[str] = (),
) -> Crash:
    """A Crash from a traced outcome with a finding (`Program.replay(..., trace=True)`);
    `choices` is the reproducer to store (default: every decision the outcome made)."""
    f = outcome.finding
    trace = outcome.trace
    if f is None or trace is None or outcome.workload is None:
        raise ValueError("build_crash needs a traced outcome with a finding")
    # The canonical reproducer may leave out trailing default decisions (see pyfuzz.minimize).
    choices = list(outcome.choices) if choices is None else list(choices)
    return Crash(
        scenario=scenario,
        variant=variant,
        builtin=builtin,
        source=source,
        model_hash=model_hash,
        choices=choices,
        finding={
            "kind": f.kind,
            "title": f.title,
            "signature": f.signature,
            "thread": f.thread,
            "tid": f.tid,
            "step": outcome.fatal_step,
        },
        stats={
            "steps": outcome.steps,
            "context_switches": outcome.context_switches,
            "preemptions": outcome.preemptions,
            "minimal_preemptions": minimal_preemptions,
            "choices": len(choices),
        },
        workload=decode_workload(actors, outcome.workload),
        steps=trace,
        report=f.report,
        expect={"title": f.title, "clean_variants": sorted(clean_variants)},
        origin=origin,
        fault=fault_record(fault_classes, outcome.fault) if fault_classes else None,
    )


# The fields of `Outcome.fault` a crash.json keeps (the report block is in `report`).
_FAILED_FIELDS = ("nth", "attr", "call", "function", "file", "line", "step")


def fault_record(classes: Sequence[str], failed: dict[str, Any] | None) -> dict[str, Any]:
    """The crash.json `fault` object: the classes compiled in and the call that failed."""
    kept = {k: failed[k] for k in _FAILED_FIELDS} if failed is not None else None
    return {"injection": list(classes), "failed": kept}


def save_crash(crash: Crash, path: str | Path, tmp_dir: Path | None = None) -> Path:
    """Writes `crash` to `path` atomically (temporary file, fsync, rename); returns the path."""
    return atomic_write(Path(path), crash.to_json() + b"\n", tmp_dir)


def atomic_write(path: Path, data: bytes, tmp_dir: Path | None = None) -> Path:
    """Replaces `path` with `data` so that readers see the old file or the new one, whole
    (the temporary file is made in `tmp_dir`, default the file's own directory).

    Raises:
        OutputError: the file cannot be written (a directory, no permission, no space).
    """
    try:
        return _atomic_write(path, data, tmp_dir or path.parent)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{path}: cannot write: {reason}") from None


def _atomic_write(path: Path, data: bytes, tmp_dir: Path) -> Path:
    if path.is_dir():
        raise IsADirectoryError(21, "it is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    # `tmp_dir` must be on the same file system; a campaign keeps it out of `crashes/` so
    # that a killed write never leaves a partial file where the user looks.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


def load_crash(path: str | Path) -> Crash:
    """Reads and checks a crash.json.

    Raises:
        TraceFormatError: the file cannot be read, is not JSON, is not a pyfuzz crash file of
            a supported version, or a field is missing or has the wrong type.
    """
    where = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TraceFormatError(f"{where}: cannot read: {exc.strerror}") from None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data[: exc.pos].count(b"\n") + 1 if exc.pos is not None else None
        at = f"{where}:{line}" if line else where
        raise TraceFormatError(
            f"{at}: not a crash.json (invalid JSON: {exc.msg}); was it truncated?"
        ) from None
    return crash_from_dict(doc, where)


def crash_from_dict(doc: object, where: str = "crash.json") -> Crash:
    """Checks a decoded crash.json document; see `load_crash`."""
    check = _Checker(where)
    if not isinstance(doc, dict):
        check.fail("not a crash.json (the top level is not a JSON object)")
    fmt = doc.get("format")
    if fmt != FORMAT:
        check.fail(f"not a pyfuzz crash file (format is {fmt!r}, expected {FORMAT!r})")
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        check.fail(
            f"crash format version {version!r} is not supported by pyfuzz {__version__} "
            f"(it reads version {VERSION})"
        )
    sc = check.typed(doc, "scenario", dict)
    choices = check.typed(doc, "choices", list)
    if not all(type(c) is int and 0 <= c <= MAX_CHOICE for c in choices):
        check.fail("field 'choices' must be a list of integers from 0 to 2^32-1")
    finding = check.typed(doc, "finding", dict)
    for key in ("kind", "title", "signature", "thread"):
        check.typed(finding, key, str, f"finding.{key}")
    if finding["kind"] not in ORACLES:
        check.fail(f"field 'finding.kind' is {finding['kind']!r}, not a pyfuzz oracle")
    check.typed(finding, "tid", int, "finding.tid")
    fatal = check.typed(finding, "step", (int, type(None)), "finding.step")
    stats = check.typed(doc, "stats", dict)
    for key in ("steps", "context_switches", "preemptions"):
        check.typed(stats, key, int, f"stats.{key}")
    steps = check.typed(doc, "steps", list)
    for i, st in enumerate(steps):
        if not isinstance(st, dict):
            check.fail(f"steps[{i}] is not an object")
        for key, typ in _STEP_FIELDS.items():
            check.typed(st, key, typ, f"steps[{i}].{key}")
    if fatal is not None and not 1 <= fatal <= len(steps):
        check.fail(f"field 'finding.step' is {fatal}, not a step of the {len(steps)} in 'steps'")
    expect = check.typed(doc, "expect", dict)
    check.typed(expect, "title", str, "expect.title")
    clean = check.typed(expect, "clean_variants", list, "expect.clean_variants")
    if not all(isinstance(v, str) for v in clean):
        check.fail("field 'expect.clean_variants' must be a list of variant names")
    workload = check.typed(doc, "workload", list)
    fault = doc.get("fault")
    if fault is not None:
        if not isinstance(fault, dict):
            check.fail("field 'fault' has the wrong type")
        injection = check.typed(fault, "injection", list, "fault.injection")
        if not injection or not all(isinstance(c, str) for c in injection):
            check.fail("field 'fault.injection' must be a non-empty list of class names")
        check.typed(fault, "failed", (dict, type(None)), "fault.failed")
    return Crash(
        scenario=check.typed(sc, "name", str, "scenario.name"),
        variant=check.typed(sc, "variant", str, "scenario.variant"),
        builtin=check.typed(sc, "builtin", bool, "scenario.builtin"),
        source=check.typed(sc, "source", str, "scenario.source"),
        model_hash=check.typed(sc, "model_hash", str, "scenario.model_hash"),
        choices=choices,
        finding=finding,
        stats=stats,
        workload=workload,
        steps=steps,
        report=check.typed(doc, "report", str),
        expect=expect,
        origin=doc.get("origin") if isinstance(doc.get("origin"), dict) else {},
        pyfuzz_version=str(doc.get("pyfuzz_version", "?")),
        fault=fault,
    )


class _Checker:
    """Field checks that all fail with one message naming the file."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, message: str) -> None:
        raise TraceFormatError(f"{self.where}: {message}")

    def typed(
        self, obj: dict, key: str, typ: type | tuple[type, ...], name: str | None = None
    ) -> Any:  # noqa: ANN401
        name = name or key
        if key not in obj:
            self.fail(f"field '{name}' is missing")
        value = obj[key]
        # bool is an int in Python; an int field must not accept true/false.
        ok = isinstance(value, typ) and not (
            isinstance(value, bool) and typ in (int, (int, type(None)))
        )
        if not ok:
            self.fail(f"field '{name}' has the wrong type ({type(value).__name__})")
        return value
