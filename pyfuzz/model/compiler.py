"""The model compiler: a `Scenario` (and one of its variants) to the IR of docs/ir.md.

`compile_scenario` is the single entry point. It checks the scenario declaration and every
variant (`_declarations`), resolves the variant, numbers the entry points (action functions in
actor order, then boot functions, after which the Globals' static initializers (`_inits`) are
numbered and put first at boot), translates the actors and config, compiles every reachable
function (`_funcs`) and struct (`_types`) into the id tables of a `_unit.CompileUnit`, runs the
whole-model checks (`_checks`), and serialises the result with sorted keys so the same model
always gives the same bytes. `model_hash` (`fingerprint`) identifies what the IR does, for
replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import orjson

from pyfuzz.errors import ModelError, ScenarioError
from pyfuzz.model._checks import check_element_stores, check_embedded_stores, check_embedding
from pyfuzz.model._declarations import (
    CONFIG_KEYS,
    MAX_ACTIONS,
    MAX_ACTORS,
    check_actor,
    check_scenario,
    extension_map,
    scenario_config,
    substitution,
)
from pyfuzz.model._faults import fault_classes, fault_table
from pyfuzz.model._inits import global_initializers
from pyfuzz.model._source import SourceCache
from pyfuzz.model._types import is_struct_class
from pyfuzz.model._unit import CompileUnit
from pyfuzz.model._where import declaration_error, describe
from pyfuzz.model.dsl import Action, Actor, Global, Scenario
from pyfuzz.model.fingerprint import model_fingerprint

IR_VERSION = 1

__all__ = [
    "CONFIG_KEYS",
    "MAX_ACTIONS",
    "MAX_ACTORS",
    "CompiledModel",
    "compile_scenario",
    "resolve_variant",
]


@dataclass(frozen=True)
class CompiledModel:
    """A compiled scenario variant: the IR object, its bytes and the model sources' hash."""

    ir: dict[str, Any]
    ir_bytes: bytes
    model_hash: str
    scenario: str
    variant: str
    # The fault injection classes compiled in (empty: fault injection off).
    fault_classes: tuple[str, ...] = ()


def resolve_variant(scenario: Scenario, variant: str | None = None) -> str:
    """The variant name to compile.

    None selects `scenario.default_variant`, else the first variant, else "" (no variants).

    Raises:
        DeclarationError: the scenario declaration is malformed (see `_declarations`).
        ScenarioError: `variant` is not one of the scenario's.
    """
    check_scenario(scenario)
    names = list(scenario.variants)
    if variant is None:
        variant = scenario.default_variant or (names[0] if names else "")
    if variant in scenario.variants or (not names and variant == ""):
        return variant
    valid = ", ".join(names) if names else "none (the scenario has no variants)"
    raise ScenarioError(
        f"unknown variant '{variant}' of scenario '{scenario.name}'; valid variants: {valid}"
    )


