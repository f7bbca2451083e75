"""The minimizer: shrinks a finding's choice list to a small, readable reproducer.

It works on decoded choices, not bytes (as Hypothesis shrinks its choice sequence and
syzkaller its programs): the workload part (which actors run, which actions) and the schedule
part (one thread id per scheduling point) are edited separately and every candidate is replayed
leniently (a choice that no longer applies falls back to the non-preemptive default). A candidate
is kept only when it shows the same title and is strictly smaller in (preemptions, steps,
context switches, choices); the passes repeat to a fixpoint:

1. bounded exhaustive search (iterative preemption bounding) for the same title under the
   current workload and under the default one, which makes the preemption count minimal for
   the workload found, and never above what `pyfuzz verify` reports;
2. drop optional actors, drop actions, replace actions by simpler (lower-numbered) ones;
3. undo scheduling decisions that differ from the default: in groups, then one at a time;
4. at decisions that cost no preemption (the running thread blocked or finished), try every
   other runnable thread;
5. move each remaining context switch one scheduling point earlier.

The canonical form drops trailing default decisions (replay continues with them anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pyfuzz._core import Outcome, Program
from pyfuzz.errors import EngineError

DEFAULT_SEARCH_BUDGET = 200_000
DEFAULT_MAX_REPLAYS = 20_000


@dataclass(frozen=True)
class Shape:
    """The size of a reproducer, compared lexicographically in this field order."""

    preemptions: int
    steps: int
    context_switches: int
    choices: int

    @staticmethod
    def of(outcome: Outcome, choices: list[int]) -> Shape:
        return Shape(outcome.preemptions, outcome.steps, outcome.context_switches, len(choices))

    def key(self) -> tuple[int, int, int, int]:
        return (self.preemptions, self.steps, self.context_switches, self.choices)

    def summary(self) -> str:
        return (
            f"{self.steps} steps, {self.context_switches} context switches, "
            f"{self.preemptions} preemptions, {self.choices} choices"
        )


@dataclass(frozen=True)
class MinimizeResult:
    """The minimized choices, their traced outcome, and what the minimizer measured."""

    choices: list[int]
    outcome: Outcome
    before: Shape
    after: Shape
    # The smallest preemption count bounded search found for this title on the result's
    # workload, or None when the search hit its budget before proving it.
    minimal_preemptions: int | None
    replays: int
    schedules: int


class _State:
    """The current best candidate with its traced outcome."""

    def __init__(self, choices: list[int], outcome: Outcome) -> None:
        self.choices = choices
        self.outcome = outcome
        self.shape = Shape.of(outcome, choices)
        workload = outcome.workload or []
        self.nworkload = len(workload)
        self.workload: list[dict[str, Any]] = workload
        self.picks: list[dict[str, Any]] = outcome.picks or []

    @property
    def prefix(self) -> list[int]:
        return self.choices[: self.nworkload]

    @property
    def schedule(self) -> list[int]:
        return self.choices[self.nworkload :]

    def deviations(self) -> list[int]:
        """Choice indices where the schedule departs from the non-preemptive default."""
        return [p["choice"] for p in self.picks if p["chosen"] != p["default"]]


class Minimizer:
    """Shrinks choice lists of one program for one finding title."""

    def __init__(
        self,
        program: Program,
        title: str,
        *,
        search_budget: int = DEFAULT_SEARCH_BUDGET,
        max_replays: int = DEFAULT_MAX_REPLAYS,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.program = program
        self.title = title
        self.search_budget = search_budget
        self.max_replays = max_replays
        self.should_stop = should_stop
        self.replays = 0
        self.schedules = 0
        self._searched: dict[tuple[int, ...], int | None] = {}
        self._default_searched = False

    def minimize(self, choices: list[int]) -> MinimizeResult:
        """Minimizes `choices`, which must reproduce `title` (checked).

        Raises:
            EngineError: `choices` does not reproduce the title when replayed exactly.
        """
        first = self.program.replay(list(choices), trace=True, strict=True)
        self.replays += 1
        if first.finding is None or first.finding.title != self.title:
            got = first.finding.title if first.finding else "no finding"
            raise EngineError(
                f"the choices given to the minimizer do not reproduce '{self.title}' on "
                f"replay ({got})"
            )
        state = self._canonical(list(first.choices), first)
        before = Shape.of(first, list(first.choices))
        while not self._exhausted():
            start = state.shape.key()
            state = self._search_pass(state)
            for candidates in (
                self._workload_candidates,
                self._undo_candidates,
                self._free_point_candidates,
                self._earlier_candidates,
            ):
                state = self._greedy(state, candidates)
            if state.shape.key() == start:
                break
        minimal = self._searched.get(tuple(state.prefix))
        if minimal is not None and minimal != state.shape.preemptions:
            minimal = None
        return MinimizeResult(
            choices=state.choices,
            outcome=state.outcome,
            before=before,
            after=state.shape,
            minimal_preemptions=minimal,
            replays=self.replays,
            schedules=self.schedules,
        )

    # -- candidates -------------------------------------------------------------------------

    def _workload_candidates(self, st: _State) -> Iterator[list[int]]:
        """Drop optional actors, drop actions, lower action numbers (schedule kept)."""
        recs = st.workload
        tail = st.schedule
        for r in recs:
            if r["kind"] == "enabled" and r["value"] == 1:
                actor = r["actor"]
                yield [
                    0 if x is r else x["value"]
                    for x in recs
                    if x is r or x["actor"] != actor or x["kind"] == "enabled"
                ] + tail
        for r in recs:
            if r["kind"] == "action":
                count = next(
                    (x for x in recs if x["kind"] == "count" and x["actor"] == r["actor"]), None
                )
                if count is not None and count["value"] > 0:
                    yield [
                        x["value"] - 1 if x is count else x["value"] for x in recs if x is not r
                    ] + tail
        for r in recs:
            if r["kind"] == "action" and r["value"] > 0:
                for lower in range(r["value"]):
                    yield [lower if x is r else x["value"] for x in recs] + tail
        for r in recs:
            if r["kind"] == "count" and r["value"] > 0:
                # A count alone (actors with one action): one action fewer.
                if not any(x["kind"] == "action" and x["actor"] == r["actor"] for x in recs):
                    yield [x["value"] - 1 if x is r else x["value"] for x in recs] + tail

    def _undo_candidates(self, st: _State) -> Iterator[list[int]]:
        """Scheduling decisions set back to the default: halves, quarters, ..., then one."""
        devs = st.deviations()
        defaults = {p["choice"]: p["default"] for p in st.picks}
        size = len(devs)
        while size >= 1:
            for lo in range(0, len(devs), size):
                group = set(devs[lo : lo + size])
                yield [defaults[i] if i in group else c for i, c in enumerate(st.choices)]
            size //= 2

    def _free_point_candidates(self, st: _State) -> Iterator[list[int]]:
        """At decisions that cost no preemption (the running thread blocked, yielded or
        finished), every other runnable thread in turn: which one runs next is free."""
        for p in st.picks:
            if p["preemption"] or (p["current"] in p["runnable"] and p["chosen"] == p["current"]):
                continue
            for t in p["runnable"]:
                if t != p["chosen"]:
                    i = p["choice"]
                    yield st.choices[:i] + [t] + st.choices[i + 1 :]

    def _earlier_candidates(self, st: _State) -> Iterator[list[int]]:
        """Each context switch one scheduling point earlier (drop the decision before it)."""
        first_pick = st.nworkload
        for i in st.deviations():
            if i - 1 >= first_pick:
                yield st.choices[: i - 1] + st.choices[i:]

    # -- machinery --------------------------------------------------------------------------

    def _greedy(self, st: _State, candidates: Callable[[_State], Iterator[list[int]]]) -> _State:
        """Takes the first improving candidate, restarts from it, until none improves."""
        improved = True
        while improved and not self._exhausted():
            improved = False
            for cand in candidates(st):
                if self._exhausted():
                    break
                better = self._try(cand, st)
                if better is not None:
                    st = better
                    improved = True
                    break
        return st

    def _try(self, cand: list[int], st: _State) -> _State | None:
        if cand == st.choices:
            return None
        self.replays += 1
        out = self.program.replay(cand, trace=False, strict=False)
        if out.finding is None or out.finding.title != self.title:
            return None
        # Trimming trailing defaults only shortens the choice list: the rest must not grow.
        if Shape.of(out, list(out.choices)).key()[:3] > st.shape.key()[:3]:
            return None
        traced = self.program.replay(list(out.choices), trace=True, strict=True)
        self.replays += 1
        new = self._canonical(list(traced.choices), traced)
        return new if new.shape.key() < st.shape.key() else None

    def _canonical(self, choices: list[int], outcome: Outcome) -> _State:
        """Drops trailing decisions that equal the default (replay makes them anyway)."""
        picks = outcome.picks or []
        keep = len(choices)
        for p in reversed(picks):
            if p["choice"] == keep - 1 and p["chosen"] == p["default"]:
                keep -= 1
            else:
                break
        return _State(choices[:keep], outcome)

    def _search_pass(self, st: _State) -> _State:
        """Bounded search below the current preemption count, on this workload and on the
        default one; records in `_searched` which workloads are proven minimal."""
        if st.shape.preemptions == 0:
            self._searched[tuple(st.prefix)] = 0
        for workload in (st.prefix, None):
            if workload is not None and tuple(workload) in self._searched:
                continue
            if workload is None and self._default_searched:
                continue
            if self._exhausted():
                break
            # The current workload: below the current count. The default workload: up to the
            # current count too, since its first schedule at the minimal bound is often
            # shorter than what the other passes reach from a randomized finding.
            bound = st.shape.preemptions - (workload is not None)
            if bound < 0:
                continue
            if workload is None:
                self._default_searched = True
            res = self.program.verify(
                bound,
                max_schedules=self.search_budget,
                workload=workload,
                target=self.title,
            )
            self.schedules += res.schedules
            if res.outcome is not None:
                traced = self.program.replay(list(res.outcome.choices), trace=True)
                self.replays += 1
                found = self._canonical(list(traced.choices), traced)
                if found.shape.key() < st.shape.key():
                    return self._search_pass(found)
            elif workload is not None:
                # Complete below the current count: the current count is this workload's minimum.
                self._searched[tuple(workload)] = st.shape.preemptions if res.complete else None
        return st

    def _exhausted(self) -> bool:
        return self.replays >= self.max_replays or self.should_stop()
