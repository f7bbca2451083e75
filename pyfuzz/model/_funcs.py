"""Function translation: a model function's `def` to an IR function entry.

`compile_function` checks the signature and decorators, numbers the registers (parameters, then
every assigned name, then temporaries), infers the struct types of the locals for the field
checks (`_fields.StaticTypes`) and translates the body statement by statement with
`FunctionCompiler`. Structured control flow (`if`, `while`, `for i in range(...)`, `with LOCK:`)
becomes jumps; leaving a `with` block by `return`, `break` or `continue` first releases the locks
it holds, innermost first. Expressions are translated by the `ExprCompiler` base class; the
ids of the functions, structs, globals and strings the body names come from the compilation's
`IdTables`. An expression nested too deeply for Python's recursion limit is a `ModelError` at
its line, as every other problem is.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass
from types import FunctionType
from typing import Any

from pyfuzz._core import LIMITS
from pyfuzz.errors import ModelError
from pyfuzz.model._emit import Label, Registers
from pyfuzz.model._exprs import ExprCompiler
from pyfuzz.model._fields import StaticTypes
from pyfuzz.model._source import SourceFile
from pyfuzz.model._tables import IdTables
from pyfuzz.model._unsupported import MESSAGES, check_signature, unsupported
from pyfuzz.model.dsl import infra

MAX_REGISTERS: int = LIMITS["max_locals"]  # the core's limit (rust/limits.rs)

_JUMPS = (ast.Return, ast.Break, ast.Continue)


def compile_function(tables: IdTables, func: FunctionType) -> dict[str, Any]:
    """The IR entry of model function `func` (already substituted by the variant)."""
    source, node = tables.sources.function_def(func)
    file_id = tables.file_id(source)
    check_signature(node, source)
    is_infra = _check_decorators(func, node, source) or bool(
        getattr(func, "__pyfuzz_infra__", False)
    )
    params = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
    body = _without_docstring(node.body)
    names, assigned = _scan_locals(params, body)
    regs = Registers(names)
    compiler = FunctionCompiler(tables, func, source.display, regs, node.lineno, assigned)
    try:
        compiler.types = StaticTypes(tables, func, node, source.display, names, body)
        compiler.block(body)
    except ModelError as exc:
        if exc.file is None or exc.line is None:  # a problem found through this line
            found_in = f" ({exc.file})" if exc.file and exc.file != source.display else ""
            message = exc.bare_message + found_in
            raise ModelError(message, source.display, compiler.code.line) from None
        raise
    except RecursionError:
        raise ModelError(
            f"{func.__name__}() nests expressions or statements too deeply for the compiler "
            "(Python's recursion limit); split them with local variables",
            source.display,
            compiler.code.line,
        ) from None
    if regs.size > MAX_REGISTERS:
        raise ModelError(
            f"function too large: {func.__name__}() needs {regs.size} registers, at most "
            f"{MAX_REGISTERS} are supported; split it into smaller functions",
            source.display,
            node.lineno,
        )
    code, lines = compiler.code.finish()
    return {
        "name": func.__name__,
        "file": file_id,
        "line": node.lineno,
        "params": len(params),
        "locals": regs.size,
        "infra": is_infra,
        "code": code,
        "lines": lines,
    }


def _check_decorators(func: FunctionType, node: ast.FunctionDef, source: SourceFile) -> bool:
    for decorator in node.decorator_list:
        if _static_value(decorator, func.__globals__) is not infra:
            raise ModelError(
                f"decorator @{ast.unparse(decorator)} is not supported; only @infra is",
                source.display,
                decorator.lineno,
            )
    return bool(node.decorator_list)


def _static_value(node: ast.expr, namespace: dict[str, Any]) -> object:
    if isinstance(node, ast.Name):
        return namespace.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        return getattr(_static_value(node.value, namespace), node.attr, None)
    return None


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return body[1:] if isinstance(first.value.value, str) else body
    return body


def _scan_locals(params: list[str], body: list[ast.stmt]) -> tuple[list[str], set[str]]:
    """Register names (parameters, then assigned names in order) and the assigned names."""
    names = list(params)
    assigned: set[str] = set()
    for stmt in _statements(body):
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AugAssign | ast.AnnAssign | ast.For):
            targets = [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                assigned.add(target.id)
                if target.id not in names:
                    names.append(target.id)
    return names, assigned


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If | ast.While | ast.For | ast.With):
            yield from _statements(stmt.body)
            yield from _statements(stmt.orelse if not isinstance(stmt, ast.With) else [])


@dataclass
class _Loop:
    exit: Label
    again: Label


@dataclass
class _With:
    locks: list[int]


class FunctionCompiler(ExprCompiler):
    """Translates the statements of one model function."""

    def __init__(
        self,
        tables: IdTables,
        func: FunctionType,
        file: str,
        regs: Registers,
        line: int,
        assigned: set[str],
    ) -> None:
        super().__init__(tables, func, file, regs, line)
        self.assigned = assigned
        self.frames: list[_Loop | _With] = []

    def block(self, body: list[ast.stmt]) -> None:
        """Translate a statement list."""
        for stmt in body:
            self.statement(stmt)

    def statement(self, node: ast.stmt) -> None:
        """Translate one statement; its temporaries are freed afterwards."""
        self.code.line = node.lineno
        mark = self.regs.mark()
        handler = getattr(self, f"_s_{type(node).__name__}", None)
        if handler is None:
            raise self.error(unsupported(node), node)
        handler(node)
        self.regs.release(mark)

    # -- simple statements ------------------------------------------------------------------

    def _s_Pass(self, node: ast.Pass) -> None:  # noqa: N802
        pass

    def _s_Expr(self, node: ast.Expr) -> None:  # noqa: N802
        if not isinstance(node.value, ast.Call):
            if type(node.value) in MESSAGES:
                raise self.error(MESSAGES[type(node.value)], node)
            raise self.error(
                "expression statements must be calls (a docstring is allowed only as the "
                "first statement of a function)",
                node,
            )
        self.into(node.value, self.regs.temp())

    def _s_Assert(self, node: ast.Assert) -> None:  # noqa: N802
        self.code.emit("assert", self.operand(node.test))

    def _s_Assign(self, node: ast.Assign) -> None:  # noqa: N802
        if len(node.targets) == 1:
            self.assign(node.targets[0], node.value)
            return
        value = self.operand(node.value)
        for target in node.targets:
            self.assign(target, None, value)

    def _s_AnnAssign(self, node: ast.AnnAssign) -> None:  # noqa: N802
        if node.value is None:
            raise self.error("a declaration without a value is not supported; assign a value")
        self.assign(node.target, node.value)

    def assign(self, target: ast.expr, value: ast.expr | None, reg: int | None = None) -> None:
        """`target = value` (or the value already in register `reg`)."""
        if isinstance(target, ast.Name):
            local = self.regs.local(target.id)
            assert local is not None, "invariant: assigned names are locals"
            if reg is None and value is not None and not _needs_temp(value, target.id):
                self.into(value, local)
                return
            source = reg if reg is not None else self.operand(value)  # type: ignore[arg-type]
            if source != local:
                self.code.emit("mov", local, source)
            return
        if not isinstance(target, ast.Attribute | ast.Subscript):
            raise self.error(unsupported(target), target)
        if isinstance(target, ast.Attribute):
            self.check_field(target)
        else:
            self._note_element_store(target)
        source = reg if reg is not None else self.operand(value)  # type: ignore[arg-type]
        obj = self.operand(target.value)
        if isinstance(target, ast.Attribute):
            self.code.emit("store", obj, self.tables.string_id(target.attr), source)
        else:
            self.code.emit("istore", obj, self.index(target), source)

    def _s_AugAssign(self, node: ast.AugAssign) -> None:  # noqa: N802
        if isinstance(node.op, ast.Div):
            raise self.error("/= is not supported; use //= for integer division", node)
        op = self.binary_op(node.op, node)
        target = node.target
        if isinstance(target, ast.Name):
            local = self.regs.local(target.id)
            assert local is not None, "invariant: assigned names are locals"
            self.code.emit("bin", op, local, local, self.operand(node.value))
            return
        if not isinstance(target, ast.Attribute | ast.Subscript):
            raise self.error(unsupported(target), target)
        obj = self.operand(target.value)
        current = self.regs.temp()
        if isinstance(target, ast.Attribute):
            self.check_field(target)
            name = self.tables.string_id(target.attr)
            self.code.emit("load", current, obj, name)
            self.code.emit("bin", op, current, current, self.operand(node.value))
            self.code.emit("store", obj, name, current)
        else:
            self._note_element_store(target)
            index = self.index(target)
            self.code.emit("iload", current, obj, index)
            self.code.emit("bin", op, current, current, self.operand(node.value))
            self.code.emit("istore", obj, index, current)

    def _note_element_store(self, target: ast.Subscript) -> None:
        if isinstance(target.value, ast.Attribute):
            self.tables.note_element_store(target.value.attr, self.file, target.lineno)

    # -- control flow -----------------------------------------------------------------------

    def _s_If(self, node: ast.If) -> None:  # noqa: N802
        otherwise = Label()
        self.branch(node.test, otherwise, when=False)
        self.block(node.body)
        if not node.orelse:
            self.code.place(otherwise)
            return
        end = Label()
        if not isinstance(node.body[-1], _JUMPS):
            self.code.line = node.lineno
            self.code.emit("jmp", end)
        self.code.place(otherwise)
        self.block(node.orelse)
        self.code.place(end)

    def _s_While(self, node: ast.While) -> None:  # noqa: N802
        if node.orelse:
            raise self.error("while ... else is not supported; use a flag or a break", node)
        head, exit_ = Label(), Label()
        self.code.place(head)
        self.branch(node.test, exit_, when=False)
        self._loop_body(node.body, _Loop(exit_, head))
        self.code.line = node.lineno
        self.code.emit("jmp", head)
        self.code.place(exit_)

    def _s_For(self, node: ast.For) -> None:  # noqa: N802
        if node.orelse:
            raise self.error("for ... else is not supported; use a flag or a break", node)
        if not isinstance(node.target, ast.Name):
            raise self.error("the for loop variable must be a single name", node.target)
        start, stop, step = self._range_bounds(node)
        counter, end, scratch = self.regs.temp(), self.regs.temp(), self.regs.temp()
        if start is None:
            self.code.emit("int", counter, 0)
        else:
            self.into(start, counter)
        self.into(stop, end)
        head, again, exit_ = Label(), Label(), Label()
        self.code.place(head)
        self.code.emit("bin", "lt" if step > 0 else "gt", scratch, counter, end)
        self.code.emit("jz", scratch, exit_)
        self.code.emit("mov", self.regs.local(node.target.id), counter)
        self._loop_body(node.body, _Loop(exit_, again))
        self.code.line = node.lineno
        self.code.place(again)
        self.code.emit("int", scratch, step)
        self.code.emit("bin", "add", counter, counter, scratch)
        self.code.emit("jmp", head)
        self.code.place(exit_)

    def _range_bounds(self, node: ast.For) -> tuple[ast.expr | None, ast.expr, int]:
        """The start (None for 0), stop and constant step of `for i in range(...)`."""
        it = node.iter
        if not (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == "range"
            and self.regs.local("range") is None
            and self.namespace.get("range", range) is range
        ):
            raise self.error(
                "for loops are only supported over range(n), range(a, b) or range(a, b, step); "
                "use a while loop, or list_first/list_next for lists",
                node.iter,
            )
        args = it.args
        if it.keywords or not 1 <= len(args) <= 3 or any(isinstance(a, ast.Starred) for a in args):
            raise self.error("range() takes 1 to 3 positional arguments", it)
        if len(args) == 1:
            return None, args[0], 1
        step = 1 if len(args) == 2 else self._constant_int(args[2])
        if step == 0:
            raise self.error("the range() step must not be zero", args[2])
        return args[0], args[1], step

    def _constant_int(self, node: ast.expr) -> int:
        negate = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            node = node.operand
        value = self.static_int(node)
        if value is None:
            raise self.error("the range() step must be an int constant", node)
        return -value if negate else value

    def _loop_body(self, body: list[ast.stmt], loop: _Loop) -> None:
        self.frames.append(loop)
        self.block(body)
        self.frames.pop()

    def _s_Break(self, node: ast.Break) -> None:  # noqa: N802
        loop = self._leave_loop(node, "break")
        self.code.emit("jmp", loop.exit)

    def _s_Continue(self, node: ast.Continue) -> None:  # noqa: N802
        loop = self._leave_loop(node, "continue")
        self.code.emit("jmp", loop.again)

    def _leave_loop(self, node: ast.stmt, what: str) -> _Loop:
        """Release the locks of the with blocks inside the innermost loop; return that loop."""
        for depth in range(len(self.frames) - 1, -1, -1):
            frame = self.frames[depth]
            if isinstance(frame, _Loop):
                self._unlock_frames(self.frames[depth + 1 :])
                return frame
        raise self.error(f"{what} outside a loop", node)

    def _s_Return(self, node: ast.Return) -> None:  # noqa: N802
        value = None if node.value is None else self.operand(node.value)
        self._unlock_frames(self.frames)
        if value is None:
            self.code.emit("retnone")
        else:
            self.code.emit("ret", value)

    def _s_With(self, node: ast.With) -> None:  # noqa: N802
        locks: list[int] = []
        scratch = self.regs.temp()
        for item in node.items:
            if item.optional_vars is not None:
                raise self.error(
                    "with ... as ... is not supported; write with LOCK: on a lock field", node
                )
            lock = self._held(item.context_expr)
            self.code.line = node.lineno
            self.code.emit("prim", scratch, "lock", [lock])
            locks.append(lock)
        frame = _With(locks)
        self.frames.append(frame)
        self.block(node.body)
        self.frames.pop()
        if not isinstance(node.body[-1], _JUMPS):
            self.code.line = node.lineno
            self._unlock_frames([frame])

    def _held(self, node: ast.expr) -> int:
        """A register holding `node` that the with body cannot overwrite."""
        if isinstance(node, ast.Name) and node.id not in self.assigned:
            local = self.regs.local(node.id)
            if local is not None:
                return local
        reg = self.regs.temp()
        self.into(node, reg)
        return reg

    def _unlock_frames(self, frames: list[_Loop | _With]) -> None:
        """Emit the unlocks of the given frames' with blocks, innermost first."""
        locks = [lock for f in frames if isinstance(f, _With) for lock in f.locks]
        if not locks:
            return
        mark = self.regs.mark()
        scratch = self.regs.temp()
        for lock in reversed(locks):
            self.code.emit("prim", scratch, "unlock", [lock])
        self.regs.release(mark)


def _needs_temp(value: ast.expr, name: str) -> bool:
    """True when evaluating `value` straight into local `name` could clobber a later read."""
    multi_write = isinstance(value, ast.BoolOp | ast.IfExp) or (
        isinstance(value, ast.Compare) and len(value.ops) > 1
    )
    return multi_write and any(
        isinstance(node, ast.Name) and node.id == name for node in ast.walk(value)
    )
