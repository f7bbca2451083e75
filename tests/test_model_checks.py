"""Models are checked when they load, not when a line runs: field names against the struct's
declared fields, every variant's mapping, report/WARN messages, failures while importing, and
every error names its file and line without a memory address."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
from model_mutants import Mutant, mutants

from pyfuzz._core import Program
from pyfuzz.errors import DeclarationError, ModelError, ScenarioError, UsageError
from pyfuzz.model import Scenario
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import find_scenario, load_model_file

REPO = Path(__file__).resolve().parents[1]
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")

HEADER = """\
from pyfuzz.model import *


class Dev(Struct):
    count: int
    lock: Mutex
    peer: Ref["Dev"]
    other: Ref["Other"]
    slots: Array[Ref["Other"], 2]


class Other(Struct):
    value: int
    node: ListHead


DEV = Global(Dev)
"""


def _write(tmp_path: Path, body: str, name: str = "model.py") -> str:
    (tmp_path / name).write_text(HEADER + textwrap.dedent(body))
    return name


def _line(name: str, tmp_path: Path, marker: str) -> int:
    for number, text in enumerate((tmp_path / name).read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {name}")


def _compile_all(name: str) -> None:
    """Load a model file and compile every scenario's default variant."""
    for scenario in load_model_file(name):
        compile_scenario(scenario)


def _error(name: str) -> UsageError:
    with pytest.raises(UsageError) as info:
        _compile_all(name)
    text = str(info.value)
    assert "\n" not in text and not ADDRESS.search(text), text
    return info.value


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # display paths are relative to the working directory


# -- 1. field accesses are checked at compile time ------------------------------------------

TYPED_ACCESSES = [
    # (function body, the line marker of the misspelled access, expected hint)
    ("if DEV.count > 100:\n    DEV.cuont = 1  # X", "did you mean 'count'?"),
    ("d = kzalloc(Dev, GFP_KERNEL)\nd.lok = None  # X\nkfree(d)", "did you mean 'lock'?"),
    ("p = DEV.peer\nif p is not None:\n    p.zzz += 1  # X", "its fields are: count, lock,"),
    ("o = DEV.other\nx = o.valeu  # X", "did you mean 'value'?"),
    ("o = DEV.slots[1]\nx = o.vale  # X", "did you mean 'value'?"),
    ("o = container_of(DEV.other.node, Other, 'node')\nx = o.nod  # X", "did you mean 'node'?"),
    ("x = container_of(DEV.other.node, Other, 'nodes')  # X", "did you mean 'node'?"),
    ("d = DEV\nwhile d is not None:\n    d = d.peer\nx = d.cnt  # X", "did you mean 'count'?"),
    ("d = None\nif DEV.count:\n    d = DEV\nelse:\n    d = DEV.peer\nx = d.lck  # X", "lock"),
    ("d = DEV if DEV.count else None\nwith d.lcok:  # X\n    pass", "did you mean 'lock'?"),
    ("x: Other = DEV.count\nx.valu = 1  # X", "did you mean 'value'?"),
]


@pytest.mark.parametrize(("body", "hint"), TYPED_ACCESSES)
def test_a_misspelled_field_of_a_known_struct_fails_compilation(
    tmp_path: Path, body: str, hint: str
) -> None:
    source = "\n\ndef f():\n" + textwrap.indent(body, "    ") + "\n\n"
    name = _write(tmp_path, source + "S = Scenario(name='s', actors=[Thread(f)])\n")
    error = _error(name)
    assert isinstance(error, ModelError)
    line = _line(name, tmp_path, "# X")
    assert str(error).startswith(f"{name}:{line}: struct "), str(error)
    assert "has no field" in str(error) and hint in str(error)


@pytest.mark.parametrize(
    "signature",
    ["def f(d: Dev):", "def f(d: Ref[Dev]):", "def f(d: 'Dev'):", "def f(d: 'Ref[Dev]'):"],
)
def test_annotated_parameters_are_checked(tmp_path: Path, signature: str) -> None:
    scenario = "S = Scenario(name='s', actors=[Thread(f, DEV)])\n"
    body = f"\n\n{signature}\n    d.conut = 1  # X\n\n\n{scenario}"
    name = _write(tmp_path, body)
    assert str(_error(name)).startswith(f"{name}:{_line(name, tmp_path, '# X')}: ")


def test_an_unresolvable_parameter_annotation_names_the_def_line(tmp_path: Path) -> None:
    body = (
        "\n\ndef f(d: 'Nope'):  # X\n    pass\n\n\nS = Scenario(name='s', actors=[Thread(f, 1)])\n"
    )
    name = _write(tmp_path, body)
    error = _error(name)
    assert str(error).startswith(f"{name}:{_line(name, tmp_path, '# X')}: ")
    assert "annotation 'Nope' of 'd' cannot be resolved" in str(error)


