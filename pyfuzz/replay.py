"""Replaying a `crash.json`: find its scenario, check its model, re-run its choices.

`open_crash` loads and checks the file and resolves the scenario it names (a built-in name, or
a model file relative to the crash file); `replay_crash` re-executes the choices, exactly when
the model is the one the trace was written against, leniently (choices that no longer apply
fall back to the default) when asked or when replaying against another variant. The verdict is
`reproduced` when the same title shows, `other` for a different finding and `clean` for none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyfuzz._core import Outcome
from pyfuzz.crashfile import Crash, load_crash
from pyfuzz.engine import ModelHandle, open_model
from pyfuzz.errors import ModelRuntimeError, ScenarioError, TraceFormatError


@dataclass(frozen=True)
class Replayed:
    """The result of replaying a crash file."""

    crash: Crash
    model: ModelHandle
    outcome: Outcome
    # "reproduced" (same title), "other" (another finding) or "clean" (no finding).
    verdict: str
    model_changed: bool
    lenient: bool

    @property
    def variant(self) -> str:
        return self.model.facts.variant


def scenario_spec(crash: Crash, crash_path: Path, variant: str | None = None) -> str:
    """The SCENARIO spec that `pyfuzz.engine.load` understands for this crash file (model
    files by absolute path, so the spec also keys the compiled-model cache)."""
    chosen = crash.variant if variant is None else variant
    if crash.builtin:
        return f"{crash.source}:{chosen}" if chosen else crash.source
    model, _, name = crash.source.rpartition(":")
    if not model.endswith(".py"):
        model, name = crash.source, ""
    path = Path(model)
    if not path.is_absolute():
        path = crash_path.resolve().parent / path
    if not path.is_file():
        raise TraceFormatError(
            f"{crash_path}: the model file it was written against is not there: {path}"
        )
    spec = f"{path}:{name or crash.scenario}"
    return f"{spec}:{chosen}" if chosen else spec


def replay_crash(
    path: str | Path, *, variant: str | None = None, lenient: bool = False
) -> Replayed:
    """Loads, checks and replays the crash file at `path` (with the trace on).

    Raises:
        TraceFormatError: the file is damaged, or its model changed and `lenient` is off, or
            its choices do not apply to the model.
        ScenarioError, ModelError: the scenario it names cannot be loaded.
    """
    path = Path(path)
    crash = load_crash(path)
    try:
        model = open_model(scenario_spec(crash, path, variant), faults=crash.fault_classes)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    if model.facts.scenario != crash.scenario:
        raise TraceFormatError(
            f"{path}: it names scenario '{crash.scenario}', but its source "
            f"'{crash.source}' declares '{model.facts.scenario}'"
        )
    other_variant = variant is not None and variant != crash.variant
    model_changed = False
    if not other_variant:
        model_changed = model.facts.model_hash != crash.model_hash
        if model_changed and not lenient:
            raise TraceFormatError(
                f"{path}: the model of {crash.label} changed since this trace was written "
                f"(model hash {crash.model_hash[:12]}, now {model.facts.model_hash[:12]}); "
                "replay it with --lenient to try anyway"
            )
    lenient_run = lenient or other_variant or model_changed
    outcome = model.program.replay(list(crash.choices), trace=True, strict=not lenient_run)
    if outcome.status == "invalid":
        raise TraceFormatError(
            f"{path}: its choices do not apply to {crash.label} (the trace was edited or "
            "belongs to another model); replay it with --lenient to try anyway"
        )
    ModelRuntimeError.check(outcome, f"while replaying {path}")
    f = outcome.finding
    if f is None:
        verdict = "clean"
    elif f.title == crash.title:
        verdict = "reproduced"
    else:
        verdict = "other"
    return Replayed(crash, model, outcome, verdict, model_changed, lenient_run)
