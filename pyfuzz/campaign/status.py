"""What a running worker reports (`logs/worker-K.status.json`) and how the campaign's
`stats.json` accumulates them across workers and sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from pyfuzz._core import coverage_seen
from pyfuzz.campaign.outdir import CampaignDir
from pyfuzz.campaign.sink import FindingSink
from pyfuzz.crashfile import atomic_write


@dataclass
class WorkerStatus:
    """A worker's figures, written about once a second and at its end."""

    worker: int
    engine: str
    executions: int = 0
    seconds: float = 0.0
    features: int = 0
    done: bool = False
    exit_code: int | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    def update(self, executions: int, seconds: float, sink: FindingSink) -> None:
        self.executions = executions
        self.seconds = seconds
        self.features = coverage_seen()
        self.findings = [f.to_json() for f in sink.new]

    def write(self, cdir: CampaignDir) -> None:
        path = cdir.logs / f"worker-{self.worker}.status.json"
        atomic_write(path, orjson.dumps(self.__dict__, option=orjson.OPT_SORT_KEYS), cdir.tmp)

    @staticmethod
    def read(cdir: CampaignDir, worker: int) -> WorkerStatus | None:
        path = cdir.logs / f"worker-{worker}.status.json"
        try:
            doc = orjson.loads(path.read_bytes())
            return WorkerStatus(**doc)
        except (OSError, orjson.JSONDecodeError, TypeError):
            return None


def merge_stats(
    previous: dict[str, Any], statuses: list[WorkerStatus], session: dict[str, Any]
) -> dict[str, Any]:
    """stats.json after this session: totals over sessions, each title's first sighting."""
    executions = int(previous.get("executions", 0))
    seconds = float(previous.get("seconds", 0.0))
    findings: dict[str, Any] = dict(previous.get("findings", {}))
    offset = seconds
    for st in statuses:
        executions += st.executions
        for f in st.findings:
            entry = dict(f)
            entry["first_seen_seconds"] = round(offset + f["first_seen_seconds"], 3)
            entry["session"] = int(previous.get("sessions", 0)) + 1
            old = findings.get(f["title"])
            if old is None or entry["first_seen_seconds"] < old["first_seen_seconds"]:
                findings[f["title"]] = entry
    seconds += max((st.seconds for st in statuses), default=0.0)
    return {
        **session,
        "sessions": int(previous.get("sessions", 0)) + 1,
        "executions": executions,
        "seconds": round(seconds, 3),
        "findings": findings,
    }
