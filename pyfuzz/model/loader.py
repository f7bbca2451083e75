"""Model file loading: import a model file as a fresh module and find its scenarios.

`load_model_file` executes a model file under a module name derived from its resolved path
(so two files with the same name never clash, and loading a file again re-executes it) and
returns the `Scenario` objects it declares at module level. Importing a model file never ends
or crashes the process: a syntax error, any exception, `sys.exit()` and a recursion too deep for
Python's compiler while importing become a one-line `ModelError` with the file and the model
file's line that was executing (only Ctrl-C and SIGTERM pass through). Python warnings raised
while importing (a `SyntaxWarning` for an invalid escape sequence, say) are not shown: what
matters in model code is a compile error anyway. `find_scenario` resolves a command-line spec
`path/to/model.py[:name[:variant]]` to one scenario and a variant name. A model file may import
other model files beside it by name (`_imports`); `model_dependencies` lists those a load
executed, and an error inside one names that file and line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import sys
import tokenize
import traceback
import warnings
from pathlib import Path
from types import ModuleType

from pyfuzz.errors import ModelError, ScenarioError, Terminated
from pyfuzz.model._imports import ImportGraph, import_graph, user_module_session
from pyfuzz.model._source import display_path
from pyfuzz.model._where import describe, scrub_addresses
from pyfuzz.model.compiler import resolve_variant
from pyfuzz.model.dsl import Scenario

__all__ = ["find_scenario", "load_model_file", "model_dependencies"]

# Exceptions raised inside the model language itself (primitive stubs) need no origin note.
_LANGUAGE_DIR = Path(__file__).resolve().parent

# Resolved model file -> the user modules its last load imported (`model_dependencies`).
_DEPENDENCIES: dict[Path, list[Path]] = {}


def load_model_file(path: str) -> list[Scenario]:
    """Import the model file at `path` afresh and return its module-level scenarios.

    Scenarios are module-level `Scenario` instances, also inside module-level lists and tuples,
    in definition order, each once.

    Raises:
        ModelError: the file is missing, has a syntax error, raises or exits while importing.
    """
    resolved = Path(path).resolve()
    shown = _shown(resolved)
    if not resolved.is_file():
        raise ModelError("no such model file", shown)
    graph = import_graph(resolved)
    module = _import(resolved, shown, graph)
    _DEPENDENCIES[resolved] = graph.files()
    found: list[Scenario] = []
    for value in list(vars(module).values()):
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, Scenario) and all(item is not seen for seen in found):
                found.append(item)
    return found


def model_dependencies(path: str | Path) -> list[Path]:
    """The user model files the last load of the model file at `path` imported (empty when it
    was not loaded): a compiled model of it is stale when one of them changes."""
    return list(_DEPENDENCIES.get(Path(path).resolve(), []))


def find_scenario(path_spec: str) -> tuple[Scenario, str]:
    """Resolve `path/to/model.py[:name[:variant]]` to a scenario and a variant name.

    The name may be omitted when the file declares exactly one scenario. Without a variant,
    the scenario's default variant is returned (see `compiler.resolve_variant`).

    Raises:
        ScenarioError: no such file, an unknown or ambiguous scenario name, an unknown variant.
        ModelError: the model file cannot be imported.
    """
    path, name, variant = _split_spec(path_spec)
    scenarios = load_model_file(path)
    shown = _shown(Path(path).resolve())
    names = ", ".join(s.name for s in scenarios)
    if not scenarios:
        raise ScenarioError(f"{shown} declares no Scenario")
    if name:
        matches = [s for s in scenarios if s.name == name]
        if not matches:
            raise ScenarioError(f"no scenario '{name}' in {shown}; scenarios: {names}")
        if len(matches) > 1:
            raise ScenarioError(f"{shown} declares {len(matches)} scenarios named '{name}'")
        scenario = matches[0]
    elif len(scenarios) == 1:
        scenario = scenarios[0]
    else:
        raise ScenarioError(
            f"{shown} declares {len(scenarios)} scenarios; name one as {path}:NAME "
            f"(scenarios: {names})"
        )
    return scenario, resolve_variant(scenario, variant or None)


def _split_spec(spec: str) -> tuple[str, str, str]:
    """(path, name, variant) of a spec; the path is the longest prefix naming a file."""
    parts = spec.split(":")
    for cut in range(len(parts), 0, -1):
        path = ":".join(parts[:cut])
        if Path(path).is_file():
            rest = parts[cut:]
            if len(rest) > 2:
                raise ScenarioError(
                    f"malformed scenario spec '{spec}'; write path/to/model.py[:name[:variant]]"
                )
            rest += [""] * (2 - len(rest))
            return path, rest[0], rest[1]
    raise ScenarioError(f"no such model file: {parts[0]}")


def _shown(path: Path) -> str:
    return display_path(path, Path.cwd().resolve())


def _module_name(path: Path) -> str:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    stem = re.sub(r"\W", "_", path.stem)
    return f"_pyfuzz_model_{stem}_{digest}"


def _import(path: Path, shown: str, graph: ImportGraph) -> ModuleType:
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelError("cannot import this file as a Python module", shown)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with warnings.catch_warnings(), user_module_session(graph):
            warnings.simplefilter("ignore")
            spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = _shown(Path(exc.filename).resolve()) if exc.filename else shown
        raise ModelError(f"syntax error: {exc.msg}", where, exc.lineno) from None
    except (KeyboardInterrupt, Terminated):
        sys.modules.pop(name, None)
        raise
    except BaseException as exc:  # any failure, sys.exit() included: an unusable model
        sys.modules.pop(name, None)
        if isinstance(exc, ModelError) and exc.file:
            raise
        raise _import_error(exc, path, shown, graph) from None
    return module


def _import_error(exc: BaseException, path: Path, shown: str, graph: ImportGraph) -> ModelError:
    """A one-line ModelError at the line of the model file, or of the user module it imports,
    that was executing (innermost) when `exc` rose."""
    frames = traceback.extract_tb(exc.__traceback__)
    line = None
    files = {path, *graph.files()}
    for frame in frames:
        if frame.filename and Path(frame.filename).resolve() in files:
            path = Path(frame.filename).resolve()
            shown, line = _shown(path), frame.lineno
    if isinstance(exc, SystemExit):
        code = "" if exc.code is None else describe(exc.code)
        text = (
            f"the model called sys.exit({code}); a model file only declares structs, "
            "functions and scenarios"
        )
    elif isinstance(exc, RecursionError) and line is None:
        line = _longest_statement(path)
        text = f"RecursionError: {exc} (an expression nested too deeply; split it up)"
    elif isinstance(exc, ModelError):
        text = exc.bare_message
    elif isinstance(exc, ModuleNotFoundError) and exc.name and "." not in exc.name:
        text = (
            f"no module named '{exc.name}': there is no {exc.name}.py beside the model file "
            f"({_shown(graph.directory)}) and no installed module of that name"
        )
    else:
        text = f"{type(exc).__name__}: {exc}"
    message = " ".join(f"error while importing the model: {scrub_addresses(text)}".split())
    deepest = frames[-1] if frames else None
    if deepest and not deepest.filename.startswith("<"):
        origin = Path(deepest.filename).resolve()
        if origin != path and not origin.is_relative_to(_LANGUAGE_DIR):
            message += f" (raised at {_shown(origin)}:{deepest.lineno})"
    return ModelError(message, shown, line)


def _longest_statement(path: Path) -> int | None:
    """The first line of the statement with the most tokens: where Python's compiler ran out of
    recursion (it says no line), found without recursion."""
    best, best_count, start, count = None, 0, None, 0
    try:
        data = path.read_bytes()
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if start is None:
                start, count = token.start[0], 0
            count += 1
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if count > best_count:
                    best, best_count = start, count
                start = None
    except (OSError, SyntaxError, tokenize.TokenError):
        return best
    return best
