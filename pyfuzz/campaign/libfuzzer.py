"""Registering the core's model-state counters with libFuzzer (built-in or preloaded).

libFuzzer's `__sanitizer_cov_8bit_counters_init` and `__sanitizer_cov_pcs_init` are looked up
in the global namespace first (a preloaded libFuzzer, as OSS-Fuzz and ClusterFuzzLite run
atheris) and then in atheris' own libFuzzer module (the built-in one). The core registers its
counter region through them, once per process, before `atheris.Fuzz()`. `check_loaded` is the
start-up self-check: after the first runs the counters must show coverage, or the campaign
stops with a clear message instead of fuzzing blind.
"""

from __future__ import annotations

import ctypes
import importlib

from pyfuzz import _core
from pyfuzz.errors import EngineError

_SYMBOLS = ("__sanitizer_cov_8bit_counters_init", "__sanitizer_cov_pcs_init")


def _from_global() -> ctypes.CDLL:
    return ctypes.CDLL(None)


def _from_atheris() -> ctypes.CDLL:
    module = importlib.import_module("atheris.core_with_libfuzzer")
    return ctypes.CDLL(module.__file__)


def resolve() -> tuple[int, int, str]:
    """(counters_init address, pcs_init address, where they were found).

    Raises:
        EngineError: neither a preloaded libFuzzer nor atheris' built-in one is available.
    """
    errors = []
    for where, opener in (("preloaded libFuzzer", _from_global), ("atheris", _from_atheris)):
        try:
            lib = opener()
            fns = [getattr(lib, name) for name in _SYMBOLS]
        except (AttributeError, OSError, ImportError) as exc:
            errors.append(f"{where}: {exc}")
            continue
        addrs = [ctypes.cast(f, ctypes.c_void_p).value for f in fns]
        if all(addrs):
            return int(addrs[0] or 0), int(addrs[1] or 0), where
    raise EngineError(
        "cannot find libFuzzer's coverage registration functions (" + "; ".join(errors) + ")"
    )


def register() -> str:
    """Registers the counters (idempotent); returns where libFuzzer was found."""
    counters, pcs, where = resolve()
    _core.register_coverage(counters, pcs)
    return where


def check_loaded(runs: int) -> None:
    """The self-check, after `runs` executions with feedback on.

    Raises:
        EngineError: the counters are not registered or no run produced a feature.
    """
    if not _core.coverage_registered():
        raise EngineError("the model-state counters were not registered with libFuzzer")
    if runs > 0 and _core.coverage_seen() == 0:
        raise EngineError(
            f"no model-state feature after {runs} runs: libFuzzer is fuzzing without guidance"
        )
