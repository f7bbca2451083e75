"""Ctrl-C and SIGTERM stop long searches quickly, with the partial summary and the right
exit code (130, 143); the core polls for signals while it runs without the GIL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyfuzz.engine import load

MODEL = Path(__file__).parent / "models" / "contended.py"
ENDLESS = {
    "verify": ["verify", str(MODEL), "--preemptions", "8", "--max-schedules", "1000000000000"],
    "run": ["run", str(MODEL), "--strategy", "random", "--executions", "1000000000000"],
}


def _interrupt(command: list[str], sig: signal.Signals) -> tuple[int, str, float]:
    """Runs `pyfuzz COMMAND`, lets the search get going, sends `sig`; (code, stdout, seconds
    from the signal to the exit)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyfuzz", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    time.sleep(2.5)  # loading and compiling take well under a second
    assert proc.poll() is None, proc.communicate()
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out + err, time.monotonic() - sent


@pytest.mark.parametrize("command", ["verify", "run"])
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_a_long_search_with_its_partial_summary(command, sig, code):
    returncode, output, seconds = _interrupt(ENDLESS[command], sig)
    assert returncode == code, output
    assert seconds < 2.0, f"took {seconds:.2f}s to stop"
    assert f"interrupted ({sig.name})" in output and "no finding so far" in output
    assert "Traceback" not in output


def test_the_json_summary_of_an_interrupted_search():
    returncode, output, _ = _interrupt([*ENDLESS["verify"], "--json"], signal.SIGINT)
    assert returncode == 130
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["status"] == "interrupted" and summary["signal"] == "SIGINT"
    assert summary["complete"] is False and summary["schedules"] > 0


def test_without_interruptible_the_exception_reaches_the_caller():
    """Library callers (the minimizer) see KeyboardInterrupt rather than a partial result."""
    program = load(f"{MODEL}:contended").program

    def press_ctrl_c(executions: int, bound: int, findings: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        program.verify(8, max_schedules=10**12, progress=press_ctrl_c)
    res = program.run_batch("pct", 10**12, interruptible=True, progress=press_ctrl_c)
    assert res.interrupted == "SIGINT" and 0 < res.executions < 10**6


def test_progress_reports_the_search_as_it_goes():
    program = load(f"{MODEL}:contended").program
    seen: list[tuple[int, int, int]] = []

    def record(executions: int, bound: int, findings: int) -> None:
        seen.append((executions, bound, findings))
        if len(seen) == 3:
            raise KeyboardInterrupt

    res = program.verify(8, max_schedules=10**12, interruptible=True, progress=record)
    assert res.interrupted == "SIGINT" and not res.complete
    assert len(seen) == 3 and seen[0][0] < seen[1][0] < seen[2][0] <= res.schedules