UNTYPED_ACCESSES = [
    "p.cuont = 1",  # an unannotated parameter
    "x = DEV.count\nx = DEV\nx.cuont = 1",  # an int, then a Dev
    "x = kzalloc(Dev, GFP_KERNEL)\nx = kzalloc(Other, GFP_KERNEL)\nx.valeu = 1",  # two structs
    "x = g(p)\nx.cuont = 1",  # a call result
    "x = DEV.lock\nx.cuont = 1",  # a lock, not a struct
]


@pytest.mark.parametrize("body", UNTYPED_ACCESSES)
def test_where_the_type_is_unknown_the_check_stays_at_run_time(tmp_path: Path, body: str) -> None:
    source = "\n\ndef g(p):\n    return p\n\n\ndef f(p):\n" + textwrap.indent(body, "    ")
    name = _write(tmp_path, source + "\n\n\nS = Scenario(name='s', actors=[Thread(f, DEV)])\n")
    scenario, variant = find_scenario(name)
    program = Program(compile_scenario(scenario, variant).ir_bytes)
    result = program.verify(0)
    # A model error is a run status with its file and line, not a finding; the search stops.
    assert result.outcome is None and result.model_error is not None
    outcome = result.model_error
    assert outcome.status == "model-error" and outcome.finding is None
    fault = outcome.model_error
    assert fault["file"].endswith(".py") and fault["line"] > 0 and fault["message"]


def test_field_checks_leave_the_ir_of_a_typed_model_unchanged() -> None:
    scenario, _ = find_scenario(str(REPO / "tests/models/checks_typed.py"))
    for variant in scenario.variant_names():
        program = Program(compile_scenario(scenario, variant).ir_bytes)
        assert program.verify(0).outcome is None  # clean: every typed access is right


# -- 2. every variant is validated, whichever is compiled ------------------------------------

VARIANT_ERRORS = [
    ("{f: 3}", "must map model functions to model functions, not function f() to 3"),
    ("{f: object()}", "not function f() to an object object"),
    ("{3: f}", "not 3 to function f()"),
    ("{f: len}", "to built-in function len"),
    ("{f: lambda: 0}", "to function <lambda>()"),
    ("{f: two}", "replaces f() (0 parameters, model.py:"),
    ("[f]", "must be a dict {function: replacement}, not [function f()]"),
]


@pytest.mark.parametrize(("mapping", "message"), VARIANT_ERRORS)
def test_every_variant_is_validated_whichever_is_selected(
    tmp_path: Path, mapping: str, message: str
) -> None:
    body = f"""

    def f():
        pass


    def two(a, b):
        pass


    S = Scenario(  # X
        name="s",
        actors=[Thread(f)],
        variants={{"good": {{}}, "bad": {mapping}}},
    )
    """
    name = _write(tmp_path, body)
    scenario = load_model_file(name)[0]
    with pytest.raises(DeclarationError) as info:
        compile_scenario(scenario, "good")
    text = str(info.value)
    assert text.startswith(f"{name}:{_line(name, tmp_path, '# X')}: variant 'bad' of scenario 's'")
    assert message in text and not ADDRESS.search(text), text
    assert isinstance(info.value, ScenarioError)  # as the declaration errors always were


def test_an_unknown_default_variant_names_the_declaration(tmp_path: Path) -> None:
    body = """

    def f():
        pass


    S = Scenario(name="s", actors=[Thread(f)], variants={"a": {}}, default_variant="b")  # X
    """
    name = _write(tmp_path, body)
    with pytest.raises(DeclarationError) as info:
        find_scenario(name)
    assert str(info.value) == (
        f"{name}:{_line(name, tmp_path, '# X')}: scenario 's': default_variant 'b' is not one "
        "of its variants; valid variants: a"
    )


# -- 3. report/WARN messages are string constants -------------------------------------------


@pytest.mark.parametrize(
    "call", ["report(3)", "WARN(DEV.count, 3)", "report(msg)", "WARN(1, DEV)", "report(None)"]
)
def test_report_and_warn_messages_must_be_string_constants(tmp_path: Path, call: str) -> None:
    body = (
        f"\n\ndef f(msg):\n    {call}  # X\n\n\nS = Scenario(name='s', actors=[Thread(f, 'm')])\n"
    )
    name = _write(tmp_path, body)
    error = _error(name)
    assert str(error).startswith(f"{name}:{_line(name, tmp_path, '# X')}: the message of ")
    assert "must be a string constant" in str(error)


