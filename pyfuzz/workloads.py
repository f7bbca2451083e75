"""Reading workload choices: which actors run and which actions each performs.

The core records a run's workload as the leading choices of its choice list, in the order
`Execution::start_workload` asks them: per actor, whether it runs (optional actors), how many
actions (when `min < max`), then each action (when it has several). `describe_workload` turns
such a list back into a line a person can read, from `Program.actor_table()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def describe_workload(actors: Sequence[dict[str, Any]], choices: Sequence[int]) -> str:
    """`user: open, read; unbind: unbind; irq: -` for the workload `choices` encodes."""
    it = iter(choices)
    parts = []
    for actor in actors:
        enabled = next(it, 1) == 1 if actor["optional"] else True
        count = actor["min"] + next(it, 0) if enabled and actor["min"] < actor["max"] else 0
        if enabled and actor["min"] == actor["max"]:
            count = actor["min"]
        names = actor["actions"]
        chosen = [names[next(it, 0) if len(names) > 1 else 0] for _ in range(count)]
        parts.append(f"{actor['name']}: {', '.join(chosen) if chosen else '-'}")
    return "; ".join(parts)
