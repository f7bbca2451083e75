"""The campaign directory: `corpus/` (libFuzzer's inputs), `crashes/` (one crash.json per
distinct title), `stats.json` (totals and when each finding was first seen), `logs/` (each
worker's libFuzzer log, status file and raw artifacts, out of the user's way).

Every write is atomic, so killing a campaign at any moment leaves either the old file or the
new one. A finding is claimed by hard-linking a complete temporary file to its final name,
which fails if another worker got there first: one file per title, never two.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pyfuzz.crashfile import atomic_write
from pyfuzz.findings import crash_file_name


@dataclass(frozen=True)
class CampaignDir:
    """Paths of one campaign directory."""

    root: Path

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def crashes(self) -> Path:
        return self.root / "crashes"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        """Where every file of the campaign is written before its atomic rename or link."""
        return self.logs / "tmp"

    @property
    def stats_path(self) -> Path:
        return self.root / "stats.json"

    def create(self, clean: bool = False) -> CampaignDir:
        """Makes the directories; with `clean` (the supervisor, before any worker starts),
        removes the temporary files a killed run left behind."""
        for d in (self.corpus, self.crashes, self.logs, self.logs / "raw", self.tmp):
            d.mkdir(parents=True, exist_ok=True)
        for d in (self.root, self.crashes, self.logs, self.tmp) if clean else ():
            for stale in d.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
        return self

    def crash_path(self, title: str, signature: str) -> Path:
        """The file of a title; a second title with the same name gets its signature."""
        path = self.crashes / crash_file_name(title)
        existing = self.title_of(path)
        if existing is not None and existing != title:
            path = path.with_name(f"{path.stem}-{signature[:8]}.json")
        return path

    @staticmethod
    def title_of(path: Path) -> str | None:
        try:
            doc = orjson.loads(path.read_bytes())
            return str(doc["finding"]["title"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            return None

    def known_findings(self) -> dict[str, Path]:
        """Title -> file of every readable crash file."""
        found: dict[str, Path] = {}
        for path in sorted(self.crashes.glob("*.json")):
            title = self.title_of(path)
            if title is not None:
                found.setdefault(title, path)
        return found

    def claim(self, path: Path, data: bytes) -> bool:
        """Writes `data` to `path` only if no file is there; False when one already was."""
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            return True
        finally:
            Path(tmp).unlink(missing_ok=True)

    def read_stats(self) -> dict[str, Any]:
        try:
            doc = orjson.loads(self.stats_path.read_bytes())
            return doc if isinstance(doc, dict) else {}
        except (OSError, orjson.JSONDecodeError):
            return {}

    def write_stats(self, stats: dict[str, Any]) -> None:
        data = orjson.dumps(stats, option=orjson.OPT_SORT_KEYS) + b"\n"
        atomic_write(self.stats_path, data, self.tmp)

    def corpus_size(self) -> int:
        try:
            return sum(1 for e in os.scandir(self.corpus) if e.is_file())
        except OSError:
            return 0