def test_string_constant_messages_still_compile(tmp_path: Path) -> None:
    body = "\n\ndef f():\n    WARN(DEV.count, 'warned')\n    report('first line')\n\n\n"
    name = _write(tmp_path, body + "S = Scenario(name='s', actors=[Thread(f)])\n")
    finding = Program(compile_scenario(*find_scenario(name)).ir_bytes).verify(0).outcome
    assert finding is not None and finding.finding.report.startswith("first line")


# -- 4. importing a model file never exits or crashes ---------------------------------------

IMPORT_FAILURES = [
    ("import sys\nsys.exit(1)", "the model called sys.exit(1)"),
    ("import sys\nsys.exit()", "the model called sys.exit()"),
    ("exit('bye')", "the model called sys.exit('bye')"),
    ("raise SystemExit", "the model called sys.exit()"),
    ("raise ValueError('boom')", "ValueError: boom"),
    ("raise ValueError(object())", "ValueError: <object object>"),
    ("raise GeneratorExit", "GeneratorExit"),
    ("class Stop(BaseException):\n    pass\nraise Stop('x')", "Stop: x"),
    ("import os\nos.getcwd(1)", "TypeError"),
]


@pytest.mark.parametrize(("statement", "message"), IMPORT_FAILURES)
def test_an_import_that_exits_or_raises_is_a_model_error_at_its_line(
    tmp_path: Path, statement: str, message: str
) -> None:
    name = _write(tmp_path, "\n" + statement + "  # X\n")
    with pytest.raises(ModelError) as info:
        load_model_file(name)
    text = str(info.value)
    assert text.startswith(f"{name}:{_line(name, tmp_path, '# X')}: error while importing")
    assert message in text and not ADDRESS.search(text), text


