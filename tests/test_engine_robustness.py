"""The engine never raises on any input: random fuzzer bytes, arbitrary choice lists, every
built-in scenario variant (a Rust panic would surface here as a PanicException)."""

from __future__ import annotations

import os
import random

import pytest

from pyfuzz._core import Program
from pyfuzz.engine import load
from pyfuzz.scenarios import builtin_scenarios

VARIANTS = [
    f"{name}:{variant}" if variant else name
    for name, (sc, _path) in builtin_scenarios().items()
    for variant in sc.variant_names()
]


@pytest.mark.parametrize("spec", VARIANTS)
def test_random_bytes_and_choice_lists_never_raise(spec):
    program = load(spec).program
    rng = random.Random(spec)
    for _ in range(150):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        outcome = program.run_bytes(data)
        assert outcome.status in ("ok", "finding", "step-limit")
        again = program.replay(outcome.choices, trace=False)
        assert again.status == outcome.status
        assert again.choices == outcome.choices
        junk = [rng.randrange(70) for _ in range(rng.randrange(40))]
        assert program.replay(junk, trace=False, strict=True).status in (
            "ok",
            "finding",
            "step-limit",
            "invalid",
        )
        assert program.replay(junk, trace=False, strict=False).status in (
            "ok",
            "finding",
            "step-limit",
        )


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_dropped_programs_free_their_model():
    """A Program and its warm execution are freed with it (a campaign reloads models)."""
    ir = load("switchtec-cdev:v4").compiled.ir_bytes

    def churn(n: int) -> None:
        for _ in range(n):
            program = Program(ir)
            program.run_bytes(b"\x80\x81")

    churn(1000)  # allocator warm-up
    before = _rss_bytes()
    churn(10_000)
    growth = _rss_bytes() - before
    # A leak of the model alone was about 60 KiB per Program: 600 MB here.
    assert growth < 16 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over 10,000 Programs"
