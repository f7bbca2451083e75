"""The modules of `pyfuzz.model` import each other in one direction only.

Every module is parsed (not imported), and every import of a `pyfuzz.model` module counts: the
ones under `if TYPE_CHECKING:` and the ones inside functions too, because a type-only or lazy
import is still a dependency a reader has to follow. `import pyfuzz.model` and
`from pyfuzz.model import X` count as imports of the package `__init__` (and of submodule `X`
when `X` is one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pyfuzz.model

PACKAGE = "pyfuzz.model"
MODEL_DIR = Path(pyfuzz.model.__file__).resolve().parent

# module -> {imported module: line of the first such import}
Graph = dict[str, dict[str, int]]


def _module_name(path: Path) -> str:
    return PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.stem}"


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module name of `from <module> import ...` (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(path: Path, known: set[str]) -> dict[str, int]:
    importer = _module_name(path)
    found: dict[str, int] = {}

    def add(name: str, line: int) -> None:
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            assert name in known, f"{path.name}:{line}: imports unknown module {name}"
            found.setdefault(name, line)

    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, importer, path.name == "__init__.py")
            add(module, node.lineno)
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if submodule in known:  # from pyfuzz.model import dsl / from pyfuzz import model
                    add(submodule, node.lineno)
    found.pop(importer, None)
    return found


def _graph() -> Graph:
    paths = sorted(MODEL_DIR.glob("*.py"))
    known = {_module_name(path) for path in paths}
    return {_module_name(path): _imports(path, known) for path in paths}


def _find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle as a path that starts and ends at the same module, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "active"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "active":
                return [*stack[stack.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def _describe(graph: Graph, cycle: list[str]) -> str:
    steps = [
        f"{a.removeprefix(PACKAGE + '.')} -> {b.removeprefix(PACKAGE + '.')} (line {graph[a][b]})"
        for a, b in zip(cycle, cycle[1:], strict=False)
    ]
    return "; ".join(steps)


def test_the_graph_sees_every_module_and_kind_of_import() -> None:
    graph = _graph()
    assert {PACKAGE, f"{PACKAGE}.compiler", f"{PACKAGE}.dsl"} <= graph.keys()
    assert f"{PACKAGE}.dsl" in graph[PACKAGE]  # from pyfuzz.model.dsl import (...)
    assert f"{PACKAGE}.compiler" in graph[f"{PACKAGE}.loader"]


def test_the_cycle_finder_reports_a_cycle() -> None:
    graph: Graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"b": 3}}
    cycle = _find_cycle(graph)
    assert cycle == ["b", "c", "b"]
    assert _describe(graph, cycle) == "b -> c (line 2); c -> b (line 3)"
    assert _find_cycle({"a": {"b": 1}, "b": {}}) is None


def test_model_modules_import_in_one_direction() -> None:
    graph = _graph()
    cycle = _find_cycle(graph)
    assert cycle is None, f"pyfuzz.model has an import cycle: {_describe(graph, cycle)}"