def test_ctrl_c_while_importing_still_interrupts(tmp_path: Path) -> None:
    name = _write(tmp_path, "\nraise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_model_file(name)


def test_an_expression_too_deep_for_pythons_compiler_names_its_line(tmp_path: Path) -> None:
    name = _write(tmp_path, "\n\nX = 1\nY = " + "+".join(["1"] * 5000) + "\nZ = 2\n")
    with pytest.raises(ModelError) as info:
        load_model_file(name)
    assert str(info.value).startswith(f"{name}:{_line(name, tmp_path, 'Y = ')}: ")
    assert "RecursionError" in str(info.value)


def test_python_warnings_while_importing_and_compiling_are_not_shown(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    body = r"""

    PATTERN = "\d+"
    if DEV is 1:
        pass


    def f():
        WARN(DEV.count, "bad \d escape")


    S = Scenario(name="s", actors=[Thread(f)])
    """
    name = _write(tmp_path, body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _compile_all(name)
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr().err == ""


# -- 5. every model error names its file and line -------------------------------------------

WITH_A = "\nS = Scenario(name='s', actors=[A])"
DECLARATION_ERRORS = [
    ("S = Scenario(name='s', actors=Thread(f))  # X", "actors must be a list"),
    ("S = Scenario(name='s', actors=[Thread(f)], boot=f)  # X", "boot must be a list"),
    ("S = Scenario(name='s', actors=[Thread(f)], boot=[3])  # X", "boot entry 3 is not"),
    ("S = Scenario(name='s', actors=[f])  # X", "function f() is not an Actor or Thread"),
    ("S = Scenario(name=3, actors=[Thread(f)])  # X", "name must be a string, not 3"),
    ("S = Scenario(name='s', actors=[Thread(f)], config={'x': 1})  # X", "unknown config key"),
    ("S = Scenario(name='s', actors=[Thread(f)], config=[1])  # X", "config must be a dict"),
    ("S = Scenario(name='s', actors=[Thread(f)] * 4097)  # X", "declares 4097 actors"),
    ("T = Thread(f, context='irq')  # X\nS = Scenario(name='s', actors=[T])", "context 'irq'"),
    ("T = Thread(3)  # X\nS = Scenario(name='s', actors=[T])", "must be a model function"),
    (
        "A = Actor(name='a', actions=[], default=())  # X\nS = Scenario(name='s', actors=[A])",
        "non-empty",
    ),
    (
        "A = Actor(name='a', actions=[Action(f)], default=0)  # X" + WITH_A,
        "must be lists",
    ),
    (
        "A = Actor(name='a', actions=[Action(f)], max=65)  # X\nS = Scenario(name='s', actors=[A])",
        "max <= 64",
    ),
    (
        "A = Action(h, (object(),))  # X\nA = Actor(name='a', actions=[A])" + WITH_A,
        "argument an object object",
    ),
    (
        "G = Global(object())  # X\n\n\ndef g():\n    G.x = 1\n\n\nA = Thread(g)" + WITH_A,
        "needs a Struct subclass",
    ),
]


@pytest.mark.parametrize(("declaration", "message"), DECLARATION_ERRORS)
def test_declaration_errors_name_the_declarations_line(
    tmp_path: Path, declaration: str, message: str
) -> None:
    functions = "\n\ndef f():\n    pass\n\n\ndef h(a):\n    pass\n\n\n"
    name = _write(tmp_path, functions + declaration + "\n")
    error = _error(name)
    assert isinstance(error, ModelError | ScenarioError)
    assert str(error).startswith(f"{name}:{_line(name, tmp_path, '# X')}: "), str(error)
    assert message in str(error), str(error)


def test_too_many_fields_names_the_struct(tmp_path: Path) -> None:
    fields = "".join(f"    f{i}: int\n" for i in range(4097))
    body = f"\n\nclass Big(Struct):  # X\n{fields}\n\nB = Global(Big)\n\n\ndef f():\n    B.f0 = 1\n"
    name = _write(tmp_path, body + "\n\nS = Scenario(name='s', actors=[Thread(f)])\n")
    error = _error(name)
    assert str(error).startswith(f"{name}:{_line(name, tmp_path, '# X')}: struct Big has 4097")


@pytest.mark.parametrize(
    "expression",
    ["+".join(["1"] * 600), "not " * 990 + "DEV", "DEV" + ".peer" * 700 + ".count"],
)
def test_compile_time_recursion_names_the_line(tmp_path: Path, expression: str) -> None:
    body = f"\n\ndef f():\n    x = 0\n    if {expression}:  # X\n        pass\n\n\n"
    name = _write(tmp_path, body + "S = Scenario(name='s', actors=[Thread(f)])\n")
    error = _error(name)
    assert str(error).startswith(f"{name}:{_line(name, tmp_path, '# X')}: f() nests ")


def test_a_chain_of_structs_too_long_to_translate_names_its_first_struct(tmp_path: Path) -> None:
    chain = "".join(
        f"\n\nclass S{i}(Struct):\n    v: int\n    nxt: Ref['S{i + 1}']\n" for i in range(600)
    )
    body = chain + "\n\nclass S600(Struct):\n    v: int\n\n\nC = Global(S0)\n\n\n"
    name = _write(
        tmp_path, body + "def f():\n    C.v = 1\n\n\nS = Scenario(name='s', actors=[Thread(f)])\n"
    )
    error = _error(name)
    assert str(error).startswith(f"{name}:{_line(name, tmp_path, 'class S0(')}: struct S0 starts")


def test_a_scenario_built_in_python_names_its_own_line() -> None:
    with pytest.raises(DeclarationError) as info:
        compile_scenario(Scenario(name="s", actors=[]))
    assert str(info.value).startswith(f"{Path(__file__).as_posix()}:")


# -- generated: many broken models ----------------------------------------------------------

MUTANTS = mutants()
CLI_KINDS = ("field", "report", "import", "scenario", "actor")


def test_there_are_enough_mutants() -> None:
    assert len(MUTANTS) >= 100
    assert {m.name.split("_")[-2] for m in MUTANTS} >= {*CLI_KINDS, "struct"}


def _check(mutant: Mutant, tmp_path: Path) -> str | None:
    """Why the mutant's error is not as expected, or None."""
    path = tmp_path / f"{mutant.name}.py"
    path.write_text(mutant.source)
    try:
        _compile_all(path.name)
    except UsageError as exc:
        text = str(exc)
    else:
        return "compiled without an error"
    where = f"{path.name}:{mutant.line}: "
    if "\n" in text or ADDRESS.search(text) or mutant.needle not in text:
        return f"unexpected message: {text}"
    if mutant.line is not None and not text.startswith(where):
        return f"expected {where!r}: {text}"
    return None


def test_every_mutated_model_is_a_one_line_usage_error_with_its_line(tmp_path: Path) -> None:
    failures = [f"{m.name}: {why}" for m in MUTANTS if (why := _check(m, tmp_path))]
    assert not failures, f"{len(failures)} of {len(MUTANTS)} mutants:\n" + "\n".join(failures[:20])


def _cli_sample() -> list[Mutant]:
    sample = []
    for kind in CLI_KINDS:
        sample.append(next(m for m in MUTANTS if m.single and f"_{kind}_" in m.name))
    sample.append(next(m for m in MUTANTS if m.single and "RuntimeError" in m.needle))
    return sample


@pytest.mark.parametrize("mutant", _cli_sample(), ids=lambda m: m.name)
def test_pyfuzz_verify_exits_2_with_one_line(tmp_path: Path, mutant: Mutant) -> None:
    path = tmp_path / f"{mutant.name}.py"
    path.write_text(mutant.source)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "pyfuzz", "verify", path.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{path.name}:{mutant.line}: " in lines[0] and mutant.needle in lines[0]
    assert not ADDRESS.search(lines[0])
