"""Long searches from the command line: SIGTERM handling and the live progress line.

`verify` and `run` hand the core a progress callback and ask for interruptible runs: the core
polls for signals a few hundred times a second (see `rust/py/watch.rs`), so Ctrl-C or SIGTERM
stops a search within a fraction of a second and the partial result still reaches the user.
`terminate_raises` turns SIGTERM into the `Terminated` exception the core recognizes;
`ProgressLine` draws one self-overwriting stderr line, only on a terminal and only for
searches that last longer than a second.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

from pyfuzz.errors import Terminated
from pyfuzz.exitcodes import EXIT_SIGINT, EXIT_SIGTERM

EXIT_FOR_SIGNAL = {"SIGINT": EXIT_SIGINT, "SIGTERM": EXIT_SIGTERM}


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextmanager
def terminate_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (in the main thread only)."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class ProgressLine:
    """The live line `progress(executions, bound, findings)` draws; call `close` at the end."""

    def __init__(
        self, label: str, unit: str, *, show_bound: bool, stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.unit = unit
        self.show_bound = show_bound
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.start = time.monotonic()
        self.drawn = False

    def __call__(self, executions: int, bound: int, findings: int) -> None:
        elapsed = time.monotonic() - self.start
        if not self.enabled or elapsed < 1.0:
            return
        rate = executions / elapsed
        parts = [f"{executions:,} {self.unit}", f"{rate:,.0f}/s", f"{elapsed:.1f}s"]
        if self.show_bound:
            parts.insert(1, f"bound {bound}")
        if findings:
            parts.append(f"{findings:,} findings")
        self.stream.write(f"\r\033[K{self.label}: " + ", ".join(parts) + " (Ctrl-C stops)")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erases the line so the result prints on a clean line."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
