"""A model file imports other model files beside it with ordinary imports (tests/models/
language/shared: two drivers on one core module): the imported code compiles with its own
file and lines, a missing module, an import cycle, a relative import and an error inside an
imported module are one error naming the file and line (exit 2), each load executes the
user modules afresh, and the compiled-model cache misses when an imported file changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pyfuzz.cli import main
from pyfuzz.engine import open_model
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import find_scenario, model_dependencies

LANGUAGE = Path(__file__).resolve().parent / "models" / "language"
SHARED = LANGUAGE / "shared"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(LANGUAGE.parents[2])  # IR file paths are relative to the working dir


def test_imported_functions_compile_with_their_own_file() -> None:
    scenario, variant = find_scenario(str(SHARED / "driver_a.py"))
    ir = compile_scenario(scenario, variant).ir
    assert ir["files"][:2] == [
        "tests/models/language/shared/driver_a.py",
        "tests/models/language/shared/mycore.py",
    ]
    by_name = {fn["name"]: fn for fn in ir["functions"]}
    assert by_name["core_get"]["file"] == 1 and by_name["a_read"]["file"] == 0
    assert [g["name"] for g in ir["globals"]] == ["core"]
    assert model_dependencies(SHARED / "driver_a.py") == [SHARED / "mycore.py"]


def test_two_drivers_share_the_core(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(SHARED / "driver_a.py")]) == 0
    capsys.readouterr()
    # driver_b uses `import mycore` and mycore.name, its reader skips the core's lock.
    assert main(["verify", str(SHARED / "driver_b.py")]) == 1
    out = capsys.readouterr().out
    assert "BUG: KASAN: slab-use-after-free in b_read" in out
    assert "mycore.py:" in out  # the free happened in the core module


def test_each_load_executes_the_user_modules_afresh() -> None:
    first, _ = find_scenario(str(SHARED / "driver_a.py"))
    second, _ = find_scenario(str(SHARED / "driver_a.py"))
    assert first.boot[0] is not second.boot[0]
    # Both loads still compile, each with its own objects and the same IR.
    assert compile_scenario(first).ir_bytes == compile_scenario(second).ir_bytes


def test_an_import_cycle_is_one_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(LANGUAGE / "cycle" / "cyc_model.py")]) == 2
    err = capsys.readouterr().err
    assert "cyc_b.py:3: import cycle: " in err
    assert "cyc_a.py:3 imports cyc_b, tests/models/language/cycle/cyc_b.py:3 imports cyc_a" in err
    assert "Traceback" not in err


MODEL = """from pyfuzz.model import *
IMPORT


def f():
    core_f()


s = Scenario(name="s", actors=[Thread(f)])
"""


@pytest.mark.parametrize(
    ("import_line", "core", "message"),
    [
        (
            "from corx import core_f",
            None,
            "m.py:2: error while importing the model: no module named 'corx': there is no "
            "corx.py beside the model file",
        ),
        (
            "from . import core_f",
            None,
            "m.py:2: relative imports are not supported in model files",
        ),
        (
            "from core import core_f",
            "def core_f():\n    pass\n\nraise ValueError('broken core')\n",
            "core.py:4: error while importing the model: ValueError: broken core",
        ),
        (
            "from core import core_f",
            "from m import f\n\ndef core_f():\n    pass\n",
            "core.py:1: import cycle: m.py:2 imports core, core.py:1 imports m",
        ),
        (
            "from core import core_f",
            "def core_f(:\n    pass\n",
            "core.py:1: syntax error",
        ),
        (
            "from random import core_f",
            None,
            "m.py:2: import random: random.py beside the model has the name of a "
            "standard-library module",
        ),
    ],
)
def test_import_problems_are_one_error_at_their_line(
    import_line: str,
    core: str | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(MODEL.replace("IMPORT", import_line))
    if core is not None:
        (tmp_path / "core.py").write_text(core)
    if "random" in import_line:
        (tmp_path / "random.py").write_text("def core_f():\n    pass\n")
    assert main(["verify", "m.py"]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


def test_same_named_cores_of_two_models_do_not_clash(tmp_path: Path) -> None:
    for flavour, value in (("one", 1), ("two", 2)):
        directory = tmp_path / flavour
        directory.mkdir()
        (directory / "core.py").write_text(f"def core_f():\n    return {value}\n")
        (directory / "m.py").write_text(
            MODEL.replace("IMPORT", "from core import core_f").replace(
                "    core_f()", f"    assert core_f() == {value}"
            )
        )
    for flavour in ("one", "two", "one"):
        scenario, variant = find_scenario(str(tmp_path / flavour / "m.py"))
        program = compile_scenario(scenario, variant)
        from pyfuzz._core import Program

        assert Program(program.ir_bytes).verify(0).outcome is None, flavour


def test_the_cache_misses_when_an_imported_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYFUZZ_CACHE_DIR", str(tmp_path / "cache"))
    models = tmp_path / "models"
    shutil.copytree(SHARED, models)
    spec = f"{models / 'driver_b.py'}:driver-b"
    assert not open_model(spec).from_cache
    assert open_model(spec).from_cache
    core = models / "mycore.py"
    stat = core.stat()
    core.write_text(core.read_text().replace("kfree(buf)", "pass"))
    os.utime(core, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    changed = open_model(spec)
    assert not changed.from_cache
    # The edit is seen: without the kfree, the reader's race is no longer a use-after-free
    # (the buffer is then leaked, not freed).
    outcome = changed.program.verify(2).outcome
    assert outcome is None or "use-after-free" not in outcome.finding.title
