"""The pyfuzz model language: `from pyfuzz.model import *` in a model file.

Re-exports the declarations (`Struct`, `Extension`, field types, `Global`, `Actor`, `Thread`,
`Action`, `Scenario`, `infra`), the primitives and compiler sugar, and the kernel constants. The
compiler lives in `pyfuzz.model.compiler` and the file loader in `pyfuzz.model.loader`.
"""

from __future__ import annotations

from pyfuzz.model.dsl import (
    Action,
    Actor,
    Array,
    Completion,
    DelayedWork,
    Extension,
    Func,
    Global,
    Kref,
    ListHead,
    Mutex,
    Ref,
    RwSem,
    Scenario,
    Spinlock,
    Struct,
    Thread,
    WaitQueue,
    Work,
    infra,
)
from pyfuzz.model.prims import CONSTANTS, PRIMITIVES, SUGAR

globals().update(PRIMITIVES)
globals().update(SUGAR)
globals().update(CONSTANTS)

__all__ = [
    "Action",
    "Actor",
    "Array",
    "Completion",
    "DelayedWork",
    "Extension",
    "Func",
    "Global",
    "Kref",
    "ListHead",
    "Mutex",
    "Ref",
    "RwSem",
    "Scenario",
    "Spinlock",
    "Struct",
    "Thread",
    "WaitQueue",
    "Work",
    "infra",
    *PRIMITIVES,
    *SUGAR,
    *CONSTANTS,
]
