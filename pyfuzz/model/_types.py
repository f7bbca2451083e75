"""Struct translation: a `Struct` subclass and its field annotations to an IR struct entry.

Fields are the class annotations in declaration order, base-class Struct fields first. String
annotations (from `from __future__ import annotations` in the model file) are evaluated in the
declaring module with the model-language names available. Each annotation maps to one IR field
TYPE of docs/ir.md; anything else, or more fields than the core's limit, is a `ModelError` at
the struct's line. The ids of the structs a field names come from the `IdTables` of the
compilation; embedding cycles are rejected later, once every struct is known (`_checks`).
`field_annotations` gives the evaluated annotations alone, for the static field checks. The
`Extension` classes a scenario lists add their fields to the struct they extend, after the
struct's own (`declaring_classes`); a name clash is an error at the extension's line.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from typing import Any

import pyfuzz.model as model_language
from pyfuzz._core import LIMITS
from pyfuzz.errors import ModelError
from pyfuzz.model._tables import IdTables
from pyfuzz.model._where import describe, scrub_addresses
from pyfuzz.model.dsl import Func, Ref, Struct, _ArrayType, _Marker

MAX_ARRAY_LEN: int = LIMITS["max_array_len"]  # the core's limit (rust/limits.rs)
# Fields per struct: the IR loader's limit (rust/ir/load.rs), not yet in `_core.LIMITS`.
MAX_FIELDS: int = LIMITS.get("max_fields", 4096)

SUPPORTED_TYPES = (
    "supported: int, bool, Func, Ref[T], Ref, Mutex, Spinlock, RwSem, Completion, WaitQueue, "
    "ListHead, Kref, Work, DelayedWork, an embedded Struct subclass, "
    "Array[int | Ref[T] | Func, N], Array[P, N] of an embedded primitive P (Mutex, Work, ...)"
)
ARRAY_USAGE = (
    "arrays hold int, Ref[T], Func or an embedded primitive (Mutex, Spinlock, RwSem, "
    "Completion, WaitQueue, ListHead, Kref, Work, DelayedWork)"
)


class _FieldError(Exception):
    """An unsupported field annotation; becomes a ModelError at the struct's line."""


def is_struct_class(obj: object) -> bool:
    """True for a proper Struct subclass (not Struct itself)."""
    return isinstance(obj, type) and issubclass(obj, Struct) and obj is not Struct


def translate_struct(tables: IdTables, cls: type) -> dict[str, Any]:
    """The IR entry of struct `cls`; registers the structs its fields name."""
    source, node = tables.sources.class_def(cls)
    file_id = tables.file_id(source)
    fields: list[dict[str, Any]] = []
    declared_by: dict[str, type] = {}
    for klass in declaring_classes(cls, tables.extensions_of):
        extension = not issubclass(klass, Struct)
        for name, annotation in inspect.get_annotations(klass).items():
            try:
                resolved = _evaluate(annotation, klass)
                if typing.get_origin(resolved) is typing.ClassVar:
                    continue
                if name in declared_by:
                    raise _FieldError(_clash(name, declared_by[name], extension))
                if name in vars(klass):
                    raise _FieldError(
                        "has a default value; fields start zeroed (0, None) when allocated, "
                        "so declare it without one and set it after kzalloc"
                    )
                ir_type = field_type(tables, resolved)
            except _FieldError as exc:
                raise _field_error(tables, cls, klass, name, exc, (source, node)) from None
            declared_by[name] = klass
            fields.append({"name": name, "type": ir_type})
    if len(fields) > MAX_FIELDS:
        raise ModelError(
            f"struct {cls.__name__} has {len(fields)} fields; at most {MAX_FIELDS} are supported "
            "(use an Array field for many values of one type)",
            source.display,
            node.lineno,
        )
    return {"name": cls.__name__, "file": file_id, "line": node.lineno, "fields": fields}


def declaring_classes(cls: type, extensions_of: Callable[[type], list[type]]) -> list[type]:
    """The classes whose annotations are the fields of struct `cls`, in field order: each
    Struct of its bases (outermost first), each followed by the extensions of that struct."""
    classes: list[type] = []
    for klass in reversed(cls.__mro__):
        if issubclass(klass, Struct) and klass is not Struct:
            classes.append(klass)
            classes.extend(extensions_of(klass))
    return classes


def _clash(name: str, first: type, extension: bool) -> str:
    if not extension:
        return "is declared twice (a base struct already has it)"
    if issubclass(first, Struct):
        return f"clashes with field '{name}' of struct {first.__name__}"
    return f"clashes with field '{name}' that extension {first.__name__} adds"


