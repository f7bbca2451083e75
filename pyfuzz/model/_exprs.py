"""Expression translation: `ExprCompiler` is `_values.ValueCompiler` plus calls.

A call `f(...)` becomes `call` when `f` names a model function (after the variant
substitution; inside a replacement, the function it replaces is the original), `prim` when
it names a kernel primitive, an expansion when it names compiler sugar (`kzalloc`,
`wait_event`, ...) and `icall` when the callee is any other expression (a local holding a
function value, `dr.release`, ...). String constants are accepted as call arguments, and the
message of `report` and `WARN` must be one (`WARN(c, "message")`); the field
named in `container_of(p, T, "field")` must be a field of `T`. Statement translation
(`_funcs.FunctionCompiler`) builds on this class.
"""

from __future__ import annotations

import ast
from types import FunctionType

from pyfuzz.model._emit import Label
from pyfuzz.model._fields import missing_field
from pyfuzz.model._types import is_struct_class
from pyfuzz.model._unsupported import MAX_ARGS, unsupported
from pyfuzz.model._values import ValueCompiler
from pyfuzz.model.prims import Primitive, Sugar

WAIT_MODES = {"wait_event": 0, "wait_event_interruptible": 1, "wait_event_timeout": 2}

# Primitives with a report message: the position of the message argument, and their usage.
MESSAGE_ARGUMENT = {"report": 0, "WARN": 1}
MESSAGE_USAGE = {"report": 'report("message")', "WARN": 'WARN(condition, "message")'}


