"""Every `--json` result of verify, run and replay has the one documented shape
(pyfuzz/schemas/result-v1.schema.json) for each status: ok, incomplete, finding,
interrupted and error, and its exit_code is the process's exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import pyfuzz
from pyfuzz.cli import main

SCHEMA = Path(pyfuzz.__file__).parent / "schemas" / "result-v1.schema.json"
MODELS = Path(__file__).parent / "models"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _result(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--json"])
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return code, json.loads(lines[0])


class _PressCtrlC:
    """Stands in for the progress line: the first progress call is a Ctrl-C."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __call__(self, executions: int, bound: int, findings: int) -> None:
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


CASES = {
    "verify-ok": (["verify", f"{MODELS}/abba.py:abba:buggy", "--preemptions", "0"], "ok", 0),
    "verify-incomplete": (
        ["verify", f"{MODELS}/contended.py", "--max-schedules", "10"],
        "incomplete",
        4,
    ),
    "verify-finding": (["verify", "demo-alive-flag"], "finding", 1),
    "verify-error": (["verify", "no-such-scenario"], "error", 2),
    "run-ok": (["run", "demo-alive-flag:locked-check", "--executions", "500"], "ok", 0),
    "run-finding": (["run", "demo-alive-flag"], "finding", 1),
    "run-error": (["run", f"{MODELS}/nope.py"], "error", 2),
    "replay-error": (["replay", f"{MODELS}/abba.py"], "error", 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_status_has_the_documented_shape(capsys, validator, case):
    argv, status, code = CASES[case]
    got_code, result = _result(capsys, *argv)
    validator.validate(result)
    assert (result["command"], result["status"], result["exit_code"]) == (argv[0], status, code)
    assert got_code == code


@pytest.mark.parametrize("command", ["verify", "run"])
def test_an_interrupted_search_has_the_documented_shape(capsys, validator, monkeypatch, command):
    monkeypatch.setattr("pyfuzz.cli.ProgressLine", _PressCtrlC)
    argv = {
        "verify": ["verify", f"{MODELS}/contended.py", "--preemptions", "8"],
        "run": ["run", f"{MODELS}/contended.py", "--executions", "100000000"],
    }[command]
    code, result = _result(capsys, *argv)
    validator.validate(result)
    assert code == 130 and result["status"] == "interrupted" and result["signal"] == "SIGINT"


def test_replay_results_have_the_documented_shape(capsys, validator, tmp_path):
    saved = tmp_path / "alive.json"
    assert main(["verify", "demo-alive-flag", "--save", str(saved)]) == 1
    capsys.readouterr()
    code, found = _result(capsys, "replay", str(saved))
    validator.validate(found)
    assert code == 1 and found["status"] == "finding" and found["verdict"] == "reproduced"
    code, clean = _result(capsys, "replay", str(saved), "--variant", "locked-check")
    validator.validate(clean)
    assert code == 0 and clean["status"] == "ok" and clean["verdict"] == "clean"


BROKEN_AT_RUN_TIME = """\
from pyfuzz.model import *


class Dev(Struct):
    count: int


dev = Global(Dev)


def poke(p):
    p.cuont = 1


def other():
    dev.count = 2


broken = Scenario(name="broken", actors=[Thread(other), Thread(poke, dev)])
"""


@pytest.mark.parametrize("command", ["verify", "run"])
def test_a_model_error_in_a_search_says_where_with_the_runs_choices(
    capsys, validator, tmp_path, command
):
    model = tmp_path / "broken.py"
    model.write_text(BROKEN_AT_RUN_TIME)
    code, result = _result(capsys, command, str(model))
    validator.validate(result)
    assert code == 2 and result["status"] == "error"
    fault = result["model_error"]
    assert fault["file"].endswith("broken.py") and fault["line"] == 12
    assert "cuont" in fault["message"] and result["choices"]
    assert ("schedule 1 of the search" if command == "verify" else "execution 1 of") in (
        result["where"]
    )
    # In text: one error line naming file:line, then where and the choices; no traceback.
    code = main([command, str(model)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    first, second = err.strip().splitlines()
    assert first.startswith("pyfuzz: error: model error at ") and "broken.py:12: " in first
    assert "the run's choices: [" in second
