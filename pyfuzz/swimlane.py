"""The terminal swimlane: one column per thread, one row per visible step.

Each cell shows the model function, its file and line, and the operation; a row reached by a
preemption is marked `P` (and yellow), a thread that blocks shows `[blocks]`, and the fatal
step is marked `>>` (bold red) with the finding's title beside it, and the call fault
injection failed (its op ends in `[fault: <attr>]`) is marked `F` (and yellow). Colour is
used only when asked (the CLI asks on a terminal, unless NO_COLOR is set). Works on the
`steps` list of a crash.json or on `Outcome.trace`, which have the same fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[1;31m"
_YELLOW = "\x1b[33m"
_DIM = "\x1b[2m"
_MIN_LANE, _MAX_LANE = 34, 56
# Without a terminal (a file, a pipe), rows are kept under this many columns.
_PLAIN_WIDTH = 200


_FAULT_MARK = " [fault: "
_FAULT_LEGEND = "; F = the call fault injection failed"


def _faulted(ev: dict[str, Any]) -> bool:
    """Whether the step is the call fault injection failed."""
    return _FAULT_MARK in str(ev["op"])


def _mark(ev: dict[str, Any], fatal: bool) -> str:
    if fatal:
        return ">>"
    if _faulted(ev):
        return "F "
    return "P " if ev.get("preemption") else "  "


def _legend(steps: Sequence[dict[str, Any]]) -> str:
    text = "P = reached by a preemption; >> = the fatal step"
    return text + _FAULT_LEGEND if any(_faulted(ev) for ev in steps) else text


def _cell(ev: dict[str, Any]) -> str:
    file = str(ev["file"]).rsplit("/", 1)[-1]
    # Line 0: a step of kernel code with no model line (a kworker calling a NULL function).
    where = f"{file}:{ev['line']}" if ev["line"] else file
    text = f"{ev['function']} {where} {ev['op']}"
    if ev.get("blocked"):
        text += " [blocks]"
    return text


def _lanes(steps: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """(tid, header) per thread in order of first appearance; equal names get their tid."""
    seen: dict[int, str] = {}
    for ev in steps:
        seen.setdefault(int(ev["tid"]), str(ev["thread"]))
    names = list(seen.values())
    return [
        (tid, name if names.count(name) == 1 else f"{name} ({tid})") for tid, name in seen.items()
    ]


def render_swimlane(
    steps: Sequence[dict[str, Any]],
    *,
    fatal_step: int | None = None,
    title: str | None = None,
    width: int | None = None,
    color: bool = False,
) -> str:
    """The swimlane text. `width`: the terminal width to fit (None: no limit)."""
    if not steps:
        return "(no steps)\n"
    lanes = _lanes(steps)
    column = {tid: i for i, (tid, _) in enumerate(lanes)}
    longest = max(len(_cell(ev)) for ev in steps) + 2
    lane = max(_MIN_LANE, min(_MAX_LANE, longest))
    limit = width if width is not None else _PLAIN_WIDTH
    lane = min(lane, (limit - 8) // len(lanes))
    if lane < _MIN_LANE:
        return _render_narrow(steps, lanes, fatal_step, title, color)

    def fit(text: str) -> str:
        return text if len(text) < lane else text[: lane - 2] + "…"

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    header = "step    " + "".join(fit(name).ljust(lane) for _, name in lanes)
    out = [paint(header.rstrip(), _BOLD), "-" * len(header.rstrip())]
    for ev in steps:
        step = int(ev["step"])
        col = column[int(ev["tid"])]
        fatal = fatal_step is not None and step == fatal_step
        mark = _mark(ev, fatal)
        row = f"{mark}{step:>5} " + " " * (lane * col) + fit(_cell(ev))
        if fatal and title:
            row += f"  <== {title}"
        if fatal:
            row = paint(row, _RED)
        elif ev.get("preemption") or _faulted(ev):
            row = paint(row, _YELLOW)
        out.append(row.rstrip() if not color else row)
    out.append(paint(_legend(steps), _DIM))
    return "\n".join(out) + "\n"


def _render_narrow(
    steps: Sequence[dict[str, Any]],
    lanes: list[tuple[int, str]],
    fatal_step: int | None,
    title: str | None,
    color: bool,
) -> str:
    """Too many threads for text lanes: one narrow column per thread marks who runs (`*`,
    `P` after a preemption), and the step's text follows at the right, prefixed by its
    thread."""
    column = {tid: i for i, (tid, _) in enumerate(lanes)}
    names = dict(lanes)
    key = "  ".join(
        f"{chr(ord('a') + i) if i < 26 else '?'}={name}" for i, (_, name) in enumerate(lanes)
    )
    head = " ".join(chr(ord("a") + i) if i < 26 else "?" for i in range(len(lanes)))
    out = [f"threads: {key}", f"step    {head}", "-" * (9 + 2 * len(lanes))]
    for ev in steps:
        step = int(ev["step"])
        fatal = fatal_step is not None and step == fatal_step
        glyph = ">" if fatal else (_mark(ev, False).strip() or "*")
        cols = ["|"] * len(lanes)
        cols[column[int(ev["tid"])]] = glyph
        mark = _mark(ev, fatal)
        row = f"{mark}{step:>5} {' '.join(cols)}  {names[int(ev['tid'])]}: {_cell(ev)}"
        if fatal and title:
            row += f"  <== {title}"
        if color and fatal:
            row = f"{_RED}{row}{_RESET}"
        elif color and (ev.get("preemption") or _faulted(ev)):
            row = f"{_YELLOW}{row}{_RESET}"
        out.append(row)
    out.append(_legend(steps))
    return "\n".join(out) + "\n"