class ExprCompiler(ValueCompiler):
    """Translates the expressions of one model function, calls included."""

    def static_struct(self, node: ast.expr, what: str) -> type:
        """The Struct subclass a struct-name argument (`kzalloc(T, ...)`) refers to."""
        value: object = None
        if isinstance(node, ast.Name) and self.regs.local(node.id) is None:
            value = self.lookup(node)
        elif isinstance(node, ast.Attribute):
            value = self.module_member(node)[1]
        if is_struct_class(value):
            return value  # type: ignore[return-value]
        raise self.error(f"{what} needs a Struct subclass name here", node)

    def _x_Call(self, node: ast.Call, dst: int) -> None:  # noqa: N802
        """Translate the call `node`, leaving its result in `dst`."""
        self._check_call_syntax(node)
        callee = node.func
        found, target = False, None
        if isinstance(callee, ast.Name) and self.regs.local(callee.id) is None:
            found, target = True, self.lookup(callee)
        elif isinstance(callee, ast.Attribute):
            found, target = self.module_member(callee)  # mycore.core_get(...)
        if found:
            name = ast.unparse(callee)
            if isinstance(target, FunctionType):
                self._direct_call(target, node, dst)
            elif isinstance(target, Primitive):
                self._primitive_call(target, node, dst)
            elif isinstance(target, Sugar):
                self._sugar_call(target.name, node, dst)
            elif is_struct_class(target):
                raise self.error(
                    f"structs are allocated with kzalloc({name}, GFP_KERNEL), "
                    f"not by calling {name}()",
                    node,
                )
            else:
                raise self.error(self.misuse(name, target), node)
            return
        function = self.operand(callee)
        self.code.emit("icall", dst, function, self.arguments(node.args))

    def arguments(self, nodes: list[ast.expr]) -> list[int]:
        """Evaluate call arguments left to right; string constants are allowed here."""
        if len(nodes) > MAX_ARGS:
            raise self.error(
                f"calls take at most {MAX_ARGS} arguments; pass a struct instead", nodes[0]
            )
        regs = []
        for arg in nodes:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                reg = self.regs.temp()
                self.constant(arg.value, reg, arg)
                regs.append(reg)
            else:
                regs.append(self.operand(arg))
        return regs

    def _check_call_syntax(self, node: ast.Call) -> None:
        if node.keywords:
            raise self.error(
                "keyword arguments are not supported; pass arguments by position", node
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(unsupported(arg), arg)

    def _direct_call(self, target: FunctionType, node: ast.Call, dst: int) -> None:
        func = self.tables.resolve_function(target)
        expected = self.tables.param_count(func)
        if len(node.args) != expected:
            takes = _count(expected, "argument")
            raise self.error(f"{func.__name__}() takes {takes} but {_given(len(node.args))}", node)
        fid = self.tables.reference_id(self.func, target)
        self.code.emit("call", dst, fid, self.arguments(node.args))

    def _primitive_call(self, prim: Primitive, node: ast.Call, dst: int) -> None:
        args = node.args
        if prim.name == "container_of" and len(args) == 3:
            struct = self.static_struct(args[1], "container_of(p, T, field)")
            if not (isinstance(args[2], ast.Constant) and isinstance(args[2].value, str)):
                raise self.error(
                    'container_of(p, T, "field") needs the field name as a string', node
                )
            problem = missing_field(self.tables, struct, args[2].value, " named in container_of()")
            if problem:
                raise self.error(problem, args[2])
            args = args[:1]
        elif len(args) != prim.arity:
            usage = ' or 3 (p, T, "field")' if prim.name == "container_of" else ""
            takes = _count(prim.arity, "argument")
            raise self.error(f"{prim.name}() takes {takes}{usage} but {_given(len(args))}", node)
        message = MESSAGE_ARGUMENT.get(prim.name)
        if message is not None and not _is_string(args[message]):
            raise self.error(
                f"the message of {prim.name}() must be a string constant, as in "
                f"{MESSAGE_USAGE[prim.name]}; it is the first line of the report",
                args[message],
            )
        self.code.emit("prim", dst, prim.name, self.arguments(args))

    def _sugar_call(self, name: str, node: ast.Call, dst: int) -> None:
        if name in ("kzalloc", "kmalloc"):
            if len(node.args) != 2:
                raise self.error(f"{name}() takes 2 arguments (a struct name and gfp flags)", node)
            struct = self.static_struct(node.args[0], f"{name}(T, gfp)")
            gfp = self.operand(node.args[1])
            self.code.emit("alloc", dst, self.tables.struct_id(struct), gfp)
        elif name in WAIT_MODES:
            self._wait_event(name, node, dst)
        else:
            raise self.error(f"{name}() is not supported here", node)

    def _wait_event(self, name: str, node: ast.Call, dst: int) -> None:
        """The wait_event loop of docs/ir.md: prepare, test, wait, retry; then finish."""
        mode = WAIT_MODES[name]
        expected = 3 if mode == 2 else 2
        if len(node.args) != expected:
            shape = "(wq, condition, timeout)" if mode == 2 else "(wq, condition)"
            raise self.error(f"{name}() takes {expected} arguments {shape}", node)
        queue = self.operand(node.args[0])
        if mode == 2:
            self.operand(node.args[2])  # evaluated once, as in C; the engine times out by itself
        scratch = self.regs.temp()
        mode_reg = self.regs.temp()
        self.code.emit("int", mode_reg, mode)
        head, done, timed_out = Label(), Label(), Label()
        self.code.place(head)
        self.code.emit("prim", scratch, "wq_prepare", [queue])
        self.branch(node.args[1], done, when=True)
        self.code.emit("prim", scratch, "wq_wait", [queue, mode_reg])
        if mode == 2:
            self.code.emit("jnz", scratch, timed_out)
        if mode == 1:
            # -ERESTARTSYS: a signal (a stopped kthread's) ended the interruptible sleep.
            self.code.emit("jnz", scratch, timed_out)
        self.code.emit("jmp", head)
        self.code.place(done)
        self.code.emit("prim", scratch, "wq_finish", [queue])
        if mode == 0:
            self.code.emit("int", dst, 0)
            return
        if mode == 1:
            end = Label()
            self.code.emit("int", dst, 0)
            self.code.emit("jmp", end)
            self.code.place(timed_out)
            self.code.emit("prim", mode_reg, "wq_finish", [queue])
            self.code.emit("mov", dst, scratch)
            self.code.place(end)
            return
        end = Label()
        self.code.emit("int", dst, 1)
        self.code.emit("jmp", end)
        self.code.place(timed_out)
        self.code.emit("prim", scratch, "wq_finish", [queue])
        self.code.emit("int", dst, 0)
        self.code.place(end)


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _given(n: int) -> str:
    return f"{n} was given" if n == 1 else f"{n} were given"
