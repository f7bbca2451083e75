"""Shared fixtures: loading test models into programs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyfuzz.engine import LoadedScenario, load

MODELS = Path(__file__).resolve().parent / "models"


@pytest.fixture(autouse=True, scope="session")
def _private_model_cache(tmp_path_factory):
    """The compiled-model cache of the test session lives in a temporary directory (and so
    does that of the subprocesses the tests start, which inherit the environment)."""
    previous = os.environ.get("PYFUZZ_CACHE_DIR")
    os.environ["PYFUZZ_CACHE_DIR"] = str(tmp_path_factory.mktemp("model-cache"))
    yield
    if previous is None:
        os.environ.pop("PYFUZZ_CACHE_DIR", None)
    else:
        os.environ["PYFUZZ_CACHE_DIR"] = previous


@pytest.fixture
def load_model():
    """Loads `tests/models/<file>:<scenario>[:<variant>]` into a program."""

    def _load(spec: str) -> LoadedScenario:
        return load(str(MODELS / spec))

    return _load
