"""Determinism: the same choices give the identical run, in this process and in a fresh one."""

from __future__ import annotations

import json
import subprocess
import sys

from pyfuzz.engine import load

SPEC = "switchtec-cdev:alive-unlocked"

CHILD = """
import json, sys
from pyfuzz.engine import load
choices = json.loads(sys.argv[1])
o = load(sys.argv[2]).program.replay(choices)
print(json.dumps({"trace": o.trace, "title": o.finding and o.finding.title,
                  "choices": o.choices, "steps": o.steps}))
"""


def test_same_choices_same_trace_across_processes():
    program = load(SPEC).program
    batch = program.run_batch("pct", 200_000, seed=11)
    assert batch.outcome is not None
    choices = batch.outcome.choices
    here = program.replay(choices)
    again = program.replay(choices)
    assert here.trace == again.trace
    assert here.choices == choices
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(choices), SPEC],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    there = json.loads(child.stdout)
    assert there["trace"] == here.trace
    assert there["title"] == here.finding.title
    assert there["choices"] == choices


def test_batches_are_reproducible_from_the_seed():
    program = load("demo-alive-flag").program
    a = program.run_batch("random", 10_000, seed=5)
    b = program.run_batch("random", 10_000, seed=5)
    assert (a.first_at, a.outcome.choices) == (b.first_at, b.outcome.choices)


def test_bytes_run_deterministically_and_fall_back_when_exhausted():
    program = load("demo-alive-flag").program
    for data in (b"", b"\x00", b"\xff\x81\x82", bytes(range(256))):
        assert program.run_bytes(data).choices == program.run_bytes(data).choices
    serial = program.run_bytes(b"\x00" * 64)
    assert serial.preemptions == 0


def test_strict_replay_of_an_impossible_choice_is_invalid():
    program = load("demo-alive-flag").program
    outcome = program.replay([0, 63, 63, 63], trace=False)
    assert outcome.status == "invalid"
