"""dmaengine with a channel list and per-channel unregister (tests/models/lib_dmaengine.py):
removing a channel a client holds is clean when the provider has device_release and
refcounts the channel state, and each buggy provider is found with the kernel's report."""

from __future__ import annotations

import pytest

SCENARIO = "lib_dmaengine.py:dma-chan-unregister"
BUGGY = [
    ("no-release", "WARNING in __dma_async_device_channel_unregister", 1),
    ("free-in-use", "KASAN: slab-use-after-free", 1),
    ("free-first", "KASAN: slab-use-after-free Read in __dma_async_device_channel_unregister", 0),
]


def test_fixed_provider_is_clean_under_verify(load_model):
    result = load_model(f"{SCENARIO}:fixed").program.verify(2)
    assert result.outcome is None, result.outcome.finding.report
    assert result.complete and result.step_limits == 0


@pytest.mark.parametrize("strategy", ["pct", "random"])
def test_fixed_provider_is_clean_under_batches(load_model, strategy):
    batch = load_model(f"{SCENARIO}:fixed").program.run_batch(strategy, 20000, seed=1)
    assert batch.outcome is None, batch.outcome.finding.report


@pytest.mark.parametrize(("variant", "title", "preemptions"), BUGGY)
def test_buggy_providers_are_found(load_model, variant, title, preemptions):
    result = load_model(f"{SCENARIO}:{variant}").program.verify(2)
    finding = result.outcome.finding
    assert finding.title.startswith(title), finding.title
    assert result.outcome.preemptions == preemptions
    if variant == "no-release":
        assert "called while 1 clients hold a reference" in finding.report
