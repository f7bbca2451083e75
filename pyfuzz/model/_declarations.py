"""Checks of a scenario declaration that need no compiled code: its shape, every variant, config.

`check_scenario` runs before anything is compiled (and when a variant name is resolved): the
declaration's attributes have the types the model language documents (a list of actors, a list
of boot functions, a dict of variants, ...), the actor count is within the core's limit, the
default variant exists, the extensions are Extension classes, and every variant, not only
the one being compiled, maps model functions to model functions taking as many parameters.
`check_actor` checks one actor's alphabet and bounds, `substitution` returns a variant's
mapping, `extension_map` the structs' extensions and `scenario_config` the checked config.
Errors are `DeclarationError`s at the file:line of the declaration at fault (the Action's,
the Actor's or the Scenario's).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import FunctionType
from typing import Any

from pyfuzz._core import LIMITS
from pyfuzz.model._where import declaration_error, describe, located
from pyfuzz.model.dsl import CONTEXTS, Action, Actor, Extension, Scenario

# The core's limits (rust/limits.rs), checked here so that a model fails with its file.
MAX_ACTORS: int = LIMITS["max_actors"]
MAX_ACTIONS: int = LIMITS["max_actions"]  # an actor's `max`

CONFIG_KEYS: dict[str, type] = {
    "lockdep": bool,
    "max_steps": int,
    "soft_lockup_steps": int,
    "heap_objects": int,
    "heap_bytes": int,
    "kasan_old_names": bool,
    # True, or a list of fault injection classes (pyfuzz.model._faults); checked there.
    "fault_injection": object,
}

_SEQUENCE = (list, tuple)


def check_scenario(scenario: Scenario) -> None:
    """Check the scenario's attributes, its actor count, default variant and every variant."""
    name = scenario.name
    problem = _scenario_problem(scenario)
    if problem:
        raise declaration_error(f"scenario '{describe_name(name)}': {problem}", scenario)
    for variant, mapping in scenario.variants.items():
        _check_variant(scenario, variant, mapping)
    default = scenario.default_variant
    if default and default not in scenario.variants:
        valid = ", ".join(scenario.variants) or "none (the scenario has no variants)"
        raise declaration_error(
            f"scenario '{name}': default_variant '{default}' is not one of its variants; "
            f"valid variants: {valid}",
            scenario,
        )
    scenario_config(scenario)
    extension_map(scenario)


def _scenario_problem(scenario: Scenario) -> str | None:
    checks: list[tuple[str, object, type | tuple[type, ...], str]] = [
        ("name", scenario.name, str, "a string"),
        ("actors", scenario.actors, _SEQUENCE, "a list of Actor/Thread declarations"),
        ("boot", scenario.boot, _SEQUENCE, "a list of model functions"),
        ("variants", scenario.variants, Mapping, "a dict {name: {function: replacement}}"),
        ("expect", scenario.expect, Mapping, "a dict {variant: expected finding or 'clean'}"),
        ("config", scenario.config, Mapping, "a dict"),
        ("default_variant", scenario.default_variant, str, "a variant name"),
        ("extensions", scenario.extensions, _SEQUENCE, "a list of Extension classes"),
        ("description", scenario.description, str, "a string"),
    ]
    for attribute, value, expected, what in checks:
        if not isinstance(value, expected):
            return f"{attribute} must be {what}, not {describe(value)}"
    if not scenario.name:
        return "the scenario name must not be empty"
    if not 1 <= len(scenario.actors) <= MAX_ACTORS:
        return f"declares {len(scenario.actors)} actors; it needs 1 to {MAX_ACTORS}"
    return None


def describe_name(name: object) -> str:
    """A scenario or actor name for a message (the name itself when it is a string)."""
    return name if isinstance(name, str) else describe(name)


def _check_variant(scenario: Scenario, variant: object, mapping: object) -> None:
    where = f"variant {describe(variant)} of scenario '{scenario.name}'"
    if not isinstance(variant, str):
        raise declaration_error(f"{where}: variant names must be strings", scenario)
    if not isinstance(mapping, Mapping):
        raise declaration_error(
            f"{where} must be a dict {{function: replacement}}, not {describe(mapping)}", scenario
        )
    for original, replacement in mapping.items():
        if not (_is_model_function(original) and _is_model_function(replacement)):
            raise declaration_error(
                f"{where} must map model functions to model functions, not "
                f"{describe(original)} to {describe(replacement)}",
                scenario,
            )
        before, after = _arity(original), _arity(replacement)
        if before != after:
            raise declaration_error(
                f"{where} replaces {_signature(original, before)} with "
                f"{_signature(replacement, after)}; a replacement must take the same parameters",
                scenario,
            )


def _is_model_function(value: object) -> bool:
    if not isinstance(value, FunctionType):
        return False
    unwrapped = inspect.unwrap(value)
    return isinstance(unwrapped, FunctionType) and unwrapped.__name__ != "<lambda>"


def _arity(func: FunctionType) -> int:
    code = inspect.unwrap(func).__code__
    return code.co_argcount


