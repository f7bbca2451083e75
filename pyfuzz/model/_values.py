"""Value translation: the model-language expressions other than calls, and conditions.

`ValueCompiler` holds the state shared with call and statement translation (the id tables,
the code buffer, the registers, the function's module globals) and turns one expression into
code that leaves its value in a register (`into`, `operand`) or jumps on its truthiness
(`branch`). It resolves non-local names through the function's module globals (model
functions, structs, globals, constants, primitives and sugar; `module.name` for a model module
imported whole) and translates constants, names, attributes, `a.arr[i]`, arithmetic,
comparisons, `and`/`or`/`not` and `x if c else y`. A field access on an expression whose
struct type `_fields.StaticTypes` knows is checked against that struct's fields
(`check_field`).
`into` dispatches on the node type to an `_x_<Node>` method, so a subclass adds expression
kinds by defining more of them: `_exprs.ExprCompiler` adds calls.
"""

from __future__ import annotations

import ast
import builtins
from types import FunctionType, ModuleType
from typing import Any

from pyfuzz.errors import ModelError
from pyfuzz.model._emit import CodeBuffer, Label, Registers
from pyfuzz.model._fields import StaticTypes
from pyfuzz.model._tables import IdTables
from pyfuzz.model._types import is_struct_class
from pyfuzz.model._unsupported import unsupported
from pyfuzz.model.dsl import Global
from pyfuzz.model.prims import Primitive, Sugar

BIN_OPS: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.FloorDiv: "div",
    ast.Mod: "mod",
    ast.BitAnd: "and",
    ast.BitOr: "or",
    ast.BitXor: "xor",
    ast.LShift: "shl",
    ast.RShift: "shr",
}

BAD_BIN_OPS: dict[type[ast.operator], str] = {
    ast.Div: "/ is not supported; use // for integer division",
    ast.Pow: "** is not supported; use * or <<",
    ast.MatMult: "@ is not supported; model values are ints",
}

COMPARE_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "eq",
    ast.NotEq: "ne",
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Is: "eq",
    ast.IsNot: "ne",
}

UNARY_OPS: dict[type[ast.unaryop], str] = {ast.USub: "neg", ast.Not: "not", ast.Invert: "inv"}

I64_MIN, I64_MAX = -(2**63), 2**63 - 1

NOT_A_MODEL_NAME = "is not a model function, struct, global, constant or primitive"


