"""pyfuzz: a fuzzer for Linux driver-model interleavings (models in Python, engine in Rust).

Write a driver model with `from pyfuzz.model import *`, then run it with the `pyfuzz` command
(`pyfuzz fuzz`, `pyfuzz verify`, `pyfuzz run`, `pyfuzz replay`) or from Python with
`pyfuzz.engine.load(spec).program`.
"""

from __future__ import annotations

# The package version is the core's (maturin takes it from Cargo.toml); reading it from the
# compiled module avoids importlib.metadata, which costs a third of a replay's start-up.
from pyfuzz._core import __version__

__all__ = ["__version__"]
