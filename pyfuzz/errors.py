"""The pyfuzz exception hierarchy; the Rust core raises these (mapped in rust/py/errors.rs).

Every error that means "the input is unusable" (a model with unsupported syntax, a broken
scenario, a damaged crash.json, an unknown name) derives from `UsageError`; the command line
prints its message on one line and exits with status 2. Findings are never exceptions: they
are values on `Outcome.finding`.
"""

from __future__ import annotations


class PyfuzzError(Exception):
    """Root of every pyfuzz exception."""


class UsageError(PyfuzzError):
    """Unusable input; the CLI reports it in one line and exits 2."""


class ModelError(UsageError, ValueError):
    """A model file uses unsupported syntax or is inconsistent; the message names file:line."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.bare_message = message
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")


class ModelRuntimeError(ModelError):
    """The model went wrong while running (a run with status "model-error": a field that does
    not exist, arithmetic on a pointer, ...): the model is broken, not the driver."""

    @classmethod
    def check(cls, outcome: object, where: str = "") -> None:
        """Raises for an Outcome whose status is "model-error" (`where` says which run)."""
        fault = getattr(outcome, "model_error", None)
        if fault is None:
            return
        suffix = f" ({where})" if where else ""
        raise cls(f"{fault['message']}{suffix}", fault["file"], fault["line"])


class ScenarioError(UsageError, ValueError):
    """An unknown scenario or variant, or a scenario declaration that makes no sense."""


class DeclarationError(ModelError, ScenarioError):
    """A Scenario, Actor, Thread, Action, Global or variant declaration that makes no sense; the
    message names the file:line of the declaration (a `ScenarioError` too, as it always was)."""


class IrError(UsageError, ValueError):
    """The Rust core rejected an IR program while validating it."""


class TraceFormatError(UsageError, ValueError):
    """A crash.json or choice list that cannot be read or does not match the model."""


class OutputError(UsageError, OSError):
    """An output file (crash.json, HTML page) cannot be written where the user asked."""


class EngineError(PyfuzzError, RuntimeError):
    """pyfuzz itself is broken (an internal invariant failed in the Rust core)."""


class Terminated(BaseException):
    """SIGTERM arrived: raised by the handler the command line installs, so a long search
    stops like it does for Ctrl-C (a BaseException, as KeyboardInterrupt is)."""
