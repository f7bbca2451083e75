"""The Python face of the engine: compile a resolved scenario once and hand out `Program`s.

This is the one place that joins the model compiler to the Rust core, so the CLI, the tests
and the benchmarks build programs the same way. `load` compiles; `open_model` is the lighter
path replay takes: a `ModelHandle` from the compiled-model cache (`pyfuzz.model_cache`) when
its files are unchanged, else from `load` (and the cache is filled). The compiler is imported
only when something is compiled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyfuzz._core import Program
from pyfuzz.model_cache import ModelFacts

if TYPE_CHECKING:
    from pyfuzz.model.compiler import CompiledModel
    from pyfuzz.scenarios import ResolvedScenario


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario variant compiled to IR and loaded into the core."""

    resolved: ResolvedScenario
    compiled: CompiledModel
    program: Program

    @property
    def label(self) -> str:
        return self.resolved.label


def load(spec: str, faults: Sequence[str] | bool | None = None) -> LoadedScenario:
    """Resolves, compiles and loads `spec` (see `pyfuzz.scenarios.resolve`); `faults`
    overrides the scenario's fault injection setting (None keeps it; see `compile_scenario`).

    Raises:
        ScenarioError, ModelError, IrError: the scenario cannot be used.
    """
    from pyfuzz.model.compiler import compile_scenario
    from pyfuzz.scenarios import resolve

    resolved = resolve(spec)
    compiled = compile_scenario(resolved.scenario, resolved.variant, faults)
    return LoadedScenario(resolved, compiled, Program(compiled.ir_bytes))


@dataclass(frozen=True)
class ModelHandle:
    """A loaded scenario variant as replay sees it: the program and where it came from."""

    program: Program
    facts: ModelFacts
    from_cache: bool = False


def open_model(
    spec: str, *, use_cache: bool = True, faults: Sequence[str] | None = None
) -> ModelHandle:
    """Like `load`, but through the compiled-model cache (`spec` with absolute model paths).
    With `faults` (fault injection classes) the model is compiled with them, and the cache,
    which holds models as their scenarios declare them, is not used.

    Raises:
        ScenarioError, ModelError, IrError: the scenario cannot be used.
    """
    from pyfuzz import model_cache

    if faults:
        use_cache = False
    cached = model_cache.lookup(spec) if use_cache else None
    if cached is not None:
        ir_bytes, facts = cached
        return ModelHandle(Program(ir_bytes), facts, from_cache=True)
    loaded = load(spec, faults)
    res = loaded.resolved
    facts = ModelFacts(
        model_hash=loaded.compiled.model_hash,
        scenario=res.scenario.name,
        variant=res.variant,
        label=loaded.label,
        builtin=res.builtin,
        source=res.source,
    )
    if use_cache:
        model_cache.store(spec, loaded.compiled.ir_bytes, facts)
    return ModelHandle(loaded.program, facts)