def compile_scenario(
    scenario: Scenario, variant: str | None = None, faults: Sequence[str] | bool | None = None
) -> CompiledModel:
    """Compile `scenario` with the given variant (see `resolve_variant`) to IR.

    Every variant's mapping is checked, not only the compiled one's, so a broken variant is
    reported whichever variant is selected.

    Raises:
        ModelError: the model uses unsupported syntax or is inconsistent (with file:line); a
            `DeclarationError` (also a ScenarioError) for a malformed scenario declaration.
        ScenarioError: an unknown variant, or an unknown fault injection class.

    `faults` overrides the scenario's `fault_injection` config (None keeps it): True or a
    list of classes turns fault injection on, False or an empty list off.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"expected a Scenario, got {type(scenario).__name__}")
    variant = resolve_variant(scenario, variant)
    try:
        return _compile(scenario, variant, faults)
    except RecursionError:
        raise declaration_error(
            f"scenario '{scenario.name}' nests too deeply for the compiler (a chain of structs "
            "or calls too long for Python's recursion limit); split it up",
            scenario,
        ) from None


def _compile(
    scenario: Scenario, variant: str, faults: Sequence[str] | bool | None
) -> CompiledModel:
    sources = SourceCache()
    extensions = extension_map(scenario)
    _check_extension_targets(sources, extensions)
    unit = CompileUnit(sources, substitution(scenario, variant), extensions)
    actors = [check_actor(scenario, actor) for actor in scenario.actors]
    action_ids = [[unit.function_id(a.func) for a in actor.actions] for actor in actors]
    boot = [_boot_id(unit, scenario, func) for func in scenario.boot]
    threads = [_thread(unit, actor, ids) for actor, ids in zip(actors, action_ids, strict=True)]
    unit.drain()
    # Static initializers run first at boot; they may name functions not compiled yet.
    boot = [*global_initializers(unit), *boot]
    unit.drain()
    check_embedding(unit)
    check_embedded_stores(unit)
    check_element_stores(unit)
    config = scenario_config(scenario)
    setting = config.pop("fault_injection", None) if faults is None else faults
    config.pop("fault_injection", None)
    classes = fault_classes(setting)
    if classes:
        functions = unit.compiled_functions()
        config["fault_injection"] = fault_table(classes, functions, unit.functions)
    ir = {
        "version": IR_VERSION,
        "name": scenario.name,
        "variant": variant,
        "files": unit.files,
        "strings": unit.strings,
        "structs": unit.structs,
        "functions": unit.functions,
        "globals": unit.globals,
        "boot": boot,
        "threads": threads,
        "config": config,
    }
    return CompiledModel(
        ir=ir,
        ir_bytes=orjson.dumps(ir, option=orjson.OPT_SORT_KEYS),
        model_hash=model_fingerprint(ir),
        scenario=scenario.name,
        variant=variant,
        fault_classes=classes,
    )


def _check_extension_targets(sources: SourceCache, extensions: dict[type, list[type]]) -> None:
    """Every extension names the struct it extends: `extends=` a Struct subclass."""
    for target, listed in extensions.items():
        if not is_struct_class(target):
            source, node = sources.class_def(listed[0])
            raise ModelError(
                f"extension {listed[0].__name__} extends {describe(target)}; write "
                f"class {listed[0].__name__}(Extension, extends=STRUCT) with a Struct subclass",
                source.display,
                node.lineno,
            )


def _boot_id(unit: CompileUnit, scenario: Scenario, func: object) -> int:
    if not isinstance(func, FunctionType):
        raise declaration_error(
            f"scenario '{scenario.name}': boot entry {describe(func)} is not a model function",
            scenario,
        )
    resolved = unit.resolve_function(func)
    if unit.param_count(resolved) != 0:
        source, node = unit.sources.function_def(resolved)
        raise ModelError(
            f"boot function {resolved.__name__}() must take no parameters",
            source.display,
            node.lineno,
        )
    return unit.function_id(func)


def _thread(unit: CompileUnit, actor: Actor, action_ids: list[int]) -> dict[str, Any]:
    actions = []
    for action, fid in zip(actor.actions, action_ids, strict=True):
        func = unit.resolve_function(action.func)
        params = unit.param_count(func)
        if len(action.args) != params:
            source, node = unit.sources.function_def(func)
            raise ModelError(
                f"action '{action.label}' of actor '{actor.name}' passes {len(action.args)} "
                f"argument(s) but {func.__name__}() takes {params}",
                source.display,
                node.lineno,
            )
        args = [_action_arg(unit, actor, action, arg) for arg in action.args]
        actions.append({"name": action.label, "func": fid, "args": args})
    return {
        "name": actor.name,
        "context": actor.context,
        "daemon": actor.daemon,
        "actions": actions,
        "default": list(actor.default),
        "min": actor.min,
        "max": actor.max,
        "optional": actor.optional,
    }


def _action_arg(unit: CompileUnit, actor: Actor, action: Action, value: object) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return {"int": int(value)}
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return {"int": value}
    if isinstance(value, Global):
        return {"global": unit.global_id(value)}
    if isinstance(value, FunctionType):
        return {"func": unit.function_id(value)}
    if isinstance(value, str):
        return {"str": unit.string_id(value)}
    raise declaration_error(
        f"actor '{actor.name}', action '{action.label}': argument {describe(value)} is not "
        "supported; action arguments are ints, bools, None, Globals, model functions or strings",
        action,
        actor,
    )
