"""Names a model function may call: kernel primitives, compiler sugar and kernel constants.

Each primitive is a `Primitive` stub built from the Rust core's table (`_core.PRIMITIVES`): the
compiler recognises it by identity and emits `["prim", d, name, args]` (see docs/ir.md); calling
it from plain Python is an error, because model code only runs inside the Rust core. `SUGAR`
names (`kzalloc`, `wait_event`, ...) are translated by the compiler into several IR instructions.
"""

from __future__ import annotations

from typing import Any, NoReturn

from pyfuzz import _core


class Primitive:
    """A kernel primitive implemented in the Rust core; `arity` is its argument count, `reach`
    how far its effect reaches ("local", "args" or "global"), `family` the Rust module that
    implements it, `doc` its one-line description (all from `_core.PRIMITIVES`)."""

    def __init__(
        self, name: str, arity: int, reach: str = "", family: str = "", doc: str = ""
    ) -> None:
        self.name = name
        self.arity = arity
        self.reach = reach
        self.family = family
        self.doc = doc

    def __call__(self, *args: Any) -> NoReturn:
        from pyfuzz.errors import ModelError

        raise ModelError(f"{self.name}() is a pyfuzz model primitive and only runs in the engine")

    def __repr__(self) -> str:
        return f"<pyfuzz primitive {self.name}/{self.arity}>"


# name -> argument count, from the Rust core's primitive table (rust/prims/table.rs), the one
# place primitives are declared.
PRIMITIVE_ARITY: dict[str, int] = {name: arity for name, arity, *_ in _core.PRIMITIVES}

PRIMITIVES: dict[str, Primitive] = {entry[0]: Primitive(*entry) for entry in _core.PRIMITIVES}
globals().update(PRIMITIVES)


class Sugar:
    """A name the compiler expands into several IR instructions (see the compiler)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any) -> NoReturn:
        from pyfuzz.errors import ModelError

        raise ModelError(f"{self.name}() is pyfuzz model syntax and only runs in the engine")

    def __repr__(self) -> str:
        return f"<pyfuzz model syntax {self.name}>"


# kzalloc(T, gfp) / kmalloc(T, gfp): allocate a struct T.
# wait_event(wq, cond) / wait_event_interruptible(wq, cond) / wait_event_timeout(wq, cond, t):
#   `cond` is an expression, re-evaluated after every wake-up, exactly as in C.
# container_of(ptr, T, "field"): T and the field name are accepted for readability and ignored.
SUGAR: dict[str, Sugar] = {
    n: Sugar(n)
    for n in (
        "kzalloc",
        "kmalloc",
        "wait_event",
        "wait_event_interruptible",
        "wait_event_timeout",
    )
}
globals().update(SUGAR)

# Kernel constants (values as in the kernel headers).
GFP_KERNEL = 0xCC0
GFP_ATOMIC = 0x820
GFP_NOWAIT = 0x800
__GFP_DIRECT_RECLAIM = 0x400

EPERM = 1
ENOENT = 2
EINTR = 4
EIO = 5
ENXIO = 6
EAGAIN = 11
ENOMEM = 12
EBUSY = 16
ENODEV = 19
EINVAL = 22
ENOSPC = 28
ERESTARTSYS = 512
EPROBE_DEFER = 517

IRQ_NONE = 0
IRQ_HANDLED = 1

CONSTANTS: dict[str, int] = {
    name: value
    for name, value in dict(globals()).items()
    if isinstance(value, int) and not name.startswith("_") or name == "__GFP_DIRECT_RECLAIM"
}
