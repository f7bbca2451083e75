"""User model modules: a model file importing other model files from its own directory.

Two drivers can share a core: `import mycore` or `from mycore import x` in a model file reaches
`mycore.py` beside it, as a script's imports reach the files beside the script. Before the
model runs, `import_graph` reads the model file and, transitively, every user module it
imports (`import`/`from ... import` statements naming a `.py` file of the model's directory),
without executing them, and rejects an import cycle, a relative import and a user module named
like a standard-library module, each at the importing file and line. `user_module_session`
then makes exactly those names importable while the model file executes: each is executed once
per load under a module name of its own (so two models with a `core.py` each, or two loads of
the same model, never share module objects), and the short names are removed from
`sys.modules` afterwards. The graph's files are what a cached compiled model depends on.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from pyfuzz.errors import ModelError
from pyfuzz.model._where import display

_LOADS = itertools.count(1)


@dataclass
class ImportGraph:
    """The user modules a model file reaches: short name -> file, in first-import order."""

    directory: Path
    modules: dict[str, Path] = field(default_factory=dict)

    def files(self) -> list[Path]:
        return list(self.modules.values())


def import_graph(model: Path) -> ImportGraph:
    """The user modules `model` imports, directly or through each other.

    Raises:
        ModelError: a cycle, a relative import, a user module shadowing the standard library,
            or a syntax error in a user module (file:line of the import or the error).
    """
    graph = ImportGraph(model.parent)
    _visit(graph, model, [])
    return graph


def _visit(graph: ImportGraph, path: Path, active: list[tuple[Path, str, int]]) -> None:
    for name, line in _imported_names(path):
        target = graph.directory / f"{name}.py"
        if not target.is_file():
            continue
        if name in sys.stdlib_module_names or name == "pyfuzz":
            raise ModelError(
                f"import {name}: {name}.py beside the model has the name of a "
                f"{'standard-library module' if name != 'pyfuzz' else 'package'}; rename it",
                display(str(path)),
                line,
            )
        here = (path, name, line)
        chain = [*active, here]
        starts = [i for i, (p, _, _) in enumerate(chain) if p == target]
        if starts:
            raise ModelError(_cycle(chain[starts[0] :]), display(str(path)), line)
        if name in graph.modules:
            continue
        graph.modules[name] = target
        _visit(graph, target, chain)


def _cycle(chain: Sequence[tuple[Path, str, int]]) -> str:
    steps = [f"{display(str(p))}:{line} imports {name}" for p, name, line in chain]
    return "import cycle: " + ", ".join(steps)


def _imported_names(path: Path) -> Iterator[tuple[str, int]]:
    """(top-level module name, line) of every import statement of the file at `path`."""
    shown = display(str(path))
    try:
        with warnings.catch_warnings():  # not shown for model files (see the loader)
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_bytes(), filename=str(path))
    except RecursionError:
        return  # too deep to parse here; importing the file reports it at its line
    except SyntaxError as exc:
        raise ModelError(f"syntax error: {exc.msg}", shown, exc.lineno) from None
    except OSError as exc:
        raise ModelError(f"cannot read model source: {exc.strerror}", shown) from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise ModelError(
                    "relative imports are not supported in model files; import a model file "
                    "beside this one by its name (from mycore import x)",
                    shown,
                    node.lineno,
                )
            if node.module:
                yield node.module.split(".")[0], node.lineno


class _UserModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and executes the user modules of one model load (and nothing else)."""

    def __init__(self, graph: ImportGraph, load: int) -> None:
        self.graph = graph
        self.load = load

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.graph.modules.get(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        # A module name of its own (the import system keeps a module's existing __name__):
        # functions, structs and Globals of this load then never meet another load's.
        file = self.graph.modules[spec.name]
        stem = re.sub(r"\W", "_", file.stem)
        unique = f"_pyfuzz_model_{stem}_{self.load}"
        module = ModuleType(unique)
        module.__file__ = str(file)
        sys.modules[unique] = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        file = Path(module.__file__ or "")
        code = compile(file.read_bytes(), str(file), "exec")
        exec(code, module.__dict__)  # the user's model module, as Python would import it


@contextmanager
def user_module_session(graph: ImportGraph) -> Iterator[None]:
    """Make the graph's user modules importable by their short names while the model runs."""
    saved = {name: sys.modules.pop(name) for name in graph.modules if name in sys.modules}
    finder = _UserModuleFinder(graph, next(_LOADS))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in graph.modules:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
