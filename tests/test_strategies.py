"""The randomized strategies keep their published promises on small programs."""

from __future__ import annotations

import random
from pathlib import Path

from pyfuzz.engine import load

MODELS = Path(__file__).parent / "models"


def test_pct_finds_a_depth_2_bug_at_least_as_often_as_its_bound():
    """PCT (Burckhardt et al. 2010) finds a bug of depth d with probability at least
    1/(n k^(d-1)) per execution, n threads and k steps; the AB-BA deadlock has depth 2."""
    program = load(f"{MODELS}/abba.py:abba:buggy").program
    rng = random.Random(0)
    k = max(program.run_bytes(rng.randbytes(32)).steps for _ in range(2000))
    n = len(program.actors)
    bound = 1 / (n * k)
    runs = 20_000
    res = program.run_batch("pct", runs, seed=1, depth=2, stop_on_finding=False)
    rate = res.findings / runs
    assert res.outcome is not None and res.outcome.finding.kind == "deadlock"
    # 20,000 runs put the measured rate within a few percent of the true one.
    assert rate >= bound, f"PCT found the depth-2 bug in {rate:.4f} of runs, bound {bound:.4f}"
    # And depth 1 (no priority change) never can: the bug needs a preemption.
    assert program.run_batch("pct", 2000, seed=1, depth=1, stop_on_finding=False).findings == 0