def _signature(func: FunctionType, arity: int) -> str:
    file, line = located(inspect.unwrap(func))
    at = f", {file}:{line}" if file else ""
    noun = "parameter" if arity == 1 else "parameters"
    return f"{func.__name__}() ({arity} {noun}{at})"


def substitution(scenario: Scenario, variant: str) -> Mapping[FunctionType, FunctionType]:
    """The {function: replacement} map of `variant` ("" for none), already checked."""
    mapping = scenario.variants.get(variant, {}) if variant else {}
    return dict(mapping)


def extension_map(scenario: Scenario) -> dict[type, list[type]]:
    """{struct: [Extension classes, in the listed order]} of the scenario's `extensions`;
    an entry that is not an Extension subclass is an error at the scenario's line (one that
    extends no struct at its own line, in `_types`' terms, is reported by the compiler)."""
    found: dict[type, list[type]] = {}
    for extension in scenario.extensions:
        if not (
            isinstance(extension, type)
            and issubclass(extension, Extension)
            and extension is not Extension
        ):
            raise declaration_error(
                f"scenario '{scenario.name}': extensions lists {describe(extension)}; it takes "
                "Extension classes (class mydrv_pci_dev(Extension, extends=pci_dev): ...)",
                scenario,
            )
        listed = found.setdefault(extension.extends, [])  # type: ignore[arg-type]
        if extension in listed:
            raise declaration_error(
                f"scenario '{scenario.name}': extension {extension.__name__} is listed twice",
                scenario,
            )
        listed.append(extension)
    return found


def check_actor(scenario: Scenario, actor: object) -> Actor:
    """`actor` after checking its alphabet, bounds and flags."""
    if not isinstance(actor, Actor):
        raise declaration_error(
            f"scenario '{scenario.name}': {describe(actor)} is not an Actor or Thread", scenario
        )
    where = f"scenario '{scenario.name}', actor '{describe_name(actor.name)}'"
    problem = _actor_problem(actor)
    if problem:
        action = _first_bad_action(actor)
        raise declaration_error(f"{where}: {problem}", action, actor, scenario)
    return actor


def _actor_problem(actor: Actor) -> str | None:
    if not isinstance(actor.name, str):
        return "the actor name must be a string"
    if actor.context not in CONTEXTS:
        return f"context {describe(actor.context)} is not one of {', '.join(CONTEXTS)}"
    if not isinstance(actor.actions, _SEQUENCE) or not isinstance(actor.default, _SEQUENCE):
        return "actions and default must be lists (of Action(func, args) and of indices)"
    actions = list(actor.actions)
    default = list(actor.default)
    if not actions or not all(isinstance(a, Action) for a in actions):
        return "actions must be a non-empty list of Action(func, args)"
    if not all(isinstance(a.func, FunctionType) for a in actions):
        return "every action function must be a model function (a plain def)"
    if not all(isinstance(a.args, _SEQUENCE) for a in actions):
        return "every action's arguments must be a tuple"
    if not all(_is_int(n) for n in (actor.min, actor.max, *default)):
        return "min, max and default must be ints"
    if not 0 <= actor.min <= actor.max or not 1 <= actor.max <= MAX_ACTIONS:
        return (
            f"needs 0 <= min <= max and 1 <= max <= {MAX_ACTIONS} "
            f"(min={actor.min}, max={actor.max})"
        )
    if not actor.min <= len(default) <= actor.max:
        return f"default lists {len(default)} actions; it must list min..max actions"
    if any(not 0 <= i < len(actions) for i in default):
        return f"default {default} indexes outside the {len(actions)} actions"
    if not (isinstance(actor.optional, bool) and isinstance(actor.daemon, bool)):
        return "optional and daemon must be bools"
    return None


def _first_bad_action(actor: Actor) -> Action | None:
    """The action a problem is about (a non-function or bad arguments), to point at its line."""
    if not isinstance(actor.actions, _SEQUENCE):
        return None
    for action in actor.actions:
        if isinstance(action, Action) and not (
            isinstance(action.func, FunctionType) and isinstance(action.args, _SEQUENCE)
        ):
            return action
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def scenario_config(scenario: Scenario) -> dict[str, Any]:
    """The scenario's config after checking its keys and value types."""
    config = dict(scenario.config)
    for key, value in config.items():
        expected = CONFIG_KEYS.get(key)
        if expected is None:
            raise declaration_error(
                f"scenario '{scenario.name}': unknown config key {describe(key)}; "
                f"supported: {', '.join(CONFIG_KEYS)}",
                scenario,
            )
        if expected is object:
            continue
        if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
            raise declaration_error(
                f"scenario '{scenario.name}': config '{key}' must be {expected.__name__}",
                scenario,
            )
    for key in ("max_steps", "soft_lockup_steps", "heap_objects", "heap_bytes"):
        if config.get(key, 1) < 1:
            raise declaration_error(
                f"scenario '{scenario.name}': config '{key}' must be positive", scenario
            )
    return config


__all__ = [
    "CONFIG_KEYS",
    "MAX_ACTIONS",
    "MAX_ACTORS",
    "check_actor",
    "check_scenario",
    "extension_map",
    "scenario_config",
    "substitution",
]
