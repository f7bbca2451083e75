"""Arrays of embedded primitives (tests/models/language/arrays.py): `Array[Mutex, N]` and
`Array[Work, N]` fields compile to one embedded object per element, indexable in place
(`with dev.locks[i]:`), each element its own lock or work item, one lockdep class per field;
assigning an element is a compile error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz.cli import main
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import find_scenario

MODEL = Path(__file__).resolve().parent / "models" / "language" / "arrays.py"


def test_array_fields_compile_to_primitive_element_types() -> None:
    scenario, variant = find_scenario(f"{MODEL}:lock-array:distinct")
    ir = compile_scenario(scenario, variant).ir
    (struct,) = [s for s in ir["structs"] if s["name"] == "port_dev"]
    types = {f["name"]: f["type"] for f in struct["fields"]}
    assert types["locks"] == {"array": "mutex", "len": 2}
    assert types["works"] == {"array": "work", "len": 2}


def test_each_element_is_its_own_lock(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", f"{MODEL}:lock-array:distinct", "--preemptions", "3"]) == 0
    assert main(["run", f"{MODEL}:lock-array:distinct", "--executions", "5000"]) == 0
    capsys.readouterr()
    # The same element: the signaller waits for the lock the sleeper holds while it sleeps.
    assert main(["verify", f"{MODEL}:lock-array:same", "--preemptions", "1"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("INFO: task ")
    assert any("signal_with" in ln and "lock [blocks]" in ln for ln in out.splitlines())
    assert "(&port_dev->locks[i])" in out


def test_two_elements_held_at_once_share_the_field_lock_class(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", f"{MODEL}:lock-array-nested"]) == 1
    out = capsys.readouterr().out
    assert "WARNING: possible recursive locking detected" in out
    assert out.count("(&port_dev->locks[i])") >= 2


def test_every_work_item_of_an_array_runs(capsys: pytest.CaptureFixture[str]) -> None:
    # run_works asserts that both items ran (count == 2) after flushing them; container_of of
    # an element is the struct that holds the array.
    assert main(["verify", f"{MODEL}:work-array", "--preemptions", "3"]) == 0
    assert main(["run", f"{MODEL}:work-array", "--executions", "5000"]) == 0


ELEMENT_STORE = """
from pyfuzz.model import *


class D(Struct):
    locks: Array[Mutex, 2]


d = Global(D)


def f():
    d.locks[1] = None


s = Scenario(name="s", actors=[Thread(f)])
"""


def test_assigning_an_element_is_a_compile_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(ELEMENT_STORE)
    assert main(["verify", "m.py"]) == 2
    err = capsys.readouterr().err
    assert "m.py:13: cannot assign to an element of 'locks'" in err
    assert "Traceback" not in err
    (tmp_path / "m.py").write_text(ELEMENT_STORE.replace("Array[Mutex, 2]", "Array[str, 2]"))
    assert main(["verify", "m.py"]) == 2
    err = capsys.readouterr().err
    assert "m.py:5: field 'locks' of struct D has Array elements of type str" in err
