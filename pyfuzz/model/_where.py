"""Naming things in model errors: where a declaration was written, and values without reprs.

Every error about an unusable model names a file and line, and none prints a memory address.
`located` gives the display path and line of a declaration (`Scenario`, `Actor`, `Action`,
`Global`: recorded by `dsl` when it was created) or of a model function (its code object);
`declaration_error` builds the `DeclarationError` for a declaration; `describe` names any value
for a message without falling back to a default repr such as `<object at 0x7f...>`, and
`scrub_addresses` removes such addresses from text the model itself produced.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType

from pyfuzz.errors import DeclarationError
from pyfuzz.model._source import display_path
from pyfuzz.model.dsl import Action, Actor, Global, Scenario, Struct

_ADDRESS = re.compile(r"\s+at\s+0x[0-9a-fA-F]+|0x[0-9a-fA-F]{8,}")
_MAX_REPR = 60
_MAX_ITEMS = 3  # a list or tuple this short is described item by item


def display(filename: str) -> str:
    """The display path (as in the IR `files` array) of a file Python names `filename`."""
    return display_path(Path(filename).resolve(), Path.cwd().resolve())


def located(obj: object) -> tuple[str | None, int | None]:
    """(display path, line) of a declaration or model function, or (None, None)."""
    if isinstance(obj, Scenario | Actor | Action | Global):
        filename, line = obj.declared
        return (display(filename), line) if filename else (None, None)
    if isinstance(obj, FunctionType):
        code = obj.__code__
        if code.co_filename.startswith("<"):
            return None, None
        return display(code.co_filename), code.co_firstlineno
    return None, None


def declaration_error(message: str, *declarations: object) -> DeclarationError:
    """A DeclarationError at the first of `declarations` whose location is known."""
    for declaration in declarations:
        file, line = located(declaration)
        if file:
            return DeclarationError(message, file, line)
    return DeclarationError(message)


def describe(value: object) -> str:
    """A short, address-free name of `value` for an error message."""
    if isinstance(value, FunctionType):
        return f"function {value.__name__}()"
    if isinstance(value, BuiltinFunctionType):
        return f"built-in function {value.__name__}"
    if isinstance(value, MethodType):
        return f"method {value.__func__.__qualname__}()"
    if isinstance(value, type):
        kind = "struct" if issubclass(value, Struct) else "class"
        return f"{kind} {value.__name__}"
    if isinstance(value, Global):
        return f"Global({describe(value.struct)})"
    if isinstance(value, Scenario | Actor):
        return f"{type(value).__name__} {describe(value.name)}"
    if isinstance(value, Action):
        return f"Action {describe(value.label)}"
    if isinstance(value, list | tuple) and len(value) <= _MAX_ITEMS:
        items = ", ".join(describe(item) for item in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' * (len(value) == 1)})"
    if isinstance(value, list | tuple | dict | set):
        return f"{_a(type(value).__name__)} of {len(value)} items"
    if isinstance(value, str) and len(value) > _MAX_REPR:
        return repr(value[:_MAX_REPR]) + "..."
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ in model code: name the type instead
        text = ""
    if not text or len(text) > _MAX_REPR or _ADDRESS.search(text):
        return f"{_a(type(value).__name__)} object"
    return text


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def scrub_addresses(text: str) -> str:
    """`text` with memory addresses of default reprs (` at 0x7f...`) removed."""
    return _ADDRESS.sub("", text)
