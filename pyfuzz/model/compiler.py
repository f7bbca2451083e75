"""The model compiler: a `Scenario` (and one of its variants) to the IR of docs/ir.md.

`compile_scenario` is the single entry point. It resolves the variant, numbers the entry points
(action functions in actor order, then boot functions), translates the actors and config,
compiles every reachable function (`_funcs`) and struct (`_types`) into the id tables of a
`_unit.CompileUnit`, runs the whole-model checks (`_checks`), and serialises the result with
sorted keys so the same model always gives the same bytes. `source_hash` fingerprints the
model files the IR was built from, for replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import orjson

from pyfuzz._core import LIMITS
from pyfuzz.errors import ModelError, ScenarioError
from pyfuzz.model._checks import check_embedded_stores, check_embedding
from pyfuzz.model._source import SourceCache
from pyfuzz.model._unit import CompileUnit
from pyfuzz.model.dsl import CONTEXTS, Action, Actor, Global, Scenario

IR_VERSION = 1

# The core's limits (rust/limits.rs), checked here so that a model fails with its file.
MAX_ACTORS: int = LIMITS["max_actors"]
MAX_ACTIONS: int = LIMITS["max_actions"]  # an actor's `max`

CONFIG_KEYS: dict[str, type] = {"lockdep": bool, "max_steps": int, "kasan_old_names": bool}

__all__ = ["CompiledModel", "compile_scenario", "resolve_variant"]


@dataclass(frozen=True)
class CompiledModel:
    """A compiled scenario variant: the IR object, its bytes and the model sources' hash."""

    ir: dict[str, Any]
    ir_bytes: bytes
    source_hash: str
    scenario: str
    variant: str


def resolve_variant(scenario: Scenario, variant: str | None = None) -> str:
    """The variant name to compile.

    None selects `scenario.default_variant`, else the first variant, else "" (no variants).

    Raises:
        ScenarioError: `variant` (or the default variant) is not one of the scenario's.
    """
    names = list(scenario.variants)
    if variant is None:
        variant = scenario.default_variant or (names[0] if names else "")
    if variant in scenario.variants or (not names and variant == ""):
        return variant
    valid = ", ".join(names) if names else "none (the scenario has no variants)"
    raise ScenarioError(
        f"unknown variant '{variant}' of scenario '{scenario.name}'; valid variants: {valid}"
    )


def compile_scenario(scenario: Scenario, variant: str | None = None) -> CompiledModel:
    """Compile `scenario` with the given variant (see `resolve_variant`) to IR.

    Raises:
        ModelError: the model uses unsupported syntax or is inconsistent (with file:line).
        ScenarioError: an unknown variant or a malformed scenario declaration.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"expected a Scenario, got {type(scenario).__name__}")
    variant = resolve_variant(scenario, variant)
    if not 1 <= len(scenario.actors) <= MAX_ACTORS:
        raise ScenarioError(
            f"scenario '{scenario.name}' declares {len(scenario.actors)} actors; "
            f"it needs 1 to {MAX_ACTORS}"
        )
    unit = CompileUnit(SourceCache(), _substitution(scenario, variant))
    actors = [_check_actor(scenario, actor) for actor in scenario.actors]
    action_ids = [[unit.function_id(a.func) for a in actor.actions] for actor in actors]
    boot = [_boot_id(unit, scenario, func) for func in scenario.boot]
    threads = [_thread(unit, actor, ids) for actor, ids in zip(actors, action_ids, strict=True)]
    unit.drain()
    check_embedding(unit)
    check_embedded_stores(unit)
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
        "config": _config(scenario),
    }
    return CompiledModel(
        ir=ir,
        ir_bytes=orjson.dumps(ir, option=orjson.OPT_SORT_KEYS),
        source_hash=_source_hash(unit),
        scenario=scenario.name,
        variant=variant,
    )


def _substitution(scenario: Scenario, variant: str) -> Mapping[FunctionType, FunctionType]:
    mapping = scenario.variants.get(variant, {}) if variant else {}
    result: dict[FunctionType, FunctionType] = {}
    for original, replacement in mapping.items():
        if not (isinstance(original, FunctionType) and isinstance(replacement, FunctionType)):
            raise ScenarioError(
                f"variant '{variant}' of scenario '{scenario.name}' must map model functions "
                f"to model functions, not {original!r} to {replacement!r}"
            )
        result[original] = replacement
    return result


def _check_actor(scenario: Scenario, actor: object) -> Actor:
    if not isinstance(actor, Actor):
        raise ScenarioError(f"scenario '{scenario.name}': {actor!r} is not an Actor or Thread")
    where = f"scenario '{scenario.name}', actor '{actor.name}'"
    actions = list(actor.actions)
    default = list(actor.default)
    problem = None
    if actor.context not in CONTEXTS:
        problem = f"context '{actor.context}' is not one of {', '.join(CONTEXTS)}"
    elif not actions or not all(isinstance(a, Action) for a in actions):
        problem = "actions must be a non-empty list of Action(func, args)"
    elif not all(isinstance(a.func, FunctionType) for a in actions):
        problem = "every action function must be a model function (a plain def)"
    elif not all(_is_int(n) for n in (actor.min, actor.max, *default)):
        problem = "min, max and default must be ints"
    elif not 0 <= actor.min <= actor.max or not 1 <= actor.max <= MAX_ACTIONS:
        problem = (
            f"needs 0 <= min <= max and 1 <= max <= {MAX_ACTIONS} "
            f"(min={actor.min}, max={actor.max})"
        )
    elif not actor.min <= len(default) <= actor.max:
        problem = f"default lists {len(default)} actions; it must list min..max actions"
    elif any(not 0 <= i < len(actions) for i in default):
        problem = f"default {default} indexes outside the {len(actions)} actions"
    elif not (isinstance(actor.optional, bool) and isinstance(actor.daemon, bool)):
        problem = "optional and daemon must be bools"
    if problem:
        raise ScenarioError(f"{where}: {problem}")
    return actor


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _boot_id(unit: CompileUnit, scenario: Scenario, func: object) -> int:
    if not isinstance(func, FunctionType):
        raise ScenarioError(
            f"scenario '{scenario.name}': boot entry {func!r} is not a model function"
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
    raise ScenarioError(
        f"actor '{actor.name}', action '{action.label}': argument {value!r} is not supported; "
        "action arguments are ints, bools, None, Globals, model functions or strings"
    )


def _config(scenario: Scenario) -> dict[str, Any]:
    config = dict(scenario.config)
    for key, value in config.items():
        expected = CONFIG_KEYS.get(key)
        if expected is None:
            raise ScenarioError(
                f"scenario '{scenario.name}': unknown config key '{key}'; "
                f"supported: {', '.join(CONFIG_KEYS)}"
            )
        if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
            raise ScenarioError(
                f"scenario '{scenario.name}': config '{key}' must be {expected.__name__}"
            )
    if config.get("max_steps", 1) < 1:
        raise ScenarioError(f"scenario '{scenario.name}': config 'max_steps' must be positive")
    return config


def _source_hash(unit: CompileUnit) -> str:
    """SHA-256 over the model files' names and contents in compilation order. Directories are
    left out so that a trace still matches its model from another checkout or working
    directory (display paths are relative to the working directory)."""
    digest = hashlib.sha256()
    for path, data in zip(unit.files, unit.file_data, strict=True):
        digest.update(path.rsplit("/", 1)[-1].encode())
        digest.update(b"\0")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()
