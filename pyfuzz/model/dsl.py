"""Declarations of the model language: structs, field types, globals, actors, scenarios.

A model file is ordinary Python that imports `from pyfuzz.model import *`, declares structs as
`Struct` subclasses with annotated fields, model functions as plain `def`s, and one or more
`Scenario` objects. Importing the file only builds these declarations; the compiler
(`pyfuzz.model.compiler`) then reads the functions' source with `ast` and translates it to IR.
Model functions are never executed by Python: calling a primitive stub from plain Python
raises `ModelError`. Each `Global`, `Action`, `Actor` and `Scenario` remembers where it was
declared (`declared`: the file and line of the first caller outside this module), so that the
compiler's checks of a declaration name its file:line.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")

ModelFunction = Callable[..., Any]

# A declaration's source location: (file name as Python knows it, line); ("", 0) if unknown.
Location = tuple[str, int]
_NOWHERE: Location = ("", 0)


# The standard library's directory (installed packages under it excluded below).
_STDLIB = os.path.dirname(os.__file__) + os.sep


def _declared_at() -> Location:
    """The file and line of the innermost caller outside this module, the standard library
    (`dataclasses.replace`) and generated code (a dataclass `__init__`): where the declaration
    being built is written."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        library = filename.startswith(_STDLIB) and "-packages" not in filename
        here = frame.f_globals.get("__name__") == __name__
        if not (here or library or filename.startswith("<")):
            return filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return _NOWHERE


class Struct:
    """Base class of model structs. Fields are the class annotations, in declaration order.

    Field annotations: `int`, `bool`, `Func`, `Ref[T]` (or `Ref` for a pointer to anything),
    `Mutex`, `Spinlock`, `RwSem`, `Completion`, `WaitQueue`, `ListHead`, `Kref`, `Work`,
    `DelayedWork`,
    another `Struct` subclass (embedded, like `struct device dev;` in C) and `Array[int, N]`,
    `Array[Ref[T], N]`, `Array[Func, N]` or an array of embedded primitives (`Array[Mutex, N]`,
    `Array[Work, N]`, ...: each element its own object).
    """

    __pyfuzz_struct__: ClassVar[bool] = True


