"""Fault injection at compile time: the scenario's (or the command line's) switch resolved into
the IR's fault table (`config.fault_injection`, docs/ir.md "Fault injection").

A failable call is a call the driver makes into the kernel, as the kernel's fail-nth counts
them: in the driver's own files (every model file outside `pyfuzz/kernel/`), a `kzalloc`
(the `alloc` instruction; it returns NULL), a call of one of the kernel library functions
in `FAILABLE` (it returns the listed error without running), or of a primitive in
`FAILABLE_PRIMITIVES` (kthread_run: ERR_PTR(-ENOMEM), or ERR_PTR(-EINTR) under a fatal
signal). Calls the kernel library makes internally are not failable: the library's own
allocations are modelling shortcuts that do not check for NULL, and the library functions a
driver calls already fail as a whole. Five classes switch the calls on: `alloc`, `irq`, `msi`,
`defer` (probe deferral: a resource lookup returns -EPROBE_DEFER, and the driver core
re-probes the device later, see pyfuzz/kernel/base_dd.py) and `signal` (a fatal signal ends
a killable wait); `True` means all of them.

Managed allocators (`MANAGED_ALLOCATORS`): the model cannot pass a type to a function, so a
driver writes `devm_kzalloc(dev, kzalloc(T, gfp))`, and that inner kzalloc is the one allocation
the kernel's devm_kmalloc makes (alloc_dr -> kmalloc_node_track_caller). Such a kzalloc, an
`alloc` instruction whose result goes straight into a call of the allocator, is listed in the
table's `allocs`: it is counted and failed as any kzalloc (nothing is allocated, the allocator
returns NULL), but named `devm_kzalloc <T>` with the kernel's frames, as fail_nth's report
shows it. Failing the wrapper call itself would drop an object already allocated, a leak the
kernel never has.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import FunctionType
from typing import Any

from pyfuzz.errors import ScenarioError

# Every class, in the order they are listed and stored.
FAULT_CLASSES: tuple[str, ...] = ("alloc", "irq", "msi", "defer", "signal")

_EINTR = -4
_ENOMEM = -12
_ENOSPC = -28
_EPROBE_DEFER = -517

# (module, function, class, the value a failed call returns, the kernel fault attribute):
# the kernel library functions a driver call of which may fail. request_irq and the devres
# allocations fail in the kernel because their kzalloc/kmalloc does (failslab, -ENOMEM or
# NULL); pci_alloc_irq_vectors fails with -ENOSPC when the vectors cannot be allocated,
# injected at the function's entry as fail_function does. The `defer` class makes the IRQ
# lookups of a platform driver return -EPROBE_DEFER, as of_irq_get() does while the interrupt
# controller's driver has not probed yet; the kernel has no fault attribute for that, so it is
# reported under fail_function (an error return injected at the function's entry).
FAILABLE: tuple[tuple[str, str, str, int | None, str], ...] = (
    ("pyfuzz.kernel.base_devres", "devres_alloc", "alloc", None, "failslab"),
    ("pyfuzz.kernel.base_devres", "devm_add_action", "alloc", _ENOMEM, "failslab"),
    # lib/devres.c __devm_ioremap(): devres_alloc_node() fails, NULL; devm_ioremap_resource
    # then returns ERR_PTR(-ENOMEM) (None in the library, as its other ERR_PTRs)
    ("pyfuzz.kernel.base_devres", "devm_ioremap", "alloc", None, "failslab"),
    ("pyfuzz.kernel.base_platform", "devm_ioremap_resource", "alloc", None, "failslab"),
    ("pyfuzz.kernel.base_platform", "devm_platform_ioremap_resource", "alloc", None, "failslab"),
    ("pyfuzz.kernel.irq_manage", "request_irq", "irq", _ENOMEM, "failslab"),
    ("pyfuzz.kernel.irq_manage", "request_threaded_irq", "irq", _ENOMEM, "failslab"),
    ("pyfuzz.kernel.irq_devres", "devm_request_irq", "irq", _ENOMEM, "failslab"),
    ("pyfuzz.kernel.irq_devres", "devm_request_threaded_irq", "irq", _ENOMEM, "failslab"),
    ("pyfuzz.kernel.pci_msi", "pci_alloc_irq_vectors", "msi", _ENOSPC, "fail_function"),
    ("pyfuzz.kernel.base_platform", "platform_get_irq", "defer", _EPROBE_DEFER, "fail_function"),
    (
        "pyfuzz.kernel.base_platform",
        "platform_get_irq_optional",
        "defer",
        _EPROBE_DEFER,
        "fail_function",
    ),
)

# (module, function, the kernel frames between should_failslab and the driver, innermost
# first): the managed allocators whose last argument is the driver's kzalloc. devm_kzalloc is
# a static inline in include/linux/device/devres.h calling devm_kmalloc(dev, size, gfp |
# __GFP_ZERO); devm_kmalloc's alloc_dr() is __always_inline, its kmalloc_node_track_caller
# is __kmalloc_node_track_caller_noprof since the allocation-profiling rename (6.10).
# [V drivers/base/devres.c, include/linux/slab.h 6.12]
MANAGED_ALLOCATORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "pyfuzz.kernel.base_devres",
        "devm_kzalloc",
        ("__kmalloc_node_track_caller_noprof", "devm_kmalloc"),
    ),
    (
        "pyfuzz.kernel.base_devres",
        "devm_kmalloc",
        ("__kmalloc_node_track_caller_noprof", "devm_kmalloc"),
    ),
)

# (primitive, class, the value a failed call returns, attribute, kernel frames between
# should_failslab and the driver, innermost first): primitives a driver call of which may
# fail, each failable point of one call in the order the kernel reaches them. kthread_run is a
# macro for kthread_create_on_node + wake_up_process; its __kthread_create_on_node kmalloc()s
# the creation request first and returns ERR_PTR(-ENOMEM) when that fails, then waits for
# kthreadd in wait_for_completion_killable() and returns ERR_PTR(-EINTR) when a fatal signal
# (SIGKILL, or any signal whose default action kills the task: a Ctrl-C on modprobe) ends the
# wait first (the `signal` class, not a fault attribute: the kernel logs nothing).
# [V kernel/kthread.c 6.12]
FAILABLE_PRIMITIVES: tuple[tuple[str, str, int, str, tuple[str, ...]], ...] = (
    (
        "kthread_run",
        "alloc",
        _ENOMEM,
        "failslab",
        ("__kmalloc_cache_noprof", "__kthread_create_on_node", "kthread_create_on_node"),
    ),
    (
        "kthread_run",
        "signal",
        _EINTR,
        "signal",
        ("wait_for_completion_killable", "__kthread_create_on_node", "kthread_create_on_node"),
    ),
)

_LIBRARY = "pyfuzz.kernel"


def fault_classes(value: object) -> tuple[str, ...]:
    """The classes a `fault_injection` setting switches on (in `FAULT_CLASSES` order).

    `True`/`"all"` is every class, `False`/`None`/empty is none, a list (or a comma-separated
    string) names classes.

    Raises:
        ScenarioError: an unknown class or a value of another type.
    """
    if value is None or value is False:
        return ()
    if value is True or value == "all":
        return FAULT_CLASSES
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(
            f"fault_injection must be True, False or a list of classes ({', '.join(FAULT_CLASSES)})"
        )
    unknown = sorted(set(value) - set(FAULT_CLASSES))
    if unknown:
        raise ScenarioError(
            f"unknown fault injection class {unknown[0]!r}; the classes are "
            f"{', '.join(FAULT_CLASSES)}"
        )
    return tuple(c for c in FAULT_CLASSES if c in value)


def fault_table(
    classes: Sequence[str], functions: dict[FunctionType, int], ir_functions: list[dict[str, Any]]
) -> dict[str, Any]:
    """The IR fault table for `classes`, given the compiled functions (function -> id) and
    their IR entries."""
    import importlib

    driver_files = sorted(
        {
            ir_functions[fid]["file"]
            for func, fid in functions.items()
            if not func.__module__.startswith(_LIBRARY)
        }
    )
    calls = []
    for module, name, cls, ret, attr in FAILABLE:
        if cls not in classes:
            continue
        func = getattr(importlib.import_module(module), name)
        fid = functions.get(func)
        if fid is not None:
            value = None if ret is None else {"int": ret}
            calls.append({"func": fid, "ret": value, "attr": attr})
    calls.sort(key=lambda c: c["func"])
    table: dict[str, Any] = {"alloc": "alloc" in classes, "driver_files": driver_files}
    table["calls"] = calls
    prims = [
        {"name": name, "ret": {"int": ret}, "attr": attr, "frames": list(frames)}
        for name, cls, ret, attr, frames in FAILABLE_PRIMITIVES
        if cls in classes
    ]
    if prims:
        table["prims"] = prims
    if "alloc" in classes:
        allocs = _managed_alloc_sites(functions, ir_functions)
        if allocs:
            table["allocs"] = allocs
    return table


def _managed_alloc_sites(
    functions: dict[FunctionType, int], ir_functions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The driver `alloc` instructions that are a managed allocator's allocation: the
    compiled form of `devm_kzalloc(dev, kzalloc(T, gfp))` is the `alloc` into a temporary
    immediately followed by the call whose last argument is that temporary."""
    import importlib

    allocators: dict[int, tuple[str, tuple[str, ...]]] = {}
    for module, name, frames in MANAGED_ALLOCATORS:
        fid = functions.get(getattr(importlib.import_module(module), name))
        if fid is not None:
            allocators[fid] = (name, frames)
    sites = []
    for func, fid in functions.items():
        if func.__module__.startswith(_LIBRARY):
            continue
        code = ir_functions[fid]["code"]
        for pc in range(len(code) - 1):
            ins, nxt = code[pc], code[pc + 1]
            if ins[0] != "alloc" or nxt[0] != "call" or nxt[2] not in allocators:
                continue
            if nxt[3] and nxt[3][-1] == ins[1]:
                name, frames = allocators[nxt[2]]
                sites.append({"func": fid, "pc": pc, "call": name, "frames": list(frames)})
    sites.sort(key=lambda a: (a["func"], a["pc"]))
    return sites


__all__ = [
    "FAILABLE",
    "FAILABLE_PRIMITIVES",
    "FAULT_CLASSES",
    "MANAGED_ALLOCATORS",
    "fault_classes",
    "fault_table",
]
