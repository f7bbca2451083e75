"""A variant can wrap a function (tests/models/language/wrap.py): inside the replacement, a
call of the function it replaces reaches the original, everywhere else the replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz.cli import main
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import find_scenario

MODEL = Path(__file__).resolve().parent / "models" / "language" / "wrap.py"


def _functions(spec: str) -> dict[str, dict]:
    scenario, variant = find_scenario(f"{MODEL}:{spec}")
    ir = compile_scenario(scenario, variant).ir
    return {fn["name"]: {**fn, "id": i} for i, fn in enumerate(ir["functions"])}


def _callees(fn: dict) -> list[int]:
    return [instr[2] for instr in fn["code"] if instr[0] == "call"]


def test_the_wrapper_calls_the_original_and_every_other_caller_the_wrapper() -> None:
    functions = _functions("wrap:traced")
    assert set(functions) == {"caller", "bump_traced", "bump"}
    assert _callees(functions["caller"]) == [functions["bump_traced"]["id"]]
    assert _callees(functions["bump_traced"]) == [functions["bump"]["id"]]
    # The original's body is the real bump(): it takes the lock, it does not call anything.
    assert _callees(functions["bump"]) == []
    assert any(i[:3] == ["prim", i[1], "lock"] for i in functions["bump"]["code"])


def test_without_the_variant_the_original_is_called_directly() -> None:
    functions = _functions("wrap:plain")
    assert set(functions) == {"caller", "bump"}
    assert _callees(functions["caller"]) == [functions["bump"]["id"]]


@pytest.mark.parametrize("spec", ["wrap:plain", "wrap:traced", "wrap-counted:traced"])
def test_wrapped_variants_run_clean(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", f"{MODEL}:{spec}", "--preemptions", "2"]) == 0, capsys.readouterr()


def test_a_wrapper_calling_the_original_under_its_lock_is_recursive_locking(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", f"{MODEL}:wrap:locked", "--preemptions", "1"]) == 1
    out = capsys.readouterr().out
    assert "WARNING: possible recursive locking detected" in out
    # The call trace shows the original inside its wrapper, with the real names.
    trace = out[out.index("stack backtrace") :] if "stack backtrace" in out else out
    assert trace.index(" bump+") < trace.index(" bump_locked+")
