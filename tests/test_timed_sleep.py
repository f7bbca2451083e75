"""msleep is a timed sleep (tests/models/timed_sleep.py): a kthread polling with msleep is idle,
not a soft lockup (the engine used to report `watchdog: BUG: soft lockup` for it); a loop that
never sleeps still is one; msleep in atomic context is still a sleeping-in-atomic bug; a
D-state waiter behind a mutex holder that polls forever is the hung task; kthread_stop ends a
polling thread at its next test; and the sleeper's timer may fire while another thread runs
(at the cost of a preemption), so freeing what the poller reads before stopping it is found."""

from __future__ import annotations

import pytest

MODEL = "timed_sleep.py"
ALL = 2**32 - 1  # --preemptions all


def _first_line(report: str) -> str:
    return next(line for line in report.splitlines() if line and set(line) != {"="})


@pytest.mark.parametrize(
    "spec",
    [
        "msleep-poll-alone:msleep",
        "msleep-poll-driver:fixed",
        "msleep-hung:fixed",
        "msleep-poll-forever:fixed",
    ],
)
def test_correct_twins_are_clean(load_model, spec):
    program = load_model(f"{MODEL}:{spec}").program
    result = program.verify(3)
    assert result.outcome is None, result.outcome.finding.report
    assert result.complete and result.model_error is None
    complete = program.verify(ALL)
    assert complete.outcome is None and complete.exhaustive
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is None, (strategy, batch.outcome.finding.report)
        assert batch.model_error is None


def test_a_polling_kthread_alone_runs_once_and_ends_idle(load_model):
    # The poll's second idle state is its first: the run ends there, clean, at once.
    result = load_model(f"{MODEL}:msleep-poll-alone:msleep").program.verify(0)
    assert result.outcome is None and result.schedules == 1 and result.step_limits == 0


def test_a_loop_that_never_sleeps_is_still_a_soft_lockup(load_model):
    program = load_model(f"{MODEL}:msleep-poll-alone:spin").program
    finding = program.verify(3).outcome.finding
    assert finding.title == "BUG: soft lockup in poll_thread_spin"
    assert _first_line(finding.report) == (
        "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [mypoll:1001]"
    )
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 2000, seed=1)
        assert batch.outcome.finding.title == finding.title, strategy


def test_msleep_in_atomic_context_is_still_reported(load_model):
    program = load_model(f"{MODEL}:msleep-poll-alone:atomic").program
    finding = program.verify(3).outcome.finding
    title = "BUG: sleeping function called from invalid context in poll_thread_atomic"
    assert finding.title == title
    assert _first_line(finding.report).startswith(
        "BUG: sleeping function called from invalid context at tests/models/timed_sleep.py:"
    )


def test_freeing_before_kthread_stop_is_found_when_the_timer_fires_early(load_model):
    program = load_model(f"{MODEL}:msleep-poll-driver:free-first").program
    # Without a preemption the timer fires only once nothing else can run: after the stop.
    assert program.verify(0).outcome is None
    outcome = program.verify(3).outcome
    assert outcome.preemptions == 1
    finding = outcome.finding
    assert finding.title == "KASAN: slab-use-after-free Read in poll_thread"
    assert _first_line(finding.report).startswith("BUG: KASAN: slab-use-after-free in poll_thread+")
    assert "by task mypoll/1001" in finding.report
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome.finding.title == finding.title, strategy


def test_a_poller_nothing_stops_outlives_its_module(load_model):
    program = load_model(f"{MODEL}:msleep-poll-driver:no-stop").program
    finding = program.verify(3).outcome.finding
    assert finding.title == "BUG: unable to handle kernel paging request in poll_thread"
    lines = finding.report.splitlines()
    assert lines[0].startswith("BUG: unable to handle page fault for address: ffffffffc0")
    assert lines[1] == "#PF: supervisor instruction fetch in kernel mode"


def test_the_d_state_waiter_behind_a_polling_holder_is_the_hung_task(load_model):
    program = load_model(f"{MODEL}:msleep-hung:buggy").program
    finding = program.verify(3).outcome.finding
    assert finding.title == "INFO: task hung in waiter"
    lines = finding.report.splitlines()
    assert lines[0] == "INFO: task waiter:1001 blocked for more than 120 seconds."
    assert "task:waiter state:D stack:0 pid:1001" in lines
    # Schedules in which the waiter is done before the holder starts leave only the holder,
    # polling forever: a stranded waiter. Never a hung task named after the sleeping holder.
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 20000, seed=1, stop_on_finding=False)
        titles = {o.finding.title for _, o in batch.distinct}
        assert titles == {finding.title, "stranded waiter in holder"}, (strategy, titles)


def test_a_process_that_polls_forever_is_a_stranded_waiter(load_model):
    program = load_model(f"{MODEL}:msleep-poll-forever:buggy").program
    finding = program.verify(3).outcome.finding
    assert finding.title == "stranded waiter in poller"
    assert finding.kind == "stranded-waiter"
    assert "task:poller state:D pid:1000" in finding.report.splitlines()
