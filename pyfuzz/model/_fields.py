"""Static field checks: the struct type of a model expression, where the compiler can know it.

The core resolves field names at run time against the object's actual struct, so a misspelled
field used to surface only when its line ran. `StaticTypes` infers the struct type of each local
of one model function: a parameter annotated with a struct (`def f(d: Dev)` or `d: Ref[Dev]`),
and a local whose every assignment gives one struct type or None: `kzalloc(T, gfp)`,
`container_of(p, T, "f")`, a `Ref[T]` or embedded-struct field of a typed expression, an element
of an `Array[Ref[T], N]` field, a `Global`, another typed local. The inference is
flow-insensitive and sound (a least fixpoint over all assignments of the function): a local
assigned two struct types or a value of unknown type (a call result, an unannotated parameter,
an int) has no type, and its field accesses are left to the run-time check. `field_error`
then rejects `x.name` when the type of `x` is known and has no field `name`, naming the struct
and the closest field names. Type annotations are trusted, as the declared `Ref[T]` field types
are. The fields of a struct come from the compilation's `IdTables`, so the Extension
classes a scenario lists count.
"""

from __future__ import annotations

import ast
import difflib
import typing
from collections.abc import Iterator, Mapping
from types import FunctionType, ModuleType
from typing import Any

import pyfuzz.model as model_language
from pyfuzz.errors import ModelError
from pyfuzz.model._tables import IdTables
from pyfuzz.model._types import is_struct_class
from pyfuzz.model._where import describe, scrub_addresses
from pyfuzz.model.dsl import Global, Ref, _ArrayType, declared_extensions
from pyfuzz.model.prims import Primitive, Sugar


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# What the inference knows about the values a local can hold, from least to most: nothing yet
# (`_PENDING`, where the fixpoint starts), only None (`_NULL`), None or objects of one struct
# type (the Struct subclass), anything (`None`). Every rule is monotone in this order, so the
# iteration from `_PENDING` rises to the least fixpoint.
_PENDING = _Sentinel("pending")
_NULL = _Sentinel("null")
Inferred = Any  # _PENDING | _NULL | a Struct subclass | None

_ALLOCATORS = ("kzalloc", "kmalloc")
_MAX_SHOWN = 40  # characters of an expression quoted in a message


def _join(a: Inferred, b: Inferred) -> Inferred:
    if a is _PENDING or a is _NULL:
        return a if b is _PENDING else b
    if b is _PENDING or b is _NULL:
        return a
    return a if a is b else None


