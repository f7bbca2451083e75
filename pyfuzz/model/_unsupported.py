"""The compile-error messages for Python syntax the model language does not support.

Each message names the construct and says what to write instead, so that a driver author can
fix the model from the one-line `file:line: message` alone. `unsupported(node)` picks the
message for any statement or expression node the translators have no rule for;
`check_signature` rejects parameter kinds other than plain positional ones.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pyfuzz._core import LIMITS
from pyfuzz.errors import ModelError

if TYPE_CHECKING:
    from pyfuzz.model._source import SourceFile

_LOOPS = "use a while loop or for i in range(...)"

# The most arguments a call, and so parameters a function, may have (the Rust loader's limit).
MAX_ARGS: int = LIMITS["max_params"]  # the core's limit (rust/limits.rs)

MESSAGES: dict[type[ast.AST], str] = {
    ast.Try: "try statements are not supported; model error paths with if and return",
    ast.Raise: (
        "raise is not supported; return an error code (return -EINVAL) or use BUG_ON/WARN_ON"
    ),
    ast.Global: "global statements are not supported; keep shared state in a Global struct",
    ast.Nonlocal: "nonlocal statements are not supported; keep shared state in a Global struct",
    ast.Delete: "del is not supported; free objects with kfree(p)",
    ast.Import: "import inside a model function is not supported; import at module level",
    ast.ImportFrom: "import inside a model function is not supported; import at module level",
    ast.FunctionDef: "nested function definitions are not supported; define it at module level",
    ast.AsyncFunctionDef: "async functions are not supported; use a plain def at module level",
    ast.ClassDef: "class definitions inside a function are not supported; declare structs at "
    "module level",
    ast.AsyncWith: "async with is not supported; use with LOCK: on a lock field",
    ast.AsyncFor: f"async for is not supported; {_LOOPS}",
    ast.Match: "match statements are not supported; use if/elif/else",
    ast.Lambda: "lambda is not supported; define a module-level function and use its name",
    ast.ListComp: f"comprehensions are not supported; {_LOOPS}",
    ast.SetComp: f"comprehensions are not supported; {_LOOPS}",
    ast.DictComp: f"comprehensions are not supported; {_LOOPS}",
    ast.GeneratorExp: f"generator expressions are not supported; {_LOOPS}",
    ast.Dict: "dict literals are not supported; declare a Struct with fields",
    ast.List: "list literals are not supported; declare a Struct with an Array field",
    ast.Set: "set literals are not supported; declare a Struct with an Array field",
    ast.Tuple: (
        "tuples are not supported (no tuple unpacking or multiple return values); "
        "assign one value per statement"
    ),
    ast.Slice: "slices are not supported; index one element at a time: a.arr[i]",
    ast.NamedExpr: "assignment expressions (:=) are not supported; assign in a separate statement",
    ast.JoinedStr: "f-strings are not supported; pass a plain string constant to WARN or report",
    ast.Yield: "yield is not supported; model functions are plain functions",
    ast.YieldFrom: "yield from is not supported; model functions are plain functions",
    ast.Await: "await is not supported; model functions are plain functions",
    ast.Starred: "starred expressions (*x) are not supported; pass arguments one by one",
}


def unsupported(node: ast.AST) -> str:
    """The message for a node no translation rule accepts."""
    message = MESSAGES.get(type(node))
    if message is not None:
        return message
    kind = type(node).__name__
    if isinstance(node, ast.stmt):
        return (
            f"{kind} statements are not supported; use assignments, if/elif/else, while, "
            "for i in range(...), with LOCK:, return, pass, assert and calls"
        )
    return (
        f"{kind} expressions are not supported; use int/bool/None constants, names, "
        "attributes, a.arr[i], arithmetic, comparisons, and/or/not, x if c else y and calls"
    )


def check_signature(node: ast.FunctionDef, source: SourceFile) -> None:
    """Reject parameters other than plain positional ones (at the def line)."""
    args = node.args
    problem = None
    if args.vararg is not None:
        problem = "*args parameters are not supported"
    elif args.kwonlyargs or args.kwarg is not None:
        problem = "keyword-only and **kwargs parameters are not supported"
    elif args.defaults:
        problem = "default parameter values are not supported"
    elif len(args.posonlyargs) + len(args.args) > MAX_ARGS:
        problem = f"at most {MAX_ARGS} parameters are supported"
    if problem:
        raise ModelError(
            f"{problem}; model functions take positional parameters only: def f(a, b):",
            source.display,
            node.lineno,
        )
