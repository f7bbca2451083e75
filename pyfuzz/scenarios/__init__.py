"""The scenario registry: built-in scenarios and user model files behind one name syntax.

Built-in scenarios are the module-level `Scenario` objects of the model files in this package
(`pyfuzz/scenarios/*.py`, files starting with `_` excluded), registered under their `name`.
`resolve` accepts the command line's SCENARIO syntax: a built-in `name[:variant]`, or a model
file `path/to/model.py[:name[:variant]]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyfuzz.errors import ScenarioError
from pyfuzz.model.compiler import resolve_variant
from pyfuzz.model.dsl import Scenario
from pyfuzz.model.loader import find_scenario, load_model_file

_PACKAGE_DIR = Path(__file__).resolve().parent

__all__ = ["ResolvedScenario", "builtin_scenarios", "resolve"]


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario and the variant chosen for it, with where it came from."""

    scenario: Scenario
    variant: str
    builtin: bool
    source: str

    @property
    def label(self) -> str:
        """`name:variant` (or just `name` for a scenario without variants)."""
        name = self.scenario.name
        return f"{name}:{self.variant}" if self.variant else name


def builtin_scenarios() -> dict[str, tuple[Scenario, str]]:
    """Every built-in scenario by name, with the model file that declares it, sorted by name.

    Raises:
        ScenarioError: two built-in scenarios share a name.
    """
    found: dict[str, tuple[Scenario, str]] = {}
    for path in sorted(_PACKAGE_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        for sc in load_model_file(str(path)):
            if sc.name in found:
                raise ScenarioError(
                    f"built-in scenario name '{sc.name}' is declared twice "
                    f"({found[sc.name][1]} and {path.name})"
                )
            found[sc.name] = (sc, str(path))
    return dict(sorted(found.items()))


def _looks_like_path(spec: str) -> bool:
    head = spec.split(":", 1)[0]
    return head.endswith(".py") or "/" in head or "\\" in head


def resolve(spec: str) -> ResolvedScenario:
    """Resolves `name[:variant]` (built-in) or `path/to/model.py[:name[:variant]]`.

    Raises:
        ScenarioError: unknown scenario or variant (the message lists what exists).
        ModelError: the model file cannot be loaded.
    """
    if _looks_like_path(spec):
        sc, variant = find_scenario(spec)
        return ResolvedScenario(sc, resolve_variant(sc, variant or None), False, spec)
    name, _, variant = spec.partition(":")
    table = builtin_scenarios()
    if name not in table:
        known = ", ".join(table) or "none"
        raise ScenarioError(
            f"unknown scenario '{name}'; built-in scenarios: {known} "
            "(or give a model file: path/to/model.py[:name])"
        )
    sc, path = table[name]
    return ResolvedScenario(sc, resolve_variant(sc, variant or None), True, path)
