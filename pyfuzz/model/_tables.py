"""What the translators need from a compilation: the IR id tables and the model sources.

`IdTables` is the one interface the function, expression and struct translators (`_funcs`,
`_exprs`, `_values`, `_types`) are written against. It hands out the cross-reference ids of
the IR (files, strings, structs, globals, functions) and finds the syntax tree of a model
object; `_unit.CompileUnit` implements it. Keeping the translators on this protocol, not on
the concrete class, is what lets the modules import in one direction: `_unit` imports the
translators, and no translator imports `_unit`.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any, Protocol

from pyfuzz.model._source import SourceCache, SourceFile
from pyfuzz.model.dsl import Global


class IdTables(Protocol):
    """The id tables of one compilation, as the translators use them."""

    sources: SourceCache
    """The parsed model files: `function_def(func)` and `class_def(cls)`."""

    def file_id(self, source: SourceFile) -> int:
        """The id of a model file in the IR `files` array."""
        ...

    def string_id(self, text: str) -> int:
        """The id of a string constant or field name in the IR `strings` array."""
        ...

    def struct_id(self, cls: type) -> int:
        """The id of a Struct subclass, translating it (and the structs it names) when new."""
        ...

    def extensions_of(self, cls: type) -> list[type]:
        """The Extension classes adding fields to struct `cls` in this compilation."""
        ...

    def struct_fields(self, cls: type) -> dict[str, Any] | None:
        """The fields of struct `cls` (extensions included) with their evaluated
        annotations, or None when one cannot be evaluated."""
        ...

    def global_id(self, glob: Global) -> int:
        """The id of a Global in the IR `globals` array."""
        ...

    def resolve_function(self, func: object) -> FunctionType:
        """`func` after the variant substitution; it must be a plain Python function."""
        ...

    def function_id(self, func: object) -> int:
        """The id of a model function (after substitution), queueing it for compilation."""
        ...

    def reference_id(self, caller: FunctionType, func: object) -> int:
        """The id a reference to `func` in the body of `caller` compiles to: the original
        `func` when `caller` replaces it in the variant (a wrapper), else `function_id`."""
        ...

    def note_element_store(self, field: str, file: str, line: int) -> None:
        """Record `x.field[i] = v` at file:line, for the whole-model check that it does not
        overwrite an element of an array of embedded primitives."""
        ...

    def param_count(self, func: FunctionType) -> int:
        """The parameter count of model function `func`, after checking its signature."""
        ...
