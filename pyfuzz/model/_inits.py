"""Static initializers: the `init={...}` of a `Global`, compiled to a boot function.

`Global(my_state, init={"count": 3})` is C's `static struct my_state s = { .count = 3 };`. A
Global's initial field values are checked against its struct's IR fields (the field exists;
an int field gets an int or bool, a `Func` field a model function or None, a `Ref` field a
`Global` of the right struct or None, an embedded struct a dict of its own fields, an
`Array[int | Ref | Func, N]` a list of at most N values; embedded primitives start
initialised and take no value) and compiled into one generated function per Global, made of
plain stores, that runs first at boot. Errors are `DeclarationError`s at the line that
declares the Global. `global_initializers` runs once every function has been compiled, and
loops until no initializer names a Global not met before.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import FunctionType
from typing import Any

from pyfuzz.model._unit import CompileUnit
from pyfuzz.model._where import declaration_error, describe
from pyfuzz.model.dsl import Global

_I64 = (-(2**63), 2**63 - 1)


def global_initializers(unit: CompileUnit) -> list[int]:
    """The ids of the generated initializer functions, one per Global with an `init`."""
    ids: list[int] = []
    done = 0
    while done < len(unit.declared_globals()):
        glob = unit.declared_globals()[done]
        done += 1
        if glob.init is not None:
            ids.append(_Initializer(unit, glob).function_id())
    return ids


class _Initializer:
    """Builds the IR function that stores one Global's initial values."""

    def __init__(self, unit: CompileUnit, glob: Global) -> None:
        self.unit = unit
        self.glob = glob
        self.gid = unit.global_id(glob)
        self.code: list[list[Any]] = []
        self.registers = 1

    def function_id(self) -> int:
        init = self.glob.init
        if not isinstance(init, Mapping):
            raise self.error(f"init must be a dict {{field: value}}, not {describe(init)}")
        self.code.append(["global", 0, self.gid])
        self.fields(self.unit.globals[self.gid]["struct"], 0, init, "")
        self.code.append(["retnone"])
        file_id, line = self._location()
        name = self.unit.globals[self.gid]["name"]
        return self.unit.add_function(
            {
                "name": f"{name}_initializer",
                "file": file_id,
                "line": line,
                "params": 0,
                "locals": self.registers,
                "infra": True,
                "code": self.code,
                "lines": [line] * len(self.code),
            }
        )

    def error(self, message: str) -> Exception:
        return declaration_error(f"Global {self._name()}: {message}", self.glob)

    def _name(self) -> str:
        return self.unit.globals[self.gid]["name"]

    def _location(self) -> tuple[int, int]:
        filename, line = self.glob.declared
        if filename:
            return self.unit.file_id(self.unit.sources.file(filename)), line
        struct = self.unit.structs[self.unit.globals[self.gid]["struct"]]
        return struct["file"], struct["line"]

    def _register(self, depth: int) -> int:
        self.registers = max(self.registers, depth + 1)
        return depth

    def fields(self, sid: int, obj: int, values: Mapping[Any, Any], path: str) -> None:
        """Store `values` into the fields of the struct `sid` object in register `obj`."""
        struct = self.unit.structs[sid]
        by_name = {f["name"]: f["type"] for f in struct["fields"]}
        for name, value in values.items():
            where = f"{path}{name}"
            if not isinstance(name, str) or name not in by_name:
                raise self.error(_unknown_field(struct["name"], name, list(by_name)))
            ftype = by_name[name]
            field_id = self.unit.string_id(name)
            if isinstance(ftype, dict) and "embed" in ftype:
                if not isinstance(value, Mapping):
                    raise self.error(
                        f"field '{where}' is an embedded struct; give its fields as a dict, "
                        f"not {describe(value)}"
                    )
                child = self._register(obj + 1)
                self.code.append(["load", child, obj, field_id])
                self.fields(ftype["embed"], child, value, f"{where}.")
            elif isinstance(ftype, dict) and "array" in ftype:
                self._array(ftype, obj, field_id, value, where)
            else:
                reg = self._register(obj + 1)
                self._value(ftype, reg, value, where)
                self.code.append(["store", obj, field_id, reg])

    def _array(
        self, ftype: dict[str, Any], obj: int, field_id: int, value: Any, where: str
    ) -> None:
        kind, length = ftype["array"], ftype["len"]
        if kind not in ("int", "ref", "func"):
            raise self.error(
                f"field '{where}' is an array of embedded {kind} objects; they start "
                "initialised and take no value"
            )
        if not isinstance(value, list | tuple) or len(value) > length:
            raise self.error(
                f"field '{where}' is an array of {length}; give a list of at most {length} "
                f"values, not {describe(value)}"
            )
        array, index, reg = (self._register(obj + n) for n in (1, 2, 3))
        self.code.append(["load", array, obj, field_id])
        element = {"int": "int", "ref": {"ref": None}, "func": "func"}[kind]
        for i, item in enumerate(value):
            self._value(element, reg, item, f"{where}[{i}]")
            self.code.append(["int", index, i])
            self.code.append(["istore", array, index, reg])

    def _value(self, ftype: Any, reg: int, value: Any, where: str) -> None:
        """Load `value` for a field of IR type `ftype` into register `reg`."""
        if ftype == "int":
            if not isinstance(value, int) or not _I64[0] <= value <= _I64[1]:
                raise self.error(f"field '{where}' is an int; {describe(value)} is not")
            self.code.append(["int", reg, int(value)])
        elif value is None:
            self.code.append(["null", reg])
        elif ftype == "func":
            if not isinstance(value, FunctionType):
                raise self.error(
                    f"field '{where}' is a Func; give a model function, not {describe(value)}"
                )
            self.code.append(["func", reg, self.unit.function_id(value)])
        elif isinstance(ftype, dict) and "ref" in ftype:
            if not isinstance(value, Global):
                raise self.error(
                    f"field '{where}' is a Ref; give another Global or None, not {describe(value)}"
                )
            gid = self.unit.global_id(value)
            target = ftype["ref"]
            got = self.unit.globals[gid]["struct"]
            if target is not None and got != target:
                want, have = self.unit.structs[target]["name"], self.unit.structs[got]["name"]
                raise self.error(
                    f"field '{where}' is a Ref[{want}]; Global {self.unit.globals[gid]['name']} "
                    f"is a {have}"
                )
            self.code.append(["global", reg, gid])
        else:
            raise self.error(
                f"field '{where}' is an embedded {ftype} object; it starts initialised and "
                "takes no value"
            )


def _unknown_field(struct: str, name: object, fields: list[str]) -> str:
    if not isinstance(name, str):
        return f"init keys are field names (strings), not {describe(name)}"
    close = difflib.get_close_matches(name, fields, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"its fields are: {', '.join(fields)}"
    return f"init names field '{name}', which struct {struct} does not have; {hint}"
