"""The Python face of the engine: compile a resolved scenario once and hand out `Program`s.

This is the one place that joins the model compiler to the Rust core, so the CLI, the tests
and the benchmarks build programs the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyfuzz._core import Program
from pyfuzz.model.compiler import CompiledModel, compile_scenario
from pyfuzz.scenarios import ResolvedScenario, resolve


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario variant compiled to IR and loaded into the core."""

    resolved: ResolvedScenario
    compiled: CompiledModel
    program: Program

    @property
    def label(self) -> str:
        return self.resolved.label


def load(spec: str) -> LoadedScenario:
    """Resolves, compiles and loads `spec` (see `pyfuzz.scenarios.resolve`).

    Raises:
        ScenarioError, ModelError, IrError: the scenario cannot be used.
    """
    resolved = resolve(spec)
    compiled = compile_scenario(resolved.scenario, resolved.variant)
    return LoadedScenario(resolved, compiled, Program(compiled.ir_bytes))
