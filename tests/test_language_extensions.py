"""A model adds fields to a library struct (`class x(Extension, extends=device)` listed in
`Scenario(extensions=[...])`, tests/models/language/extension.py): the struct has them in
that scenario's compilation only, the library's code runs on it unchanged, and clashes,
unlisted extensions and malformed declarations are one error naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz.cli import main
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import find_scenario

MODEL = Path(__file__).resolve().parent / "models" / "language" / "extension.py"


def _device_fields(spec: str) -> list[str]:
    scenario, variant = find_scenario(f"{MODEL}:{spec}")
    structs = compile_scenario(scenario, variant).ir["structs"]
    (device,) = [s for s in structs if s["name"] == "device"]
    return [f["name"] for f in device["fields"]]


def test_the_extension_fields_follow_the_struct_fields_in_its_scenario_only() -> None:
    extended = _device_fields("extension:locked")
    assert extended[-2:] == ["mydrv_busy", "mydrv_lock"]
    assert extended[:2] == ["kobj", "mutex"]
    # The kernel library's struct itself is untouched: another compilation lacks them.
    from pyfuzz.kernel.base_core import device

    assert "mydrv_busy" not in device.__annotations__


def test_the_extension_lock_guards_the_extension_field(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", f"{MODEL}:extension:locked", "--preemptions", "2"]) == 0
    assert main(["run", f"{MODEL}:extension:locked", "--executions", "5000"]) == 0
    capsys.readouterr()
    assert main(["verify", f"{MODEL}:extension:unlocked", "--preemptions", "2"]) == 1
    assert capsys.readouterr().out.startswith("kernel BUG at ")


def test_an_unlisted_extension_is_named_in_the_field_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", f"{MODEL}:extension-unlisted"]) == 2
    err = capsys.readouterr().err
    assert "struct device has no field 'mydrv_busy'" in err
    assert "extension mydrv_device adds it: list it in the scenario's extensions=[...]" in err


BAD = """
from pyfuzz.model import *
from pyfuzz.kernel.base_core import device


class ext_a(Extension, extends=device):
    A_FIELD


class ext_b(Extension, extends=B_TARGET):
    B_FIELD


d = Global(device)


def f():
    d.extra = 1


s = Scenario(name="s", actors=[Thread(f)], extensions=[LISTED])
"""


@pytest.mark.parametrize(
    ("a_field", "b_target", "b_field", "listed", "message"),
    [
        (
            "mutex: Mutex",
            "device",
            "other: int",
            "ext_a, ext_b",
            "m.py:6: field 'mutex' that extension ext_a adds to struct device clashes with "
            "field 'mutex' of struct device",
        ),
        (
            "extra: int",
            "device",
            "extra: int",
            "ext_a, ext_b",
            "m.py:10: field 'extra' that extension ext_b adds to struct device clashes with "
            "field 'extra' that extension ext_a adds",
        ),
        (
            "extra: int",
            "int",
            "other: int",
            "ext_a, ext_b",
            "m.py:10: extension ext_b extends class int; write class ext_b(Extension, "
            "extends=STRUCT)",
        ),
        (
            "extra: int",
            "device",
            "other: int",
            "ext_a, 3",
            "m.py:21: scenario 's': extensions lists 3; it takes Extension classes",
        ),
        (
            "extra: str",
            "device",
            "other: int",
            "ext_a",
            "m.py:6: field 'extra' that extension ext_a adds to struct device has unsupported "
            "type str",
        ),
    ],
)
def test_misdeclared_extensions_are_one_error_at_their_line(
    a_field: str,
    b_target: str,
    b_field: str,
    listed: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    source = BAD.replace("A_FIELD", a_field).replace("B_TARGET", b_target)
    source = source.replace("B_FIELD", b_field).replace("LISTED", listed)
    (tmp_path / "m.py").write_text(source)
    assert main(["verify", "m.py"]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
