"""pyfuzz: a fuzzer for Linux driver-model interleavings (models in Python, engine in Rust).

Write a driver model with `from pyfuzz.model import *`, then run it with the `pyfuzz` command
(`pyfuzz verify`, `pyfuzz run`) or from Python with `pyfuzz.engine.load(spec).program`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pyfuzz")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
