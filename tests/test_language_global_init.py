"""Initial field values of a Global (`Global(T, init={...})`, tests/models/language/
global_init.py): compiled to a generated boot function of plain stores that runs before the
scenario's boot functions; every misuse is one error at the Global's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz.cli import main
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import find_scenario

MODEL = Path(__file__).resolve().parent / "models" / "language" / "global_init.py"


def test_initializers_compile_to_boot_functions_that_run_first() -> None:
    scenario, variant = find_scenario(f"{MODEL}:global-init:initialised")
    ir = compile_scenario(scenario, variant).ir
    names = [ir["functions"][fid]["name"] for fid in ir["boot"]]
    # One initializer per Global with an init, in the order the compiler meets the Globals.
    assert names == ["the_pool_initializer", "lim_initializer"]
    init = ir["functions"][ir["boot"][0]]
    assert init["params"] == 0 and init["infra"] is True
    assert {instr[0] for instr in init["code"]} <= {
        "global",
        "int",
        "null",
        "func",
        "load",
        "store",
        "istore",
        "retnone",
    }
    line = next(n for n, t in enumerate(MODEL.read_text().splitlines(), 1) if "the_pool =" in t)
    assert init["line"] == line and set(init["lines"]) == {line}


def test_the_model_sees_the_initial_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", f"{MODEL}:global-init:initialised"]) == 0
    capsys.readouterr()
    # The same check on a Global without an initializer fails: it starts zeroed.
    assert main(["verify", f"{MODEL}:global-init:zeroed"]) == 1
    assert capsys.readouterr().out.startswith("kernel BUG at ")


HEADER = """
from pyfuzz.model import *
class limits(Struct):
    max_users: int
class pool(Struct):
    lock: Mutex
    count: int
    slots: Array[int, 4]
    cfg: Ref[limits]
    inner: limits
the_pool = Global(pool)
p2 = Global(pool, init=INIT)
def f():
    p2.count = 1
s = Scenario(name="s", actors=[Thread(f)])
"""


@pytest.mark.parametrize(
    ("init", "message"),
    [
        ('{"cnt": 1}', "init names field 'cnt', which struct pool does not have; did you mean"),
        ('{"lock": 1}', "field 'lock' is an embedded mutex object; it starts initialised"),
        ('{"count": "x"}', "field 'count' is an int; 'x' is not"),
        ('{"cfg": the_pool}', "field 'cfg' is a Ref[limits]; Global the_pool is a pool"),
        ("[1]", "init must be a dict {field: value}, not [1]"),
        ('{"slots": [1, 2, 3, 4, 5]}', "field 'slots' is an array of 4; give a list of at most"),
        ('{"inner": 3}', "field 'inner' is an embedded struct; give its fields as a dict"),
        ('{"inner": {"max": 3}}', "init names field 'max', which struct limits does not have"),
    ],
)
def test_misuse_is_an_error_at_the_global_line(
    init: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(HEADER.replace("INIT", init))
    assert main(["verify", "m.py"]) == 2
    err = capsys.readouterr().err
    assert f"m.py:12: Global p2: {message}" in err, err
    assert "Traceback" not in err