class StaticTypes:
    """The inferred struct types of one model function's locals, and the field checks."""

    def __init__(
        self,
        tables: IdTables,
        func: FunctionType,
        node: ast.FunctionDef,
        file: str,
        local_names: list[str],
        body: list[ast.stmt],
    ) -> None:
        self.tables = tables
        self.namespace: Mapping[str, Any] = func.__globals__
        self.file = file
        self.locals = set(local_names)
        params = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
        declared = func.__annotations__
        initial: dict[str, Inferred] = {name: _NULL for name in local_names}
        for name in params:
            annotation = declared.get(name)
            initial[name] = (
                None if annotation is None else self._annotated(annotation, name, node.lineno)
            )
        self.env = self._fixpoint(initial, dict(self._assignments(body)))

    # -- inference --------------------------------------------------------------------------

    def _assignments(self, body: list[ast.stmt]) -> Iterator[tuple[str, list[Any]]]:
        """(local, [value expression or inferred type, ...]) for every assigned local."""
        found: dict[str, list[Any]] = {}
        for stmt in body:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            found.setdefault(target.id, []).append(node.value)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    annotation = ast.unparse(node.annotation)
                    typed = self._annotated(annotation, node.target.id, node.lineno)
                    value = typed if typed is not None or node.value is None else node.value
                    found.setdefault(node.target.id, []).append(value)
                elif isinstance(node, ast.AugAssign | ast.For) and isinstance(
                    node.target, ast.Name
                ):
                    found.setdefault(node.target.id, []).append(None)
        yield from found.items()

    def _fixpoint(
        self, initial: dict[str, Inferred], assigned: dict[str, list[Any]]
    ) -> dict[str, type]:
        env: dict[str, Inferred] = {name: _PENDING for name in initial}
        for _ in range(3 * len(env) + 2):  # each local rises at most three steps
            new = {}
            for name, start in initial.items():
                inferred = start
                for value in assigned.get(name, ()):
                    kind = self._safe_type_of(value, env) if isinstance(value, ast.AST) else value
                    inferred = _join(inferred, kind)
                new[name] = inferred
            if new == env:
                return {name: kind for name, kind in env.items() if is_struct_class(kind)}
            env = new
        return {}  # unreachable (the iteration is monotone); knowing nothing is always safe

    def _annotated(self, annotation: object, name: str, line: int) -> type | None:
        """The struct type an annotation names (`T` or `Ref[T]`), or None for other types."""
        value = self._evaluate(annotation, name, line)
        if typing.get_origin(value) is Ref:
            args = typing.get_args(value)
            value = self._evaluate(args[0], name, line) if len(args) == 1 else None
        return value if is_struct_class(value) else None  # type: ignore[return-value]

    def _evaluate(self, annotation: object, name: str, line: int) -> object:
        if isinstance(annotation, typing.ForwardRef):
            annotation = annotation.__forward_arg__
        if not isinstance(annotation, str):
            return annotation
        namespace = {**vars(model_language), **self.namespace}
        try:
            return eval(annotation, namespace)  # the model's own annotation text
        except Exception as exc:  # any failure: an unusable annotation
            text = scrub_addresses(f"{type(exc).__name__}: {exc}")
            raise ModelError(
                f"the annotation {describe(annotation)} of '{name}' cannot be resolved ({text}); "
                "annotate with a Struct subclass or Ref[T]",
                self.file,
                line,
            ) from None

    def _safe_type_of(self, node: ast.AST, env: Mapping[str, Inferred]) -> Inferred:
        """`_type_of`, or unknown for an expression too deep to walk (compiling it will say)."""
        try:
            return self._type_of(node, env)
        except RecursionError:
            return None

    def _type_of(self, node: ast.AST, env: Mapping[str, Inferred]) -> Inferred:
        if isinstance(node, ast.Name):
            if node.id in self.locals:
                return env.get(node.id)
            value = self.namespace.get(node.id)
            if isinstance(value, Global) and is_struct_class(value.struct):
                return value.struct
            return None
        if isinstance(node, ast.Constant):
            return _NULL if node.value is None else None
        if isinstance(node, ast.Attribute):
            base = node.value
            local = isinstance(base, ast.Name) and base.id in self.locals
            module = self.namespace.get(base.id) if isinstance(base, ast.Name) else None
            if isinstance(module, ModuleType) and not local:
                value = getattr(module, node.attr, None)  # mycore.core: a Global's struct
                return value.struct if isinstance(value, Global) else None
            return self._member(node.value, node.attr, env, element=False)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            return self._member(node.value.value, node.value.attr, env, element=True)
        if isinstance(node, ast.Call):
            return self._call_type(node)
        if isinstance(node, ast.IfExp):
            return _join(self._type_of(node.body, env), self._type_of(node.orelse, env))
        if isinstance(node, ast.BoolOp):
            kind: Inferred = _PENDING
            for value in node.values:
                kind = _join(kind, self._type_of(value, env))
            return kind
        return None

    def _member(
        self, base: ast.expr, name: str, env: Mapping[str, Inferred], *, element: bool
    ) -> Inferred:
        """The type of `base.name` (or of an element `base.name[i]`)."""
        owner = self._type_of(base, env)
        if owner is _PENDING or owner is _NULL:
            return _PENDING  # no value: there is no object yet, or a NULL dereference
        fields = self.tables.struct_fields(owner) if is_struct_class(owner) else None
        annotation = fields.get(name) if fields else None
        if element:
            spec = annotation.spec if isinstance(annotation, _ArrayType) else None
            annotation = spec[0] if isinstance(spec, tuple) and len(spec) == 2 else None
        elif isinstance(annotation, _ArrayType):
            return None
        if is_struct_class(annotation):
            return annotation
        if typing.get_origin(annotation) is Ref:
            args = typing.get_args(annotation)
            target = args[0] if len(args) == 1 else None
            return target if is_struct_class(target) else None
        return None

    def _call_type(self, node: ast.Call) -> Inferred:
        callee = node.func
        if not isinstance(callee, ast.Name) or callee.id in self.locals:
            return None
        target = self.namespace.get(callee.id)
        if isinstance(target, Sugar) and target.name in _ALLOCATORS and len(node.args) == 2:
            return self._struct_name(node.args[0])
        if isinstance(target, Primitive) and target.name == "container_of":
            return self._struct_name(node.args[1]) if len(node.args) == 3 else None
        return None

    def _struct_name(self, node: ast.expr) -> type | None:
        if isinstance(node, ast.Name) and node.id not in self.locals:
            value = self.namespace.get(node.id)
            if is_struct_class(value):
                return value  # type: ignore[return-value]
        return None

    # -- checks -----------------------------------------------------------------------------

    def struct_of(self, node: ast.expr) -> type | None:
        """The struct type of expression `node`, when it is known."""
        kind = self._safe_type_of(node, self.env)
        return kind if is_struct_class(kind) else None

    def field_error(self, node: ast.Attribute) -> str | None:
        """Why `node` (`x.name`) names no field of the known struct type of `x`, or None."""
        owner = self.struct_of(node.value)
        if owner is None:
            return None
        shown = ast.unparse(node)
        context = f" in {shown}" if len(shown) <= _MAX_SHOWN else ""
        return missing_field(self.tables, owner, node.attr, context)


def missing_field(tables: IdTables, owner: type, name: str, context: str = "") -> str | None:
    """The error for struct `owner` lacking field `name` (None if it has it or is unknown);
    `context` follows the field name (" in dev.lock")."""
    fields = tables.struct_fields(owner)
    if fields is None or name in fields:
        return None
    close = difflib.get_close_matches(name, list(fields), n=1)
    unlisted = _unlisted_extension(tables, owner, name)
    if unlisted:
        hint = unlisted
    elif close:
        hint = f"did you mean '{close[0]}'?"
    elif fields:
        hint = f"its fields are: {', '.join(fields)}"
    else:
        hint = "it has no fields"
    return f"struct {owner.__name__} has no field '{name}'{context}; {hint}"


def _unlisted_extension(tables: IdTables, owner: type, name: str) -> str | None:
    """The hint for a field an Extension of `owner` declares but the scenario does not list."""
    active = set(tables.extensions_of(owner))
    for extension in sorted(declared_extensions(), key=lambda e: e.__qualname__):
        if (
            extension.extends in owner.__mro__
            and extension not in active
            and name in getattr(extension, "__annotations__", {})
        ):
            return (
                f"extension {extension.__name__} adds it: list it in the scenario's "
                f"extensions=[...]"
            )
    return None
