"""Shared fixtures: loading test models into programs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz.engine import LoadedScenario, load

MODELS = Path(__file__).resolve().parent / "models"


@pytest.fixture
def load_model():
    """Loads `tests/models/<file>:<scenario>[:<variant>]` into a program."""

    def _load(spec: str) -> LoadedScenario:
        return load(str(MODELS / spec))

    return _load
