"""Call translation: direct calls, calls through function values, primitives and sugar.

A call `f(...)` becomes `call` when `f` names a model function (after the variant
substitution), `prim` when it names a kernel primitive, an expansion when it names compiler
sugar (`kzalloc`, `wait_event`, ...) and `icall` when the callee is any other expression (a
local holding a function value, `dr.release`, ...). String constants are accepted as call
arguments (`WARN(c, "message")`).
"""

from __future__ import annotations

import ast
from types import FunctionType
from typing import TYPE_CHECKING

from pyfuzz.model._emit import Label
from pyfuzz.model._types import is_struct_class
from pyfuzz.model._unsupported import MAX_ARGS, unsupported
from pyfuzz.model.prims import Primitive, Sugar

if TYPE_CHECKING:
    from pyfuzz.model._exprs import ExprCompiler

WAIT_MODES = {"wait_event": 0, "wait_event_interruptible": 1, "wait_event_timeout": 2}


def call_into(cx: ExprCompiler, node: ast.Call, dst: int) -> None:
    """Translate the call `node`, leaving its result in `dst`."""
    _check_syntax(cx, node)
    callee = node.func
    if isinstance(callee, ast.Name) and cx.regs.local(callee.id) is None:
        target = cx.lookup(callee)
        if isinstance(target, FunctionType):
            _direct_call(cx, target, node, dst)
        elif isinstance(target, Primitive):
            _primitive_call(cx, target, node, dst)
        elif isinstance(target, Sugar):
            _sugar_call(cx, target.name, node, dst)
        elif is_struct_class(target):
            raise cx.error(
                f"structs are allocated with kzalloc({callee.id}, GFP_KERNEL), "
                f"not by calling {callee.id}()",
                node,
            )
        else:
            raise cx.error(cx.misuse(callee.id, target), node)
        return
    function = cx.operand(callee)
    cx.code.emit("icall", dst, function, arguments(cx, node.args))


def arguments(cx: ExprCompiler, nodes: list[ast.expr]) -> list[int]:
    """Evaluate call arguments left to right; string constants are allowed here."""
    if len(nodes) > MAX_ARGS:
        raise cx.error(f"calls take at most {MAX_ARGS} arguments; pass a struct instead", nodes[0])
    regs = []
    for arg in nodes:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            reg = cx.regs.temp()
            cx.constant(arg.value, reg, arg)
            regs.append(reg)
        else:
            regs.append(cx.operand(arg))
    return regs


def _check_syntax(cx: ExprCompiler, node: ast.Call) -> None:
    if node.keywords:
        raise cx.error("keyword arguments are not supported; pass arguments by position", node)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise cx.error(unsupported(arg), arg)


def _direct_call(cx: ExprCompiler, target: FunctionType, node: ast.Call, dst: int) -> None:
    func = cx.program.resolve_function(target)
    expected = cx.program.param_count(func)
    if len(node.args) != expected:
        raise cx.error(
            f"{func.__name__}() takes {_count(expected, 'argument')} but {_given(len(node.args))}",
            node,
        )
    fid = cx.program.function_id(target)
    cx.code.emit("call", dst, fid, arguments(cx, node.args))


def _primitive_call(cx: ExprCompiler, prim: Primitive, node: ast.Call, dst: int) -> None:
    args = node.args
    if prim.name == "container_of" and len(args) == 3:
        cx.static_struct(args[1], "container_of(p, T, field)")
        if not (isinstance(args[2], ast.Constant) and isinstance(args[2].value, str)):
            raise cx.error('container_of(p, T, "field") needs the field name as a string', node)
        args = args[:1]
    elif len(args) != prim.arity:
        usage = ' or 3 (p, T, "field")' if prim.name == "container_of" else ""
        raise cx.error(
            f"{prim.name}() takes {_count(prim.arity, 'argument')}{usage} but {_given(len(args))}",
            node,
        )
    cx.code.emit("prim", dst, prim.name, arguments(cx, args))


def _sugar_call(cx: ExprCompiler, name: str, node: ast.Call, dst: int) -> None:
    if name in ("kzalloc", "kmalloc"):
        if len(node.args) != 2:
            raise cx.error(f"{name}() takes 2 arguments (a struct name and gfp flags)", node)
        struct = cx.static_struct(node.args[0], f"{name}(T, gfp)")
        gfp = cx.operand(node.args[1])
        cx.code.emit("alloc", dst, cx.program.struct_id(struct), gfp)
    elif name in WAIT_MODES:
        _wait_event(cx, name, node, dst)
    else:
        raise cx.error(f"{name}() is not supported here", node)


def _wait_event(cx: ExprCompiler, name: str, node: ast.Call, dst: int) -> None:
    """The wait_event loop of docs/ir.md: prepare, test, wait, retry; then finish."""
    mode = WAIT_MODES[name]
    expected = 3 if mode == 2 else 2
    if len(node.args) != expected:
        shape = "(wq, condition, timeout)" if mode == 2 else "(wq, condition)"
        raise cx.error(f"{name}() takes {expected} arguments {shape}", node)
    queue = cx.operand(node.args[0])
    if mode == 2:
        cx.operand(node.args[2])  # evaluated once, as in C; the engine times out by itself
    scratch = cx.regs.temp()
    mode_reg = cx.regs.temp()
    cx.code.emit("int", mode_reg, mode)
    head, done, timed_out = Label(), Label(), Label()
    cx.code.place(head)
    cx.code.emit("prim", scratch, "wq_prepare", [queue])
    cx.branch(node.args[1], done, when=True)
    cx.code.emit("prim", scratch, "wq_wait", [queue, mode_reg])
    if mode == 2:
        cx.code.emit("jnz", scratch, timed_out)
    cx.code.emit("jmp", head)
    cx.code.place(done)
    cx.code.emit("prim", scratch, "wq_finish", [queue])
    if mode != 2:
        cx.code.emit("int", dst, 0)
        return
    end = Label()
    cx.code.emit("int", dst, 1)
    cx.code.emit("jmp", end)
    cx.code.place(timed_out)
    cx.code.emit("prim", scratch, "wq_finish", [queue])
    cx.code.emit("int", dst, 0)
    cx.code.place(end)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _given(n: int) -> str:
    return f"{n} was given" if n == 1 else f"{n} were given"