class ValueCompiler:
    """Translates the call-free expressions and the conditions of one model function."""

    def __init__(
        self,
        tables: IdTables,
        func: FunctionType,
        file: str,
        regs: Registers,
        line: int,
        types: StaticTypes | None = None,
    ) -> None:
        self.tables = tables
        self.func = func
        self.file = file
        self.regs = regs
        self.code = CodeBuffer(line=line)
        self.namespace: dict[str, Any] = func.__globals__
        self.types = types

    # -- errors and names -------------------------------------------------------------------

    def error(self, message: str, node: ast.AST | None = None) -> ModelError:
        """A ModelError at `node`'s line (or the current line)."""
        line = getattr(node, "lineno", None) or self.code.line
        return ModelError(message, self.file, line)

    def lookup(self, node: ast.Name) -> object:
        """The value of a non-local name in the function's module."""
        if node.id in self.namespace:
            return self.namespace[node.id]
        if node.id == "range":
            raise self.error("range() is only supported as for i in range(...)", node)
        what = "a Python builtin" if hasattr(builtins, node.id) else "not defined"
        raise self.error(f"name '{node.id}' {NOT_A_MODEL_NAME} (it is {what})", node)

    def static_int(self, node: ast.expr) -> int | None:
        """The value of an int literal or of a non-local name bound to an int, else None."""
        value: object = None
        if isinstance(node, ast.Constant):
            value = node.value
        elif isinstance(node, ast.Name) and self.regs.local(node.id) is None:
            value = self.namespace.get(node.id)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return None

    # -- values -----------------------------------------------------------------------------

    def operand(self, node: ast.expr) -> int:
        """A register holding the value of `node`: a local's own register or a new temporary."""
        if isinstance(node, ast.Name):
            reg = self.regs.local(node.id)
            if reg is not None:
                return reg
        reg = self.regs.temp()
        self.into(node, reg)
        return reg

    def into(self, node: ast.expr, dst: int) -> None:
        """Evaluate `node` into register `dst`."""
        saved = self.code.line
        self.code.line = getattr(node, "lineno", saved)
        mark = self.regs.mark()
        handler = getattr(self, f"_x_{type(node).__name__}", None)
        if handler is None:
            raise self.error(unsupported(node), node)
        handler(node, dst)
        self.regs.release(mark)
        self.code.line = saved

    def constant(self, value: object, dst: int, node: ast.AST) -> None:
        """Load a Python constant (int, bool, None or, where allowed, str) into `dst`."""
        if value is None:
            self.code.emit("null", dst)
        elif isinstance(value, bool):
            self.code.emit("int", dst, int(value))
        elif isinstance(value, int):
            if not I64_MIN <= value <= I64_MAX:
                raise self.error(f"integer constant {value} does not fit in 64 bits", node)
            self.code.emit("int", dst, value)
        elif isinstance(value, str):
            self.code.emit("str", dst, self.tables.string_id(value))
        elif isinstance(value, float):
            raise self.error("float constants are not supported; model values are ints", node)
        else:
            raise self.error(
                f"{type(value).__name__} constants are not supported; use int, bool or None",
                node,
            )

    def _x_Constant(self, node: ast.Constant, dst: int) -> None:  # noqa: N802
        if isinstance(node.value, str):
            raise self.error(
                'string constants are only supported as call arguments, e.g. WARN(c, "msg")',
                node,
            )
        self.constant(node.value, dst, node)

    def _x_Name(self, node: ast.Name, dst: int) -> None:  # noqa: N802
        reg = self.regs.local(node.id)
        if reg is not None:
            if reg != dst:
                self.code.emit("mov", dst, reg)
            return
        self.named_value(node.id, self.lookup(node), dst, node)

    def module_member(self, node: ast.Attribute) -> tuple[bool, object]:
        """(True, value) when `node` is `module.name` for a module the function's module
        imported (`import mycore`; `mycore.core_get`), else (False, None)."""
        base = node.value
        if not isinstance(base, ast.Name) or self.regs.local(base.id) is not None:
            return False, None
        module = self.namespace.get(base.id)
        if not isinstance(module, ModuleType):
            return False, None
        if not hasattr(module, node.attr):
            raise self.error(f"module {base.id} has no name '{node.attr}'", node)
        return True, getattr(module, node.attr)

    def named_value(self, name: str, value: object, dst: int, node: ast.expr) -> None:
        """Load the module-level value `value` (named `name`) into `dst`."""
        if isinstance(value, FunctionType):
            self.code.emit("func", dst, self.tables.reference_id(self.func, value))
        elif isinstance(value, Global):
            self.code.emit("global", dst, self.tables.global_id(value))
        elif value is None or isinstance(value, int | str):
            self.constant(value, dst, node)
        else:
            raise self.error(self.misuse(name, value), node)

    def misuse(self, name: str, value: object) -> str:
        """Why the non-local `name` cannot be used as a value here."""
        if is_struct_class(value):
            return (
                f"struct {name} can only be named in kzalloc({name}, gfp), kmalloc(...) "
                f'or container_of(p, {name}, "field")'
            )
        if isinstance(value, Primitive):
            return f"{name} is a primitive and can only be called; callbacks are model functions"
        if isinstance(value, Sugar):
            return f"{name} is model syntax and can only be called, as {name}(...)"
        return f"name '{name}' {NOT_A_MODEL_NAME} (it is a {type(value).__name__})"

    def check_field(self, node: ast.Attribute) -> None:
        """Reject `x.name` when the struct type of `x` is known and has no field `name`."""
        problem = self.types.field_error(node) if self.types else None
        if problem:
            raise self.error(problem, node)

    def _x_Attribute(self, node: ast.Attribute, dst: int) -> None:  # noqa: N802
        found, value = self.module_member(node)
        if found:
            self.named_value(ast.unparse(node), value, dst, node)
            return
        self.check_field(node)
        base = self.operand(node.value)
        self.code.emit("load", dst, base, self.tables.string_id(node.attr))

    def _x_Subscript(self, node: ast.Subscript, dst: int) -> None:  # noqa: N802
        base = self.operand(node.value)
        index = self.index(node)
        self.code.emit("iload", dst, base, index)

    def index(self, node: ast.Subscript) -> int:
        """The register holding the index of `a[i]`."""
        if isinstance(node.slice, ast.Slice):
            raise self.error(unsupported(node.slice), node)
        return self.operand(node.slice)

    def binary_op(self, op: ast.operator, node: ast.AST) -> str:
        """The IR name of an arithmetic operator."""
        name = BIN_OPS.get(type(op))
        if name is None:
            raise self.error(BAD_BIN_OPS.get(type(op), "unsupported operator"), node)
        return name

    def _x_BinOp(self, node: ast.BinOp, dst: int) -> None:  # noqa: N802
        op = self.binary_op(node.op, node)
        left = self.operand(node.left)
        right = self.operand(node.right)
        self.code.emit("bin", op, dst, left, right)

    def _x_UnaryOp(self, node: ast.UnaryOp, dst: int) -> None:  # noqa: N802
        inner = node.operand
        if isinstance(node.op, ast.USub):
            value = self.static_int(inner)
            if value is not None:
                self.constant(-value, dst, node)  # -1, -EINVAL: one instruction
                return
        if isinstance(node.op, ast.UAdd):
            self.into(inner, dst)
            return
        self.code.emit("un", UNARY_OPS[type(node.op)], dst, self.operand(inner))

    def _x_BoolOp(self, node: ast.BoolOp, dst: int) -> None:  # noqa: N802
        jump = "jz" if isinstance(node.op, ast.And) else "jnz"
        end = Label()
        self.into(node.values[0], dst)
        for value in node.values[1:]:
            self.code.emit(jump, dst, end)
            self.into(value, dst)
        self.code.place(end)

    def _x_Compare(self, node: ast.Compare, dst: int) -> None:  # noqa: N802
        end = Label()
        left_node = node.left
        left = self.operand(left_node)
        for i, (op, right_node) in enumerate(zip(node.ops, node.comparators, strict=True)):
            name = self.compare_op(op, left_node, right_node)
            right = self.operand(right_node)
            self.code.emit("bin", name, dst, left, right)
            if i + 1 < len(node.ops):
                self.code.emit("jz", dst, end)
            left, left_node = right, right_node
        self.code.place(end)

    def compare_op(self, op: ast.cmpop, left: ast.expr, right: ast.expr) -> str:
        """The IR name of a comparison; `is` is allowed only against None."""
        if isinstance(op, ast.Is | ast.IsNot) and not (_is_none(left) or _is_none(right)):
            raise self.error(
                "'is' is only supported as x is None / x is not None; use == for references",
                right,
            )
        name = COMPARE_OPS.get(type(op))
        if name is None:
            raise self.error(
                "'in' is not supported; compare with == or walk lists with list_first/list_next",
                right,
            )
        return name

    def _x_IfExp(self, node: ast.IfExp, dst: int) -> None:  # noqa: N802
        otherwise, end = Label(), Label()
        self.branch(node.test, otherwise, when=False)
        self.into(node.body, dst)
        self.code.emit("jmp", end)
        self.code.place(otherwise)
        self.into(node.orelse, dst)
        self.code.place(end)

    # -- control ----------------------------------------------------------------------------

    def branch(self, node: ast.expr, target: Label, when: bool) -> None:
        """Jump to `target` when the truthiness of `node` equals `when`, else fall through."""
        saved = self.code.line
        self.code.line = node.lineno
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.branch(node.operand, target, not when)
        elif isinstance(node, ast.BoolOp):
            self._branch_bool(node, target, when)
        elif isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, int)):
            if bool(node.value) == when:
                self.code.emit("jmp", target)
        else:
            mark = self.regs.mark()
            reg = self.operand(node)
            self.code.emit("jnz" if when else "jz", reg, target)
            self.regs.release(mark)
        self.code.line = saved

    def _branch_bool(self, node: ast.BoolOp, target: Label, when: bool) -> None:
        # `a and b` is false as soon as one operand is false; `a or b` true as soon as one is.
        deciding = not isinstance(node.op, ast.And)
        if when == deciding:
            for value in node.values:
                self.branch(value, target, when)
            return
        skip = Label()
        for value in node.values[:-1]:
            self.branch(value, skip, deciding)
        self.branch(node.values[-1], target, when)
        self.code.place(skip)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
