"""Where a campaign's findings go: confirmed by replay, deduplicated by title, minimized, and
written as one crash.json per title under `crashes/`.

The first occurrence of a title is written at once, unminimized (so a kill loses nothing),
then replaced atomically by its minimized form. Minimizing can take seconds (it runs bounded
exhaustive search), so it happens on a background thread with its own `Program`: the fuzzing
loop goes on meanwhile (the core releases the GIL). `drain` waits for the queue at the end of
a worker; a file whose minimization did not finish stays a valid, unminimized reproducer.
Titles already in `crashes/` (an earlier session, another worker) are skipped; the directory
is re-read before a new file is claimed.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyfuzz._core import Outcome, Program
from pyfuzz.campaign.outdir import CampaignDir
from pyfuzz.crashfile import save_crash
from pyfuzz.engine import LoadedScenario
from pyfuzz.errors import EngineError
from pyfuzz.findings import record_finding


@dataclass(frozen=True)
class NewFinding:
    """A title this worker was the first to write."""

    title: str
    kind: str
    signature: str
    path: Path
    seconds: float
    execution: int
    minimized: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "signature": self.signature,
            "file": self.path.name,
            "first_seen_seconds": round(self.seconds, 3),
            "first_seen_execution": self.execution,
            "minimized": self.minimized,
        }


@dataclass
class FindingSink:
    """Turns findings into crash files for one worker."""

    loaded: LoadedScenario
    cdir: CampaignDir
    origin: dict[str, Any]
    search_budget: int = 50_000
    known: dict[str, Path | None] = field(default_factory=dict)
    new: list[NewFinding] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _pending: int = 0

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        for title, path in self.cdir.known_findings().items():
            self.known.setdefault(title, path)

    def offer(self, outcome: Outcome, execution: int, seconds: float) -> NewFinding | None:
        """Records `outcome`'s finding if its title is new; returns it when it was."""
        f = outcome.finding
        if f is None or f.title in self.known:
            return None
        self.refresh()
        if f.title in self.known:
            return None
        choices = list(outcome.choices)
        try:
            raw = record_finding(
                self.loaded, choices, origin=self.origin, crash_dir=self.cdir.crashes,
                minimize=False,
            )  # fmt: skip
        except EngineError as exc:
            # Not reproducible: a determinism bug in pyfuzz. Say so once; never write it.
            print(f"pyfuzz: internal error: {exc}", file=sys.stderr)
            self.known[f.title] = None
            return None
        path = self.cdir.crash_path(f.title, f.signature)
        if not self.cdir.claim(path, raw.crash.to_json() + b"\n"):
            self.known[f.title] = path
            return None
        self.known[f.title] = path
        found = NewFinding(f.title, f.kind, f.signature, path, seconds, execution, False)
        self.new.append(found)
        self._queue_minimize(len(self.new) - 1, choices)
        return found

    def _queue_minimize(self, index: int, choices: list[int]) -> None:
        if self._thread is None:
            self._jobs: queue.Queue[tuple[int, list[int]] | None] = queue.Queue()
            self._thread = threading.Thread(target=self._minimize_loop, daemon=True)
            self._thread.start()
        self._pending += 1
        self._jobs.put((index, choices))

    def _minimize_loop(self) -> None:
        # Its own Program: the fuzzing loop keeps the shared one's warm execution.
        loaded = replace(self.loaded, program=Program(self.loaded.compiled.ir_bytes))
        while (job := self._jobs.get()) is not None:
            index, choices = job
            found = self.new[index]
            try:
                rec = record_finding(
                    loaded, choices, origin=self.origin, crash_dir=self.cdir.crashes,
                    search_budget=self.search_budget,
                )  # fmt: skip
                save_crash(rec.crash, found.path, self.cdir.tmp)
                self.new[index] = replace(found, minimized=True)
            except EngineError as exc:
                print(f"pyfuzz: internal error while minimizing: {exc}", file=sys.stderr)
            finally:
                self._pending -= 1

    def drain(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for queued minimizations; True when none is left."""
        deadline = time.monotonic() + timeout
        while self._pending > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._pending == 0
