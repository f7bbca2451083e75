"""Human-readable rendering of findings: the kernel-style splat and the interleaving.

The splat text comes from the core (its first line is the kernel's own); the interleaving is
the swimlane of `pyfuzz.swimlane`, fitted to the terminal and coloured only on one.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, TextIO

from pyfuzz._core import Outcome
from pyfuzz.swimlane import render_swimlane


def terminal_style(stream: TextIO) -> tuple[int | None, bool]:
    """(width, colour) for a stream: the terminal's width and colour on a terminal (unless
    NO_COLOR is set); no width limit and no colour when it is a file or a pipe."""
    if not stream.isatty():
        return None, False
    return shutil.get_terminal_size().columns, "NO_COLOR" not in os.environ


def render_steps(
    steps: list[dict[str, Any]],
    *,
    fatal_step: int | None,
    title: str | None,
    counts: tuple[int, int, int],
    stream: TextIO | None = None,
) -> str:
    """The interleaving heading and swimlane for `stream` (stdout by default)."""
    width, color = terminal_style(stream or sys.stdout)
    points, switches, preemptions = counts
    # The listing shows every visible operation; those on objects private to their thread
    # are not scheduling points (docs/ir.md), so the two counts can differ.
    shown = len(steps)
    where = "" if points == shown else f", {points} of them scheduling points"
    head = (
        f"\nInterleaving ({shown} steps{where}, {switches} context switches, "
        f"{preemptions} preemptions):\n"
    )
    lane = render_swimlane(steps, fatal_step=fatal_step, title=title, width=width, color=color)
    return head + lane


def full_report(outcome: Outcome, stream: TextIO | None = None) -> str:
    """The splat followed by the interleaving (when the trace was recorded)."""
    parts = []
    if outcome.finding is not None:
        parts.append(outcome.finding.report.rstrip("\n") + "\n")
    if outcome.trace is not None:
        parts.append(
            render_steps(
                outcome.trace,
                fatal_step=outcome.fatal_step,
                title=outcome.finding.title if outcome.finding else None,
                counts=(outcome.steps, outcome.context_switches, outcome.preemptions),
                stream=stream,
            )
        )
    return "".join(parts)