class Extension:
    """Fields a model adds to a library struct for the subsystem it models.

    `class mydrv_pci_dev(Extension, extends=pci_dev):` with annotated fields, as a `Struct`
    has, then `Scenario(..., extensions=[mydrv_pci_dev])`: in that scenario's compilation
    struct `pci_dev` (and every struct derived from it) also has these fields, after its own.
    A field name the struct (or another extension of it) already has is a compile error.
    """

    extends: ClassVar[type | None] = None

    def __init_subclass__(cls, extends: type | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.extends = extends
        _EXTENSIONS.add(cls)


# Every Extension subclass alive, to name the one a model forgot to list in `extensions`.
_EXTENSIONS: weakref.WeakSet[type] = weakref.WeakSet()


def declared_extensions() -> list[type]:
    """Every Extension subclass declared so far (that is still alive)."""
    return list(_EXTENSIONS)


class _Marker:
    """A field type with no Python-side behaviour (the compiler reads the annotation)."""

    ir_type: ClassVar[str] = ""


class Mutex(_Marker):
    """`struct mutex`: sleeping, owner-tracked, not recursive."""

    ir_type = "mutex"


class Spinlock(_Marker):
    """`spinlock_t`: taking it makes the context atomic."""

    ir_type = "spinlock"


class RwSem(_Marker):
    """`struct rw_semaphore`."""

    ir_type = "rwsem"


class Completion(_Marker):
    """`struct completion`."""

    ir_type = "completion"


class WaitQueue(_Marker):
    """`wait_queue_head_t`."""

    ir_type = "waitqueue"


class ListHead(_Marker):
    """`struct list_head`, used both as a list head and as a list node."""

    ir_type = "list"


class Kref(_Marker):
    """`struct kref` (a refcount_t with a release function)."""

    ir_type = "kref"


class Work(_Marker):
    """`struct work_struct`: run by a worker in work context after `schedule_work`."""

    ir_type = "work"


class DelayedWork(_Marker):
    """`struct delayed_work`: a work item (the same IR object) set up with
    `init_delayed_work` and queued by `schedule_delayed_work` after a timer."""

    ir_type = "work"


class Func(_Marker):
    """A function pointer field (callbacks, release functions, handlers)."""

    ir_type = "func"


class Ref(Generic[T]):
    """`Ref[T]`: a pointer to a `T` (a Struct subclass); plain `Ref` points to anything."""


class Array:
    """`Array[int, N]`, `Array[Ref[T], N]`, `Array[Func, N]`, `Array[Mutex, N]` (any embedded
    primitive): a fixed-size embedded array."""

    def __class_getitem__(cls, item: Any) -> Any:
        return _ArrayType(item)


@dataclass(frozen=True)
class _ArrayType:
    spec: Any


@dataclass(frozen=True, eq=False)
class Global:
    """A statically allocated object of a Struct type, shared by every thread.

    `acct = Global(Account)` at module level; model functions name it directly (`acct.lock`).
    The IR name is `name`, or else the module-level variable that holds the Global in the
    module that created it (`module`, recorded automatically). `init` gives initial field
    values, as C's `static struct account acct = { .balance = 100 };`: a dict from field name
    to an int or bool, None, a model function (a `Func` field), another `Global` (a `Ref`
    field), a dict (an embedded struct's fields) or a list (an array's first elements);
    fields not named start zeroed.
    """

    struct: type
    name: str = ""
    init: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    module: str = field(default="", compare=False, repr=False)
    declared: Location = field(default=_NOWHERE, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared", _declared_at())
        if not self.module:
            # Frames: __post_init__ <- the dataclass __init__ <- the declaring module.
            caller = sys._getframe(2).f_globals.get("__name__", "")
            object.__setattr__(self, "module", caller)


@dataclass(frozen=True)
class Action:
    """One action in an actor's alphabet: a model function and constant arguments.

    Arguments may be ints, bools, None, `Global` objects, model functions or strings.
    """

    func: ModelFunction
    args: tuple[Any, ...] = ()
    name: str = ""
    declared: Location = field(default=_NOWHERE, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared", _declared_at())

    @property
    def label(self) -> str:
        return self.name or getattr(self.func, "__name__", "") or "action"


CONTEXTS = ("process", "hardirq", "softirq", "work")


@dataclass(frozen=True)
class Actor:
    """A concurrent context the scheduler may run: an alphabet of actions and a bound.

    The workload picks, per run, whether an `optional` actor runs, how many actions it performs
    (`min..max`) and which; `default` lists the action indices of the default workload used by
    `pyfuzz verify`. `daemon` marks hardware models and service loops that may stay blocked
    at the end of a run without being reported.
    """

    name: str
    actions: Sequence[Action]
    default: Sequence[int] = (0,)
    min: int = 1
    max: int = 1
    optional: bool = False
    context: str = "process"
    daemon: bool = False
    declared: Location = field(default=_NOWHERE, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared", _declared_at())


def Thread(  # noqa: N802 - reads like a declaration, as Actor does
    func: ModelFunction,
    *args: Any,
    name: str = "",
    context: str = "process",
    daemon: bool = False,
) -> Actor:
    """A plain thread that runs `func(*args)` once."""
    return Actor(
        name=name or getattr(func, "__name__", "") or "thread",
        actions=(Action(func, tuple(args)),),
        context=context,
        daemon=daemon,
    )


Variant = Mapping[ModelFunction, ModelFunction]


@dataclass(frozen=True)
class Scenario:
    """A model to fuzz: actors (and plain threads), boot functions, variants, expectations.

    `variants` maps a variant name to a substitution {function: replacement} applied when the
    model is compiled: every call to, or reference of, `function` uses `replacement` instead.
    All variants share the same actors, so a fixed variant is clean because of its code.
    `expect` maps a variant name to the expected finding title prefix (e.g. "possible
    deadlock") or the word "clean"; `pyfuzz list` shows it and the tests assert it.
    `config` holds kernel configuration switches, e.g. {"lockdep": False}. `extensions`
    lists the `Extension` classes whose fields library structs have in this scenario.
    """

    name: str
    actors: Sequence[Actor]
    boot: Sequence[ModelFunction] = ()
    variants: Mapping[str, Variant] = field(default_factory=dict)
    default_variant: str = ""
    expect: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)
    extensions: Sequence[type] = ()
    declared: Location = field(default=_NOWHERE, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared", _declared_at())

    def variant_names(self) -> list[str]:
        return list(self.variants) if self.variants else [""]


def infra(func: ModelFunction) -> ModelFunction:
    """Mark a model function as infrastructure: finding titles skip it (lock wrappers etc.)."""
    func.__pyfuzz_infra__ = True  # type: ignore[attr-defined]
    return func
