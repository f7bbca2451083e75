"""Human-readable rendering of outcomes: the kernel-style splat and the interleaving.

The splat text comes from the core (its first line is the kernel's own); this module adds the
interleaving as a per-thread swimlane of the visible steps that led there.
"""

from __future__ import annotations

from typing import Any

from pyfuzz._core import Outcome

_LANE_WIDTH = 34


def interleaving(trace: list[dict[str, Any]], limit: int = 80) -> str:
    """A swimlane: one column per thread, one row per visible step (the last `limit`)."""
    if not trace:
        return "(no steps)\n"
    threads: list[str] = []
    for ev in trace:
        if ev["thread"] not in threads:
            threads.append(ev["thread"])
    header = "step  " + "".join(t[: _LANE_WIDTH - 1].ljust(_LANE_WIDTH) for t in threads)
    lines = [header.rstrip(), "-" * len(header.rstrip())]
    shown = trace[-limit:]
    if len(trace) > limit:
        lines.append(f"... {len(trace) - limit} earlier steps not shown")
    for ev in shown:
        col = threads.index(ev["thread"])
        cell = f"{ev['function']}:{ev['line']} {ev['op']}"
        if ev["blocked"]:
            cell += " [blocks]"
        row = " " * (_LANE_WIDTH * col) + cell
        lines.append(f"{ev['step']:>4}  {row}")
    return "\n".join(lines) + "\n"


def full_report(outcome: Outcome) -> str:
    """The splat followed by the interleaving (when the trace was recorded)."""
    parts = []
    if outcome.finding is not None:
        parts.append(outcome.finding.report.rstrip("\n") + "\n")
    if outcome.trace is not None:
        parts.append(
            f"\nInterleaving ({outcome.steps} steps, {outcome.context_switches} context switches,"
            f" {outcome.preemptions} preemptions):\n"
        )
        parts.append(interleaving(outcome.trace))
    return "".join(parts)
