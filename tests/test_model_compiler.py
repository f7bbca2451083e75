"""Tests of the model compiler and loader: the IR they produce and the errors they report."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import orjson
import pytest

from pyfuzz._core import LIMITS, Program
from pyfuzz.errors import ModelError, ScenarioError
from pyfuzz.model import Actor, Scenario, Thread
from pyfuzz.model._source import display_path
from pyfuzz.model.compiler import CompiledModel, compile_scenario, resolve_variant
from pyfuzz.model.loader import find_scenario, load_model_file

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "tests" / "models"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # IR file paths are relative to the working directory.
    monkeypatch.chdir(REPO)


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"compiler_test_{name}", MODELS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shapes() -> ModuleType:
    return _module("compiler_shapes")


def _compile_one(func: FunctionType) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compile a scenario running just `func` (with None arguments); return (ir, its function)."""
    nargs = func.__code__.co_argcount
    ir = compile_scenario(Scenario(name="t", actors=[Thread(func, *[None] * nargs)])).ir
    return ir, ir["functions"][0]


def _code(shapes: ModuleType, name: str) -> list[list[Any]]:
    code: list[list[Any]] = _compile_one(getattr(shapes, name))[1]["code"]
    return code


def _line_of(path: Path, marker: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


# -- instruction shapes ---------------------------------------------------------------------


def test_function_entry_fields_and_lines(shapes: ModuleType) -> None:
    ir, fn = _compile_one(shapes.f_assign)
    assert ir["files"] == ["tests/models/compiler_shapes.py"]
    assert fn["name"] == "f_assign"
    assert fn["file"] == 0
    assert fn["line"] == _line_of(MODELS / "compiler_shapes.py", "def f_assign(")
    assert fn["params"] == 1
    assert fn["locals"] == 4  # a, x, y, one temporary
    assert fn["infra"] is False
    assert fn["code"] == [["mov", 1, 0], ["int", 3, 1], ["bin", "add", 2, 1, 3], ["ret", 2]]
    assert fn["lines"] == [fn["line"] + 1, fn["line"] + 2, fn["line"] + 2, fn["line"] + 3]


def test_attribute_chain_loads_field_names_as_strings(shapes: ModuleType) -> None:
    ir, fn = _compile_one(shapes.f_attr_chain)
    assert ir["strings"] == ["data", "count"]
    assert fn["code"] == [["load", 2, 0, 0], ["load", 1, 2, 1], ["ret", 1]]


def test_store_and_augmented_assignments(shapes: ModuleType) -> None:
    assert _code(shapes, "f_store") == [["store", 0, 0, 1]]
    # d.count += 1 is a load and a store (two visible operations), as in non-atomic C.
    assert _code(shapes, "f_aug") == [
        ["load", 2, 0, 0],
        ["int", 3, 1],
        ["bin", "add", 2, 2, 3],
        ["store", 0, 0, 2],
        ["load", 2, 0, 0],
        ["bin", "sub", 1, 1, 2],
    ]


def test_subscripts_evaluate_the_value_first(shapes: ModuleType) -> None:
    assert _code(shapes, "f_subscript") == [
        ["load", 3, 0, 0],
        ["int", 5, 1],
        ["bin", "add", 4, 1, 5],
        ["iload", 2, 3, 4],
        ["load", 3, 0, 0],
        ["istore", 3, 1, 2],
    ]


def test_if_elif_else(shapes: ModuleType) -> None:
    assert _code(shapes, "f_if") == [
        ["load", 3, 0, 0],
        ["int", 4, 0],
        ["bin", "eq", 2, 3, 4],
        ["jz", 2, 6],
        ["int", 1, 1],
        ["jmp", 11],
        ["load", 2, 0, 1],
        ["jz", 2, 10],
        ["int", 1, 2],
        ["jmp", 11],
        ["int", 1, 3],
        ["ret", 1],
    ]


def test_conditions_short_circuit_by_jumps(shapes: ModuleType) -> None:
    assert _code(shapes, "f_if_and") == [
        ["jz", 0, 4],
        ["jnz", 1, 4],
        ["int", 2, 1],
        ["ret", 2],
        ["int", 2, 0],
        ["ret", 2],
    ]


def test_while_break_continue(shapes: ModuleType) -> None:
    assert _code(shapes, "f_while") == [
        ["load", 1, 0, 0],
        ["jz", 1, 7],
        ["load", 1, 0, 1],
        ["jz", 1, 5],
        ["jmp", 7],
        ["jmp", 0],
        ["jmp", 0],
        ["int", 1, 0],
        ["ret", 1],
    ]


def test_for_range_uses_a_hidden_counter_and_constant_step(shapes: ModuleType) -> None:
    assert _code(shapes, "f_for") == [
        ["int", 2, 8],
        ["int", 3, 0],
        ["bin", "gt", 4, 2, 3],
        ["jz", 4, 11],
        ["mov", 1, 2],
        ["int", 5, 0],
        ["load", 6, 0, 0],
        ["istore", 6, 1, 5],
        ["int", 4, -2],
        ["bin", "add", 2, 2, 4],
        ["jmp", 2],
    ]
    # range(n): the bound is copied once, the loop variable is assigned from the counter.
    assert _code(shapes, "f_for_simple") == [
        ["int", 1, 0],
        ["int", 3, 0],
        ["mov", 4, 0],
        ["bin", "lt", 5, 3, 4],
        ["jz", 5, 10],
        ["mov", 2, 3],
        ["bin", "add", 1, 1, 2],
        ["int", 5, 1],
        ["bin", "add", 3, 3, 5],
        ["jmp", 3],
        ["ret", 1],
    ]


def test_with_unlocks_on_return_and_at_the_end(shapes: ModuleType) -> None:
    ir, fn = _compile_one(shapes.f_with)
    with_line = _line_of(MODELS / "compiler_shapes.py", "    with d.lock:")
    assert fn["code"] == [
        ["load", 2, 0, 0],
        ["prim", 1, "lock", [2]],
        ["load", 3, 0, 1],
        ["jz", 3, 7],
        ["int", 3, 1],
        ["prim", 4, "unlock", [2]],
        ["ret", 3],
        ["int", 3, 2],
        ["store", 0, 1, 3],
        ["prim", 3, "unlock", [2]],
        ["int", 1, 0],
        ["ret", 1],
    ]
    assert fn["lines"][1] == with_line
    assert fn["lines"][5] == with_line + 2  # the unlock before `return 1`
    assert fn["lines"][9] == with_line  # the unlock at the end of the block


def test_with_multiple_items_unlock_innermost_first_on_break_and_continue(
    shapes: ModuleType,
) -> None:
    assert _code(shapes, "f_with_loop") == [
        ["load", 2, 0, 0],
        ["prim", 1, "lock", [2]],
        ["load", 3, 0, 1],
        ["prim", 1, "lock", [3]],
        ["load", 4, 0, 2],
        ["jz", 4, 9],
        ["prim", 4, "unlock", [3]],
        ["prim", 4, "unlock", [2]],
        ["jmp", 13],
        ["prim", 4, "unlock", [3]],
        ["prim", 4, "unlock", [2]],
        ["jmp", 0],
        ["jmp", 0],
    ]


def test_boolean_operators_produce_the_deciding_operand(shapes: ModuleType) -> None:
    assert _code(shapes, "f_boolop") == [
        ["mov", 2, 0],
        ["jz", 2, 3],
        ["mov", 2, 1],
        ["jnz", 2, 5],
        ["null", 2],
        ["ret", 2],
    ]
    # x = y or x must read the old x: it is evaluated into a temporary first.
    assert _code(shapes, "f_self_or") == [
        ["mov", 2, 1],
        ["jnz", 2, 3],
        ["mov", 2, 0],
        ["mov", 0, 2],
        ["ret", 0],
    ]


def test_comparisons(shapes: ModuleType) -> None:
    assert _code(shapes, "f_chain") == [
        ["bin", "lt", 3, 0, 1],
        ["jz", 3, 3],
        ["bin", "lt", 3, 1, 2],
        ["ret", 3],
    ]
    assert _code(shapes, "f_is_none") == [["null", 2], ["bin", "eq", 1, 0, 2], ["ret", 1]]
    assert _code(shapes, "f_is_not_none") == [["null", 2], ["bin", "ne", 1, 0, 2], ["ret", 1]]


def test_conditional_expression_and_unary_operators(shapes: ModuleType) -> None:
    assert _code(shapes, "f_ifexp") == [
        ["jz", 0, 3],
        ["int", 1, 1],
        ["jmp", 4],
        ["int", 1, 2],
        ["ret", 1],
    ]
    assert _code(shapes, "f_unary") == [
        ["un", "neg", 4, 0],
        ["un", "inv", 5, 0],
        ["bin", "add", 3, 4, 5],
        ["un", "not", 4, 0],
        ["bin", "add", 2, 3, 4],
        ["mov", 3, 0],
        ["bin", "add", 1, 2, 3],
        ["ret", 1],
    ]
    assert _code(shapes, "f_neg_const") == [["int", 0, -22], ["ret", 0]]


def test_calls(shapes: ModuleType) -> None:
    ir, fn = _compile_one(shapes.f_direct_call)
    assert fn["code"] == [["int", 2, 5], ["call", 1, 1, [0, 2]], ["ret", 1]]
    assert [f["name"] for f in ir["functions"]] == ["f_direct_call", "f_store"]
    assert _code(shapes, "f_icall") == [
        ["load", 2, 0, 0],
        ["load", 3, 0, 1],
        ["icall", 1, 2, [0, 3]],
    ]
    assert _code(shapes, "f_local_icall") == [
        ["load", 1, 0, 0],
        ["icall", 2, 1, [0]],
        ["ret", 2],
    ]
    ir, fn = _compile_one(shapes.f_func_value)
    assert fn["code"] == [["func", 1, 1], ["store", 0, 0, 1]]
    assert ir["functions"][1]["name"] == "f_store"


def test_primitives_strings_alloc_container_of_assert(shapes: ModuleType) -> None:
    ir, fn = _compile_one(shapes.f_warn)
    assert ir["strings"] == ["count", "negative count"]
    assert fn["code"][-2:] == [["str", 3, 1], ["prim", 1, "WARN", [2, 3]]]
    ir, fn = _compile_one(shapes.f_alloc)
    assert fn["code"] == [["int", 1, 0xCC0], ["alloc", 0, 0, 1], ["ret", 0]]
    assert [s["name"] for s in ir["structs"]] == ["Dev"]
    ir, fn = _compile_one(shapes.f_container)
    assert fn["code"] == [["prim", 1, "container_of", [0]], ["ret", 1]]
    assert ir["structs"] == []  # the struct argument of container_of is only documentation
    assert _code(shapes, "f_assert")[-1] == ["assert", 1]


def test_wait_event_desugaring(shapes: ModuleType) -> None:
    assert _code(shapes, "f_wait") == [
        ["load", 2, 0, 0],
        ["int", 4, 0],
        ["prim", 3, "wq_prepare", [2]],
        ["load", 5, 0, 1],
        ["jnz", 5, 7],
        ["prim", 3, "wq_wait", [2, 4]],
        ["jmp", 2],
        ["prim", 3, "wq_finish", [2]],
        ["int", 1, 0],
    ]
    assert ["int", 4, 1] in _code(shapes, "f_wait_interruptible")


def test_wait_event_timeout_returns_1_on_success_and_0_on_timeout(shapes: ModuleType) -> None:
    assert _code(shapes, "f_wait_timeout") == [
        ["load", 2, 0, 0],
        ["int", 3, 100],
        ["int", 5, 2],
        ["prim", 4, "wq_prepare", [2]],
        ["load", 6, 0, 1],
        ["jnz", 6, 9],
        ["prim", 4, "wq_wait", [2, 5]],
        ["jnz", 4, 12],
        ["jmp", 3],
        ["prim", 4, "wq_finish", [2]],
        ["int", 1, 1],
        ["jmp", 14],
        ["prim", 4, "wq_finish", [2]],
        ["int", 1, 0],
        ["ret", 1],
    ]


def test_docstring_infra_globals_and_chained_assignment(shapes: ModuleType) -> None:
    assert _code(shapes, "f_docstring") == []
    assert _compile_one(shapes.f_infra)[1]["infra"] is True
    ir, fn = _compile_one(shapes.f_global)
    assert ir["globals"] == [{"name": "DEV", "struct": 0}]
    assert fn["code"] == [["global", 1, 0], ["load", 0, 1, 0], ["ret", 0]]
    assert _code(shapes, "f_multi_assign") == [
        ["load", 3, 0, 0],
        ["mov", 1, 3],
        ["mov", 2, 3],
        ["bin", "add", 3, 1, 2],
        ["ret", 3],
    ]


def test_with_keeps_the_lock_it_took_when_the_local_changes(shapes: ModuleType) -> None:
    assert _code(shapes, "f_with_local") == [
        ["load", 1, 0, 0],
        ["mov", 3, 1],
        ["prim", 2, "lock", [3]],
        ["load", 1, 0, 1],
        ["prim", 4, "unlock", [3]],
    ]


def test_recursion_calls_the_function_itself(shapes: ModuleType) -> None:
    ir, fn = _compile_one(shapes.f_recursive)
    assert len(ir["functions"]) == 1
    assert ["call", 1, 0, [2]] in fn["code"]


def test_every_jump_target_and_register_is_in_range(shapes: ModuleType) -> None:
    for name in dir(shapes):
        if name.startswith("f_"):
            _, fn = _compile_one(getattr(shapes, name))
            assert len(fn["code"]) == len(fn["lines"])
            for instr in fn["code"]:
                if instr[0] in ("jmp", "jz", "jnz"):
                    assert 0 <= instr[-1] <= len(fn["code"])


# -- structs, globals, scenarios ------------------------------------------------------------


def test_struct_field_types_with_string_annotations() -> None:
    scenario, _ = find_scenario("tests/models/compiler_types.py")
    ir = compile_scenario(scenario).ir
    structs = {s["name"]: s for s in ir["structs"]}
    assert [s["name"] for s in ir["structs"]] == ["Outer", "Inner", "Later"]
    assert structs["Outer"]["line"] == _line_of(MODELS / "compiler_types.py", "class Outer(")
    assert [(f["name"], f["type"]) for f in structs["Outer"]["fields"]] == [
        ("kref", "kref"),
        ("node", "list"),
        ("inner", {"embed": 1}),
        ("sem", "rwsem"),
        ("comp", "completion"),
        ("work", "work"),
        ("ptrs", {"array": "ref", "len": 3}),
        ("handlers", {"array": "func", "len": 2}),
        ("flags", {"array": "int", "len": 16}),
        ("anything", {"ref": None}),
        ("self_ref", {"ref": 0}),
        ("later", {"ref": 2}),
        ("mutex", "mutex"),
        ("wq", "waitqueue"),
        ("cb", "func"),
        ("enabled", "int"),
    ]
    assert structs["Inner"]["fields"] == [
        {"name": "lock", "type": "spinlock"},
        {"name": "value", "type": "int"},
    ]
    assert ir["globals"] == [{"name": "OUTER", "struct": 0}]


def test_scenario_threads_boot_config_and_variant_substitution() -> None:
    scenario, variant = find_scenario("tests/models/compiler_variants.py:compiler_variants")
    assert variant == "fixed"  # the default variant
    ir = compile_scenario(scenario, variant).ir
    names = [f["name"] for f in ir["functions"]]
    # Action functions first (actors in order), then boot functions, then first use.
    assert names == ["user", "reader", "take_lock_fixed", "boot_dev", "helper"]
    assert "take_lock" not in names
    helper = ir["functions"][names.index("helper")]
    # The call uses the substitute, and so does the function value.
    assert helper["code"] == [["call", 1, 2, [0]], ["func", 1, 2], ["store", 0, 2, 1]]
    assert ir["boot"] == [3]
    assert ir["globals"] == [{"name": "the_dev", "struct": 0}]
    assert ir["config"] == {"lockdep": False, "max_steps": 500}
    assert ir["variant"] == "fixed"
    assert ir["threads"][1] == {
        "name": "readers",
        "context": "softirq",
        "daemon": True,
        "actions": [
            {"name": "read1", "func": 1, "args": [{"global": 0}, {"int": 1}]},
            {"name": "take_lock", "func": 2, "args": [{"global": 0}]},
        ],
        "default": [0, 1],
        "min": 1,
        "max": 3,
        "optional": True,
    }
    buggy = compile_scenario(scenario, "buggy").ir
    assert [f["name"] for f in buggy["functions"]] == [
        "user",
        "reader",
        "take_lock",
        "boot_dev",
        "helper",
    ]


def test_compiled_model_record_and_determinism() -> None:
    spec = "tests/models/compiler_variants.py:compiler_variants"
    first = compile_scenario(find_scenario(spec)[0])
    again = compile_scenario(find_scenario(spec)[0])
    assert isinstance(first, CompiledModel)
    assert (first.scenario, first.variant) == ("compiler_variants", "fixed")
    assert first.ir_bytes == again.ir_bytes
    assert first.model_hash == again.model_hash
    assert orjson.loads(first.ir_bytes) == first.ir
    assert first.ir_bytes == orjson.dumps(first.ir, option=orjson.OPT_SORT_KEYS)
    assert len(first.model_hash) == 64
    other = compile_scenario(find_scenario("tests/models/compiler_types.py")[0])
    assert other.model_hash != first.model_hash


def test_compilation_is_identical_across_processes() -> None:
    script = (
        "import sys, hashlib; from pyfuzz.model.loader import find_scenario;"
        "from pyfuzz.model.compiler import compile_scenario;"
        "m = compile_scenario(*find_scenario('tests/models/compiler_basic.py'));"
        "print(hashlib.sha256(m.ir_bytes).hexdigest(), m.model_hash)"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_resolve_variant() -> None:
    scenario, _ = find_scenario("tests/models/compiler_variants.py:compiler_variants")
    assert resolve_variant(scenario) == "fixed"
    assert resolve_variant(scenario, "buggy") == "buggy"
    plain, variant = find_scenario("tests/models/compiler_variants.py:compiler_plain")
    assert variant == ""
    assert compile_scenario(plain).variant == ""
    with pytest.raises(ScenarioError, match="valid variants: buggy, fixed"):
        compile_scenario(scenario, "nope")
    with pytest.raises(ScenarioError, match="unknown variant 'x'"):
        find_scenario("tests/models/compiler_variants.py:compiler_variants:x")


def test_display_paths(tmp_path: Path) -> None:
    inside = REPO / "tests" / "models" / "compiler_basic.py"
    assert display_path(inside, REPO) == "tests/models/compiler_basic.py"
    package_file = REPO / "pyfuzz" / "model" / "dsl.py"
    assert display_path(package_file, tmp_path) == "pyfuzz/model/dsl.py"
    outside = tmp_path / "model.py"
    assert display_path(outside, REPO) == outside.as_posix()


# -- loader ---------------------------------------------------------------------------------


def test_load_model_file_collects_scenarios_in_lists_once() -> None:
    scenarios = load_model_file("tests/models/compiler_variants.py")
    assert [s.name for s in scenarios] == ["compiler_variants", "compiler_plain"]
    again = load_model_file("tests/models/compiler_variants.py")
    # A fresh module every time.
    assert again[0].actors[0].actions[0].func is not scenarios[0].actors[0].actions[0].func


def test_find_scenario_specs() -> None:
    scenario, variant = find_scenario("tests/models/compiler_variants.py:compiler_variants:buggy")
    assert (scenario.name, variant) == ("compiler_variants", "buggy")
    assert find_scenario("tests/models/compiler_basic.py")[0].name == "compiler_basic"
    with pytest.raises(ScenarioError, match="compiler_variants, compiler_plain"):
        find_scenario("tests/models/compiler_variants.py")
    with pytest.raises(ScenarioError, match="no scenario 'nope'"):
        find_scenario("tests/models/compiler_variants.py:nope")
    with pytest.raises(ScenarioError, match="no such model file"):
        find_scenario("tests/models/compiler_missing.py:x")


def _write(tmp_path: Path, source: str, name: str = "compiler_bad.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return name


def test_syntax_error_in_a_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = _write(tmp_path, "from pyfuzz.model import *\n\ndef f(:\n    pass\n")
    with pytest.raises(ModelError) as info:
        load_model_file(name)
    assert str(info.value).startswith(f"{name}:3: syntax error")
    assert "\n" not in str(info.value)


def test_exception_while_importing_a_model_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    name = _write(tmp_path, "from pyfuzz.model import *\n\nx = 1\ny = x // 0\n")
    with pytest.raises(ModelError) as info:
        load_model_file(name)
    assert str(info.value) == (
        f"{name}:4: error while importing the model: "
        "ZeroDivisionError: integer division or modulo by zero"
    )


# -- compile errors -------------------------------------------------------------------------

HEADER = """\
import functools
import os
from pyfuzz.model import *


class S(Struct):
    x: int
    lock: Mutex


G = Global(S)


def h(a, b):
    return a


def deco(fn):
    return fn


def wrapping(fn):
    return functools.wraps(fn)(lambda *args: fn(*args))


"""

FOOTER = """

SCENARIO = Scenario(name="bad", actors=[Thread(f, G)])
"""

BODY_ERRORS = [
    ("try:\n    pass\nexcept Exception:\n    pass", "try statements are not supported"),
    ("raise ValueError()", "raise is not supported; return an error code"),
    ("global G", "global statements are not supported"),
    ("del a", "del is not supported; free objects with kfree(p)"),
    ("import sys", "import inside a model function is not supported"),
    ("def g():\n    pass", "nested function definitions are not supported"),
    ("class C:\n    pass", "class definitions inside a function are not supported"),
    ("g = lambda: 0", "lambda is not supported"),
    ("yield 1", "yield is not supported"),
    ("x, y = 1, 2", "tuples are not supported"),
    ("x = [1]", "list literals are not supported"),
    ("x = {}", "dict literals are not supported"),
    ("x = [i for i in range(3)]", "comprehensions are not supported"),
    ("x = a.x[1:2]", "slices are not supported"),
    ("if (y := a):\n    pass", "assignment expressions (:=) are not supported"),
    ('x = f"{a}"', "f-strings are not supported"),
    ("x = 1.5", "float constants are not supported"),
    ('x = "text"', "string constants are only supported as call arguments"),
    ("x = a.x / 2", "/ is not supported; use // for integer division"),
    ("x = a.x ** 2", "** is not supported"),
    ("a.x /= 2", "/= is not supported; use //="),
    ("x = a in a", "'in' is not supported"),
    ("x = a is a", "'is' is only supported as x is None"),
    ("x = len(a)", "name 'len' is not a model function, struct, global, constant or primitive"),
    ("x = undefined_name", "(it is not defined)"),
    ("x = wait_event", "wait_event is model syntax and can only be called"),
    ("x = os", "name 'os' is not a model function, struct, global, constant or primitive"),
    ("x = undefined_name", "name 'undefined_name' is not a model function"),
    ("x = range(3)", "range() is only supported as for i in range(...)"),
    ("for i in a:\n    pass", "for loops are only supported over range(n)"),
    ("for i in range(0, 5, a):\n    pass", "the range() step must be an int constant"),
    ("for i in range(0, 5, 0):\n    pass", "the range() step must not be zero"),
    ("with a.lock as l:\n    pass", "with ... as ... is not supported"),
    ("match a:\n    case 1:\n        pass", "match statements are not supported"),
    ("x = S", "struct S can only be named in kzalloc(S, gfp)"),
    ("x = S()", "structs are allocated with kzalloc(S, GFP_KERNEL)"),
    ("x = mutex_lock", "mutex_lock is a primitive and can only be called"),
    ("mutex_lock(a.lock, a)", "mutex_lock() takes 1 argument but 2 were given"),
    ("h(a)", "h() takes 2 arguments but 1 was given"),
    ("h(a, b=1)", "keyword arguments are not supported"),
    (f"a.x({', '.join(['a'] * 17)})", "calls take at most 16 arguments"),
    ("h(*a)", "starred expressions (*x) are not supported"),
    ("while a.x:\n    pass\nelse:\n    pass", "while ... else is not supported"),
    ("a.x", "expression statements must be calls"),
    ("a.lock = None", "cannot assign to the embedded field 'lock'"),
    ("x = 100000000000000000000000", "does not fit in 64 bits"),
    ("x = kzalloc(a, GFP_KERNEL)", "kzalloc(T, gfp) needs a Struct subclass name"),
    ("x = wait_event(a.lock)", "wait_event() takes 2 arguments (wq, condition)"),
    ("x = container_of(a, S, 1)", 'container_of(p, T, "field") needs the field name'),
]


@pytest.mark.parametrize(("body", "message"), BODY_ERRORS)
def test_unsupported_constructs_in_function_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    source = HEADER + "def f(a):\n" + textwrap.indent(body, "    ") + "\n" + FOOTER
    name = _write(tmp_path, source)
    first_body_line = HEADER.count("\n") + 2
    scenario, variant = find_scenario(name)
    with pytest.raises(ModelError) as info:
        compile_scenario(scenario, variant)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{name}:{first_body_line}: "), text
    assert message in text, text


FUNCTION_ERRORS = [
    ("def f(a=1):\n    pass", "default parameter values are not supported"),
    ("def f(*a):\n    pass", "*args parameters are not supported"),
    ("def f(a, **k):\n    pass", "keyword-only and **kwargs parameters are not supported"),
    (f"def f({', '.join(f'p{i}' for i in range(17))}):\n    pass", "at most 16 parameters"),
    ("async def f(a):\n    pass", "async functions are not supported"),
    ("@deco\ndef f(a):\n    pass", "decorator @deco is not supported; only @infra is"),
    ("@wrapping\ndef f(a):\n    pass", "decorator @wrapping is not supported; only @infra is"),
    ("def f(a, b):\n    pass", "action 'f' of actor 'f' passes 1 argument(s) but f() takes 2"),
    (
        "def f(a):\n" + "".join(f"    x{i} = {i}\n" for i in range(300)),
        "function too large: f() needs",
    ),
]


@pytest.mark.parametrize(("source", "message"), FUNCTION_ERRORS)
def test_function_signature_errors_point_at_the_def_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    name = _write(tmp_path, HEADER + source + FOOTER)
    line = HEADER.count("\n") + 1  # the decorator or def line
    scenario, variant = find_scenario(name)
    with pytest.raises(ModelError) as info:
        compile_scenario(scenario, variant)
    assert str(info.value).startswith(f"{name}:{line}: "), str(info.value)
    assert message in str(info.value)


STRUCT_ERRORS = [
    ("class T(Struct):\n    y: float\n", "field 'y' of struct T has unsupported type float"),
    ("class T(Struct):\n    y: Array[int, 0]\n", "Array length 0; it must be in 1..4096"),
    ("class T(Struct):\n    y: Ref[int]\n", "Ref needs a Struct subclass"),
    ("class T(Struct):\n    y: int = 5\n", "field 'y' of struct T has a default value"),
    ("class T(Struct):\n    y: Nope\n", "annotation 'Nope' that cannot be resolved"),
    (
        "class T(Struct):\n    y: U\n\n\nclass U(Struct):\n    t: T\n",
        "struct T embeds itself (T.y -> U.t -> T)",
    ),
]


@pytest.mark.parametrize(("source", "message"), STRUCT_ERRORS)
def test_struct_errors_point_at_the_class_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    model = (
        "from __future__ import annotations\n\nfrom pyfuzz.model import *\n\n\n"
        + source
        + "\n\nTG = Global(T)\n\n\ndef f():\n    return TG\n"
        + '\n\nSCENARIO = Scenario(name="bad", actors=[Thread(f)])\n'
    )
    name = _write(tmp_path, model)
    scenario, variant = find_scenario(name)
    with pytest.raises(ModelError) as info:
        compile_scenario(scenario, variant)
    assert str(info.value).startswith(f"{name}:6: "), str(info.value)
    assert message in str(info.value)


def _scenario_with(**changes: Any) -> Scenario:
    shapes_module = _module("compiler_shapes")
    actor = Actor(name="a", actions=Thread(shapes_module.f_store, None, 1).actions)
    fields = {"name": "s", "actors": [actor], **changes}
    return Scenario(**fields)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"config": {"nope": 1}}, "unknown config key 'nope'"),
        ({"config": {"lockdep": 1}}, "config 'lockdep' must be bool"),
        ({"config": {"max_steps": 0}}, "config 'max_steps' must be positive"),
        ({"actors": [Actor(name="a", actions=(), context="x")]}, "context 'x' is not one of"),
        ({"variants": {"v": {len: len}}}, "must map model functions to model functions"),
        ({"actors": []}, f"declares 0 actors; it needs 1 to {LIMITS['max_actors']}"),
    ],
)
def test_scenario_declaration_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        compile_scenario(_scenario_with(**changes))


