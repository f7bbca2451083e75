"""Model source access: read and parse each model file once, and find definitions in it.

The compiler never executes model functions; it translates their syntax trees. This module
owns the per-compilation cache of parsed files (`SourceCache`), the deterministic display path
of a file as recorded in the IR `files` array, and the lookup of a function's `def` or a
struct's `class` node from the live Python object. Python's warnings while parsing are not shown
(as while importing: see the loader).
"""

from __future__ import annotations

import ast
import inspect
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import FunctionType

from pyfuzz.errors import ModelError

# pyfuzz/model/_source.py -> parents[1] is the pyfuzz package, parents[2] its parent directory.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_PACKAGE_PARENT = _PACKAGE_DIR.parent


def display_path(path: Path, cwd: Path) -> str:
    """The path recorded in the IR for a model file.

    Relative to `cwd` when the file is under it, else relative to the pyfuzz package's parent
    directory for files inside the pyfuzz package (`pyfuzz/kernel/pci.py`), else absolute.
    Always uses forward slashes.
    """
    for base, inside in ((cwd, cwd), (_PACKAGE_PARENT, _PACKAGE_DIR)):
        if path.is_relative_to(inside):
            return path.relative_to(base).as_posix()
    return path.as_posix()


@dataclass
class SourceFile:
    """One parsed model file."""

    path: Path
    display: str
    data: bytes
    tree: ast.Module
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = field(default_factory=dict)
    classes: dict[str, list[ast.ClassDef]] = field(default_factory=dict)


@dataclass
class SourceCache:
    """Parsed model files of one compilation, keyed by resolved path."""

    cwd: Path = field(default_factory=lambda: Path(os.getcwd()).resolve())
    _files: dict[Path, SourceFile] = field(default_factory=dict)

    def file(self, path: str | Path) -> SourceFile:
        """Read and parse the file at `path` (once)."""
        resolved = Path(path).resolve()
        cached = self._files.get(resolved)
        if cached is not None:
            return cached
        shown = display_path(resolved, self.cwd)
        try:
            data = resolved.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model source: {exc.strerror}", shown) from None
        try:
            with warnings.catch_warnings():  # not shown for model files (see the loader)
                warnings.simplefilter("ignore")
                tree = ast.parse(data, filename=str(resolved))
        except SyntaxError as exc:
            raise ModelError(f"syntax error: {exc.msg}", shown, exc.lineno) from None
        source = SourceFile(resolved, shown, data, tree)
        _index(source)
        self._files[resolved] = source
        return source

    def function_def(self, func: FunctionType) -> tuple[SourceFile, ast.FunctionDef]:
        """The parsed file holding `func` and its `def` node."""
        code = func.__code__
        if func.__name__ == "<lambda>":
            raise ModelError(
                "lambda functions are not supported; define the function with def",
                self._shown(code.co_filename),
                code.co_firstlineno,
            )
        path = _source_path(func)
        if path is None:
            raise ModelError(
                f"the source of function {func.__name__}() is not available",
                self._shown(code.co_filename),
                code.co_firstlineno,
            )
        source = self.file(path)
        for node in source.functions.get(func.__name__, ()):
            if _first_line(node) <= code.co_firstlineno <= node.lineno:
                if isinstance(node, ast.AsyncFunctionDef):
                    raise ModelError(
                        "async functions are not supported; use a plain def",
                        source.display,
                        node.lineno,
                    )
                return source, node
        raise ModelError(
            f"cannot find the def of {func.__name__}() in its source file",
            source.display,
            code.co_firstlineno,
        )

    def class_def(self, cls: type) -> tuple[SourceFile, ast.ClassDef]:
        """The parsed file holding the struct class `cls` and its `class` node."""
        path = _source_path(cls)
        if path is None:
            raise ModelError(f"the source of struct {cls.__name__} is not available")
        source = self.file(path)
        candidates = source.classes.get(cls.__name__, [])
        top_level = [n for n in candidates if n in source.tree.body]
        chosen = top_level or candidates
        if not chosen:
            raise ModelError(
                f"cannot find the class statement of struct {cls.__name__}", source.display
            )
        # At module level the last definition of a name is the live one.
        return source, chosen[-1]

    def _shown(self, filename: str) -> str:
        return display_path(Path(filename).resolve(), self.cwd)


def _index(source: SourceFile) -> None:
    for node in ast.walk(source.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            source.functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            source.classes.setdefault(node.name, []).append(node)


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _source_path(obj: object) -> str | None:
    try:
        return inspect.getsourcefile(obj)  # type: ignore[arg-type]
    except TypeError:
        return None
