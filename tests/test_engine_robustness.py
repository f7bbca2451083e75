"""The engine never raises on any input: random fuzzer bytes, arbitrary choice lists, every
built-in scenario variant (a Rust panic would surface here as a PanicException)."""

from __future__ import annotations

import random

import pytest

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