def test_the_actor_limit_is_the_cores_and_a_scenario_at_it_runs() -> None:
    """The compiler checks the limit the core exports, so the two cannot drift apart."""
    most = LIMITS["max_actors"]
    actor = _scenario_with().actors[0]
    many = [Actor(name=f"a{i}", actions=actor.actions) for i in range(most)]
    with pytest.raises(ScenarioError, match=f"declares {most + 1} actors; it needs 1 to {most}"):
        compile_scenario(_scenario_with(actors=[*many, actor]))
    compiled = compile_scenario(_scenario_with(actors=many))
    program = Program(compiled.ir_bytes)
    # Every actor stores through a NULL pointer (`f_store(None, 1)`): each run ends there.
    batch = program.run_batch("random", 50, seed=1, stop_on_finding=False)
    assert batch.executions == 50 and batch.findings == 50
    assert "NULL pointer" in batch.outcome.finding.title


def test_actor_bounds_are_validated() -> None:
    shapes_module = _module("compiler_shapes")
    actions = Thread(shapes_module.f_store, None, 1).actions
    bad = [
        Actor(name="a", actions=actions, default=(1,)),
        Actor(name="a", actions=actions, default=(0, 0)),
        Actor(name="a", actions=actions, min=2, max=1),
        Actor(name="a", actions=actions, max=65),
    ]
    for actor in bad:
        with pytest.raises(ScenarioError, match="actor 'a'"):
            compile_scenario(Scenario(name="s", actors=[actor]))


def test_the_model_hash_follows_what_the_model_does_not_where_its_lines_are(tmp_path) -> None:
    """Comments, docstrings and blank lines keep the hash (saved traces still replay
    strictly); a change to the code changes it."""
    source = (
        "from pyfuzz.model import *\n\n\nclass S(Struct):\n    n: int\n\n\ns = Global(S)\n\n\n"
        "def bump():\n    s.n = s.n + 1\n\n\nsc = Scenario(name='sc', actors=[Thread(bump)])\n"
    )
    path = tmp_path / "m.py"

    def compiled(text: str) -> CompiledModel:
        path.write_text(text)
        return compile_scenario(*find_scenario(str(path)))

    base = compiled(source)
    moved = compiled('"""A docstring."""\n# and a comment\n\n' + source)
    assert moved.ir_bytes != base.ir_bytes  # the line tables moved
    assert moved.model_hash == base.model_hash
    changed = compiled(source.replace("s.n + 1", "s.n + 2"))
    assert changed.model_hash != base.model_hash