def _field_error(
    tables: IdTables,
    cls: type,
    klass: type,
    name: str,
    exc: _FieldError,
    struct_def: tuple[Any, Any],
) -> ModelError:
    """The error for field `name` declared by `klass` (the struct or an extension of it)."""
    if issubclass(klass, Struct):
        source, node = struct_def
        return ModelError(
            f"field '{name}' of struct {cls.__name__} {exc}", source.display, node.lineno
        )
    source, node = tables.sources.class_def(klass)
    return ModelError(
        f"field '{name}' that extension {klass.__name__} adds to struct {cls.__name__} {exc}",
        source.display,
        node.lineno,
    )


def field_annotations(
    cls: type, extensions_of: Callable[[type], list[type]] = lambda _: []
) -> dict[str, Any] | None:
    """The evaluated annotation of each field of struct `cls` (base structs first, each with
    its extensions), or None when one cannot be evaluated (`translate_struct` reports that
    when the struct is used)."""
    fields: dict[str, Any] = {}
    for klass in declaring_classes(cls, extensions_of):
        for name, annotation in inspect.get_annotations(klass).items():
            try:
                resolved = _evaluate(annotation, klass)
            except _FieldError:
                return None
            if typing.get_origin(resolved) is typing.ClassVar:
                continue
            if name in fields and not issubclass(klass, Struct):
                return None  # an extension's clash: `translate_struct` reports it
            fields.setdefault(name, resolved)
    return fields


def field_type(tables: IdTables, annotation: Any) -> Any:
    """The IR TYPE of one (evaluated) field annotation."""
    if annotation is int or annotation is bool:
        return "int"
    if annotation is Ref or typing.get_origin(annotation) is Ref:
        return {"ref": _ref_target(tables, annotation)}
    if isinstance(annotation, type) and issubclass(annotation, _Marker) and annotation.ir_type:
        return annotation.ir_type
    if isinstance(annotation, type) and issubclass(annotation, Struct):
        if annotation is Struct:
            raise _FieldError("cannot embed the Struct base class; embed a Struct subclass")
        return {"embed": tables.struct_id(annotation)}
    if isinstance(annotation, _ArrayType):
        return _array_type(tables, annotation)
    raise _FieldError(f"has unsupported type {_describe(annotation)}; {SUPPORTED_TYPES}")


def _ref_target(tables: IdTables, annotation: Any) -> int | None:
    if annotation is Ref:
        return None
    args = typing.get_args(annotation)
    target = args[0] if len(args) == 1 else None
    if isinstance(target, typing.ForwardRef):
        raise _FieldError(f"names an unknown struct in Ref[{target.__forward_arg__!r}]")
    if target is Struct:
        return None
    if isinstance(target, type) and issubclass(target, Struct):
        return tables.struct_id(target)
    raise _FieldError(f"has Ref[{_describe(target)}]; Ref needs a Struct subclass")


def _array_type(tables: IdTables, annotation: _ArrayType) -> dict[str, Any]:
    spec = annotation.spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise _FieldError(
            "has a malformed Array; write Array[int, N], Array[Ref[T], N], Array[Func, N] or "
            "Array[Mutex, N] (any embedded primitive)"
        )
    element: Any = spec[0]
    length: Any = spec[1]
    if element is int or element is bool:
        kind = "int"
    elif element is Func:
        kind = "func"
    elif element is Ref or typing.get_origin(element) is Ref:
        _ref_target(tables, element)
        kind = "ref"
    elif isinstance(element, type) and issubclass(element, _Marker) and element.ir_type:
        kind = element.ir_type  # one embedded primitive per element: `struct mutex locks[4]`
    else:
        raise _FieldError(f"has Array elements of type {_describe(element)}; {ARRAY_USAGE}")
    if isinstance(length, bool) or not isinstance(length, int):
        raise _FieldError(
            f"has Array length {describe(length)}; the length must be an int constant"
        )
    if not 1 <= length <= MAX_ARRAY_LEN:
        raise _FieldError(f"has Array length {length}; it must be in 1..{MAX_ARRAY_LEN}")
    return {"array": kind, "len": length}


def _evaluate(annotation: Any, klass: type) -> Any:
    """Resolve string annotations and forward references in the declaring module."""
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if not isinstance(annotation, str):
        if typing.get_origin(annotation) is Ref:
            return Ref[_evaluate(typing.get_args(annotation)[0], klass)]  # type: ignore[misc]
        if isinstance(annotation, _ArrayType) and isinstance(annotation.spec, tuple):
            return _ArrayType(tuple(_evaluate(part, klass) for part in annotation.spec))
        return annotation
    module = sys.modules.get(klass.__module__)
    namespace = {**vars(model_language), **(vars(module) if module else {})}
    namespace.setdefault(klass.__name__, klass)
    try:
        value = eval(annotation, namespace)  # the model's own annotation text
    except Exception as exc:  # any failure: unusable annotation
        raise _FieldError(
            f"has an annotation {describe(annotation)} that cannot be resolved: "
            f"{scrub_addresses(str(exc))}"
        ) from None
    return _evaluate(value, klass)


def _describe(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return describe(annotation)
