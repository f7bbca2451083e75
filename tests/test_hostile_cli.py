"""Hostile input through the command line, each under a time limit: broken model files, bad
arguments, damaged crash files and runaway models. Nothing may end in a traceback, an abort
or a hang: unusable input exits 2 with one line naming the file (and line, where there is
one); a runaway model is reported as the kernel would (soft lockup, hung task) or, for a
heap that grows without end, as unusable input at the allocating line."""

from __future__ import annotations

import json
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from model_mutants import mutants

from pyfuzz.cli import main

MODELS = Path(__file__).resolve().parent / "models"
SECONDS = 60


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer within {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    with _time_limit(SECONDS):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    return code, out, err


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# -- 1. broken model files (every single-scenario mutant of tests/model_mutants.py) ----------

SINGLE = [m for m in mutants() if m.single]


@pytest.mark.parametrize("mutant", SINGLE, ids=lambda m: m.name)
def test_a_broken_model_file_exits_2_with_its_file_and_line(capsys, tmp_path, mutant):
    path = tmp_path / f"{mutant.name}.py"
    path.write_text(mutant.source)
    code, out, err = _run(capsys, ["verify", str(path), "--preemptions", "0"])
    assert code == 2 and out == ""
    line = _one_error_line(err)
    assert line.startswith("pyfuzz: error: ")
    where = f"{path.name}:{mutant.line}: " if mutant.line is not None else path.name
    assert where in line and mutant.needle in line


# -- 2. bad arguments -------------------------------------------------------------------------

BAD_ARGUMENTS = [
    *[["run", "demo-alive-flag", "--executions", v] for v in ("0", "-5", "1e3", "2" * 30, "")],
    *[["run", "demo-alive-flag", "--seed", v] for v in ("-1", "x", str(2**64))],
    *[["run", "demo-alive-flag", "--depth", v] for v in ("0", "65", "-3", "deep")],
    *[["run", "demo-alive-flag", "--strategy", v] for v in ("dfs", "PCT", "")],
    *[["verify", "demo-alive-flag", "--preemptions", v] for v in ("-1", "65", "al", "2.5")],
    *[["verify", "demo-alive-flag", "--max-schedules", v] for v in ("0", "-1", "many")],
    *[["verify", "demo-alive-flag", "--workloads", v] for v in ("some", "ALL")],
    *[["fuzz", "demo-alive-flag", "--jobs", v] for v in ("-1", "257", "two")],
    *[["fuzz", "demo-alive-flag", "--time", v] for v in ("0", "-1m", "soon", "")],
    *[["fuzz", "demo-alive-flag", "--seed", v] for v in ("-1", str(2**31))],
    *[["minimize", "x.json", "-o", "y.json", "--budget", v] for v in ("0", "x")],
    ["no-such-command"],
    ["verify"],
    ["replay"],
    ["run", "demo-alive-flag", "--", "-runs=1"],
]
UNKNOWN_NAMES = [
    ["verify", "no-such-scenario"],
    ["verify", "demo-alive-flag:no-such-variant"],
    ["run", "switchtec-cdev:v6"],
    ["verify", "no/such/file.py"],
    ["verify", str(MODELS)],
    ["verify", f"{MODELS}/abba.py:no-such-scenario"],
    ["verify", f"{MODELS}/abba.py:abba:no-such-variant"],
    ["replay", "no-such-crash.json"],
    ["replay", str(MODELS)],
    ["minimize", "no-such-crash.json", "-o", "out.json"],
    ["corpus", "check", "no/such/dir"],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=lambda a: " ".join(a)[:60])
def test_a_bad_argument_is_a_usage_error(capsys, argv):
    code, _, err = _run(capsys, argv)
    assert code == 2 and "error" in err


@pytest.mark.parametrize("argv", UNKNOWN_NAMES, ids=lambda a: " ".join(a)[:60])
def test_an_unknown_name_is_one_line_and_exit_2(capsys, argv):
    code, out, err = _run(capsys, argv)
    assert code == 2
    assert _one_error_line(err).startswith("pyfuzz: error: ")


# -- 3. damaged crash files -------------------------------------------------------------------


def _damaged(good: str) -> Iterator[tuple[str, str]]:
    doc = json.loads(good)
    rng = random.Random(7)
    for cut in (0, 1, 10, len(good) // 3, len(good) // 2, len(good) - 2):
        yield f"cut-{cut}", good[:cut]
    yield "not-json", "this is not json"
    yield "binary", bytes(rng.randrange(256) for _ in range(300)).decode("latin-1")
    yield "array", "[]"
    yield "null", "null"
    for key in sorted(doc):
        broken = dict(doc)
        del broken[key]
        yield f"missing-{key}", json.dumps(broken)
        for value in (None, 3, "x", [], {}):
            wrong = dict(doc)
            wrong[key] = value
            if wrong != doc:
                yield f"{key}-{type(value).__name__}", json.dumps(wrong)
    for choices in ([999] * 40, [-1], ["a"], list(range(5000))):
        edited = dict(doc)
        edited["choices"] = choices
        yield f"choices-{len(choices)}", json.dumps(edited)
    other = json.loads(good)
    other["scenario"]["name"] = "no-such-scenario"
    yield "unknown-scenario", json.dumps(other)


def _good_crash(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("good") / "good.json"
    assert main(["verify", "demo-alive-flag", "--save", str(path)]) == 1
    return path.read_text()


@pytest.fixture(scope="module")
def good_crash(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _good_crash(tmp_path_factory)


def test_every_damaged_crash_file_is_one_line_and_exit_2(capsys, tmp_path, good_crash):
    capsys.readouterr()
    cases = list(_damaged(good_crash))
    assert len(cases) >= 60
    failures = []
    for name, text in cases:
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        code, out, err = _run(capsys, ["replay", str(path)])
        lines = [line for line in err.splitlines() if line.strip()]
        # A few edits leave a usable file (an ignored field): then the replay stands.
        if code in (0, 1) and not lines:
            continue
        if code != 2 or len(lines) != 1 or path.name not in lines[0]:
            failures.append(f"{name}: exit {code}: {err.strip()[:200]}")
    assert not failures, "\n".join(failures)


# -- 4. runaway models ------------------------------------------------------------------------

RUNAWAY = {
    f"{MODELS}/oracles.py:soft-lockup:buggy": (1, "watchdog: BUG: soft lockup"),
    f"{MODELS}/runaway.py:spin-blocks-setter": (1, "watchdog: BUG: soft lockup"),
    f"{MODELS}/oracles.py:hung:buggy": (1, "INFO: task waiter:1000 blocked for more than"),
    f"{MODELS}/hog.py:hog": (2, "the model heap is full"),
    f"{MODELS}/runaway.py:long-loop": (0, ""),
    f"{MODELS}/runaway.py:spin-until-timer": (0, ""),
}


@pytest.mark.parametrize("spec", sorted(RUNAWAY), ids=lambda s: s.rsplit("/", 1)[-1])
@pytest.mark.parametrize("command", ["verify", "run"])
def test_a_runaway_model_is_reported_not_silent(capsys, spec, command):
    code, want = RUNAWAY[spec]
    extra = ["--executions", "300"] if command == "run" else ["--preemptions", "1"]
    got, out, err = _run(capsys, [command, spec, *extra])
    assert got == code, out + err
    assert want in out + err
