"""One compilation's IR tables (files, strings, structs, globals, functions) and work queue.

`CompileUnit` implements the `_tables.IdTables` protocol the translators (`_funcs`, `_types`
and the expression compilers `_funcs` builds on) are written against, and is the only module
above them that imports them. It hands out the cross-reference ids of the IR in first-use
order, which is what makes the output byte-identical for the same model: a struct, global,
function, string or file gets its id the first time the compiler meets it. Structs are
translated as soon as they are met; functions are queued and compiled breadth-first by
`drain`. The variant substitution map is applied here, in `function_id`, so every function
reference goes through it, except one: inside a replacement, a reference to a function it
replaces is the original (`reference_id`), so that a variant can wrap a library function.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping
from types import FunctionType
from typing import Any

from pyfuzz.errors import ModelError
from pyfuzz.model._funcs import compile_function
from pyfuzz.model._source import SourceCache, SourceFile
from pyfuzz.model._types import field_annotations, is_struct_class, translate_struct
from pyfuzz.model._unsupported import check_signature
from pyfuzz.model._where import declaration_error, describe
from pyfuzz.model.dsl import Global


class CompileUnit:
    """Id tables and the work queue of one compilation (an `IdTables`)."""

    def __init__(
        self,
        sources: SourceCache,
        substitution: Mapping[FunctionType, FunctionType],
        extensions: Mapping[type, list[type]] | None = None,
    ) -> None:
        self.sources = sources
        self.substitution = substitution
        self._extensions = dict(extensions or {})
        self._fields: dict[type, dict[str, Any] | None] = {}
        # replacement -> the functions it replaces in this variant (a wrapper's originals)
        self._originals: dict[FunctionType, set[FunctionType]] = {}
        for original, replacement in substitution.items():
            wrapper = inspect.unwrap(replacement)
            self._originals.setdefault(wrapper, set()).add(inspect.unwrap(original))
        self.files: list[str] = []
        self.file_data: list[bytes] = []
        self.strings: list[str] = []
        self.structs: list[dict[str, Any]] = []
        self.globals: list[dict[str, Any]] = []
        self.functions: list[dict[str, Any]] = []
        self._file_ids: dict[str, int] = {}
        self._string_ids: dict[str, int] = {}
        self._struct_ids: dict[type, int] = {}
        self._global_ids: dict[int, int] = {}
        self._global_objects: list[Global] = []
        self._function_ids: dict[FunctionType, int] = {}
        self._function_queue: list[FunctionType] = []
        self._translating = 0  # struct translations in progress (they nest)
        # `x.field[i] = v` stores: (field, file, line), checked once every struct is known.
        self.element_stores: list[tuple[str, str, int]] = []

    def file_id(self, source: SourceFile) -> int:
        """The id of a model file in the IR `files` array."""
        fid = self._file_ids.get(source.display)
        if fid is None:
            fid = self._file_ids[source.display] = len(self.files)
            self.files.append(source.display)
            self.file_data.append(source.data)
        return fid

    def string_id(self, text: str) -> int:
        """The id of a string constant or field name in the IR `strings` array."""
        sid = self._string_ids.get(text)
        if sid is None:
            sid = self._string_ids[text] = len(self.strings)
            self.strings.append(text)
        return sid

    def struct_id(self, cls: type) -> int:
        """The id of a Struct subclass, translating it (and the structs it names) when new."""
        sid = self._struct_ids.get(cls)
        if sid is not None:
            return sid
        if not is_struct_class(cls):
            raise ModelError(f"{describe(cls)} is not a Struct subclass")
        sid = self._struct_ids[cls] = len(self.structs)
        self.structs.append({})
        outermost = not self._translating
        self._translating += 1
        try:
            self.structs[sid] = translate_struct(self, cls)
        except RecursionError:
            if not outermost:
                raise
            source, node = self.sources.class_def(cls)
            raise ModelError(
                f"struct {cls.__name__} starts a chain of structs (Ref[...] or embedded) too "
                "long for the compiler (Python's recursion limit); shorten it or use plain Ref",
                source.display,
                node.lineno,
            ) from None
        finally:
            self._translating -= 1
        return sid

    def extensions_of(self, cls: type) -> list[type]:
        """The Extension classes adding fields to struct `cls` in this compilation."""
        return self._extensions.get(cls, [])

    def struct_fields(self, cls: type) -> dict[str, Any] | None:
        """The fields of struct `cls` (extensions included) with their evaluated
        annotations, or None when one cannot be evaluated; cached."""
        if cls not in self._fields:
            self._fields[cls] = field_annotations(cls, self.extensions_of)
        return self._fields[cls]

    def global_id(self, glob: Global) -> int:
        """The id of a Global in the IR `globals` array."""
        gid = self._global_ids.get(id(glob))
        if gid is not None:
            return gid
        if not is_struct_class(glob.struct):
            raise declaration_error(
                f"Global({describe(glob.struct)}) needs a Struct subclass: Global(MyStruct)", glob
            )
        entry = {"name": _global_name(glob, len(self.globals)), "struct": 0}
        gid = self._global_ids[id(glob)] = len(self.globals)
        self.globals.append(entry)
        self._global_objects.append(glob)
        entry["struct"] = self.struct_id(glob.struct)
        return gid

    def declared_globals(self) -> list[Global]:
        """Every Global met so far, in id order."""
        return list(self._global_objects)

    def add_function(self, entry: dict[str, Any]) -> int:
        """The id of a function entry built by the compiler itself (no Python source)."""
        self.functions.append(entry)
        return len(self.functions) - 1

    def resolve_function(self, func: object) -> FunctionType:
        """`func` after the variant substitution; it must be a plain Python function."""
        if isinstance(func, FunctionType):
            func = inspect.unwrap(self.substitution.get(func, func))
        if not isinstance(func, FunctionType):
            raise ModelError(f"{describe(func)} is not a model function (a plain def)")
        return func

    def function_id(self, func: object) -> int:
        """The id of a model function (after substitution), queueing it for compilation."""
        return self._queue(self.resolve_function(func))

    def _queue(self, func: FunctionType) -> int:
        """The id of the body of `func` (no substitution), queueing it when new."""
        fid = self._function_ids.get(func)
        if fid is None:
            fid = self._function_ids[func] = len(self.functions)
            self.functions.append({})
            self._function_queue.append(func)
        return fid

    def reference_id(self, caller: FunctionType, func: object) -> int:
        """The id a reference to `func` in the body of `caller` compiles to: `func` itself,
        not its replacement, when `caller` is the variant's replacement of `func` (a wrapper
        calling the function it wraps); else `function_id(func)`."""
        if isinstance(func, FunctionType):
            original = inspect.unwrap(func)
            if original in self._originals.get(caller, ()):
                return self._queue(original)
        return self.function_id(func)

    def note_element_store(self, field: str, file: str, line: int) -> None:
        """Record `x.field[i] = v` at file:line (see `_checks.check_element_stores`)."""
        self.element_stores.append((field, file, line))

    def compiled_functions(self) -> dict[FunctionType, int]:
        """Every function met so far (after substitution) and its id."""
        return dict(self._function_ids)

    def param_count(self, func: FunctionType) -> int:
        """The parameter count of model function `func`, after checking its signature."""
        source, node = self.sources.function_def(func)
        check_signature(node, source)
        return len(node.args.posonlyargs) + len(node.args.args)

    def drain(self) -> None:
        """Compile every queued function, including the ones they reference, in id order."""
        done = 0
        while done < len(self._function_queue):
            func = self._function_queue[done]
            self.functions[self._function_ids[func]] = compile_function(self, func)
            done += 1

    def error(self, message: str, file_id: int, line: int) -> ModelError:
        """A ModelError located in an IR file."""
        return ModelError(message, self.files[file_id], line)


def _global_name(glob: Global, index: int) -> str:
    if glob.name:
        return glob.name
    module = sys.modules.get(glob.module)
    if module is not None:
        for name, value in vars(module).items():
            if value is glob:
                return name
    return f"global{index}"
