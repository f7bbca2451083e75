"""Whole-model checks that need every struct and function of a compilation translated first.

They run on a drained `CompileUnit`, over the IR entries it holds: `check_embedding` rejects
embedding cycles (`A` embeds `B` embeds `A`), `check_embedded_stores` rejects assigning
to a field that every struct declaring it embeds (`obj.lock = ...`), and
`check_element_stores` assigning to an element of an array of embedded primitives
(`obj.locks[i] = ...`). Errors are `ModelError`s at the struct's or the store's line.
"""

from __future__ import annotations

from typing import Any

from pyfuzz.errors import ModelError
from pyfuzz.model._unit import CompileUnit

# Field types whose value is an embedded child object (storing to them is rejected).
EMBEDDED_KINDS = frozenset(
    ["mutex", "spinlock", "rwsem", "completion", "waitqueue", "list", "kref", "work"]
)


def check_embedding(unit: CompileUnit) -> None:
    """Reject embedding cycles (`A` embeds `B` embeds `A`); call once all structs are known."""
    state: dict[int, str] = {}
    for start in range(len(unit.structs)):
        _visit(unit, start, state, [])


def _visit(unit: CompileUnit, sid: int, state: dict[int, str], path: list[str]) -> None:
    if state.get(sid) == "done":
        return
    struct = unit.structs[sid]
    if state.get(sid) == "active":
        owner = struct["name"] + "."
        start = next((i for i, step in enumerate(path) if step.startswith(owner)), 0)
        cycle = " -> ".join([*path[start:], struct["name"]])
        raise unit.error(
            f"struct {struct['name']} embeds itself ({cycle}); use Ref[...] for back-pointers",
            struct["file"],
            struct["line"],
        )
    state[sid] = "active"
    for fld in struct["fields"]:
        ftype = fld["type"]
        if isinstance(ftype, dict) and "embed" in ftype:
            _visit(unit, ftype["embed"], state, [*path, f"{struct['name']}.{fld['name']}"])
    state[sid] = "done"


def _is_embedded(ftype: Any) -> bool:
    if isinstance(ftype, dict):
        return "ref" not in ftype
    return ftype in EMBEDDED_KINDS


def check_embedded_stores(unit: CompileUnit) -> None:
    """Reject `obj.f = v` when every struct declaring a field `f` embeds it."""
    embedded: dict[str, bool] = {}
    for struct in unit.structs:
        for fld in struct["fields"]:
            kind = _is_embedded(fld["type"])
            embedded[fld["name"]] = embedded.get(fld["name"], True) and kind
    for function in unit.functions:
        for instr, line in zip(function["code"], function["lines"], strict=True):
            if instr[0] == "store" and embedded.get(unit.strings[instr[2]], False):
                raise unit.error(
                    f"cannot assign to the embedded field '{unit.strings[instr[2]]}': it is "
                    "part of its parent object; use a Ref field to point to an object",
                    function["file"],
                    line,
                )


def _is_primitive_array(ftype: Any) -> bool:
    return isinstance(ftype, dict) and ftype.get("array") in EMBEDDED_KINDS


def check_element_stores(unit: CompileUnit) -> None:
    """Reject `obj.f[i] = v` when every struct declaring a field `f` makes it an array of
    embedded primitives: each element is part of its parent object, as `obj.lock` is."""
    primitive: dict[str, bool] = {}
    for struct in unit.structs:
        for fld in struct["fields"]:
            kind = _is_primitive_array(fld["type"])
            primitive[fld["name"]] = primitive.get(fld["name"], True) and kind
    for name, file, line in unit.element_stores:
        if primitive.get(name, False):
            raise ModelError(
                f"cannot assign to an element of '{name}': it is an array of embedded "
                "primitives, each element part of its parent object; use it in place "
                f"(mutex_lock(x.{name}[i]), with x.{name}[i]:)",
                file,
                line,
            )
