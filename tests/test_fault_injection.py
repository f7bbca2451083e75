"""Fault injection as the kernel's fail-nth (tests/models/fault_probe.py): with it on, every
strategy, the byte encodings and `verify` fail one failable call per run, a probe whose error
path leaks or double-frees is found with the failed call named in a FAULT_INJECTION block, the
fixed probe stays clean, replay of a saved crash.json is exact; with it off the IR and every
result are as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyfuzz._core import STRATEGIES
from pyfuzz.cli import main
from pyfuzz.engine import load
from pyfuzz.model.compiler import compile_scenario
from pyfuzz.replay import replay_crash
from pyfuzz.scenarios import builtin_scenarios, resolve

MODEL = Path(__file__).parent / "models" / "fault_probe.py"
BLOCK = (
    "FAULT_INJECTION: forcing a failure.\n"
    "name failslab, interval 1, probability 0, space 0, times 0\n"
)


def spec(variant: str, scenario: str = "probe-error-paths") -> str:
    return f"{MODEL}:{scenario}:{variant}"


@pytest.mark.parametrize(
    ("variant", "title", "call", "nth"),
    [
        ("leaky", "memory leak in fp_probe_leaky", "kzalloc fp_buf", 2),
        ("double-free", "KASAN: double-free in fp_probe_double_free", "request_irq", 3),
    ],
)
def test_verify_finds_the_broken_error_path_and_names_the_failed_call(
    variant: str, title: str, call: str, nth: int
) -> None:
    program = load(spec(variant)).program
    res = program.verify(2)
    assert res.outcome is not None and res.outcome.finding is not None
    assert res.outcome.finding.title == title
    assert res.outcome.preemptions == 0
    out = program.replay(list(res.outcome.choices), trace=True)
    assert out.finding is not None and out.finding.title == title
    report = out.finding.report
    assert report.startswith(BLOCK), report
    assert " should_failslab+0x0/0x0\n" in report
    fault = out.fault
    assert fault is not None
    assert (fault["call"], fault["nth"], fault["attr"]) == (call, nth, "failslab")
    assert fault["function"] == f"fp_probe_{variant.replace('-', '_')}"
    assert fault["report"] in report
    # The trace marks the failed call at the step the fault names.
    marked = [s for s in out.trace if "[fault: failslab]" in s["op"]]
    assert [s["step"] for s in marked] == [fault["step"]]
    assert marked[0]["op"].startswith(call.split()[0])
    # The fail-nth choice is the workload choice after the actors'.
    assert out.workload[-1] == {
        "choice": 0,
        "kind": "fail_nth",
        "actor": None,
        "slot": None,
        "value": nth,
        "n": 256,
    }


def test_the_fixed_probe_is_clean_under_verify_and_every_strategy() -> None:
    program = load(spec("fixed")).program
    res = program.verify(2)
    assert res.outcome is None and res.model_error is None and res.complete
    off = load(spec("fixed"), faults=False).program.verify(2)
    assert res.schedules > off.schedules, "each failable call is failed in its own tree"
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 3000, seed=2)
        assert batch.outcome is None and batch.model_error is None, strategy
    # Every failable call (priv, buf, request_irq) can be failed: clean, and named.
    for nth, call in [(1, "kzalloc fp_priv"), (2, "kzalloc fp_buf"), (3, "request_irq")]:
        out = program.replay([nth], trace=True)
        assert out.status == "ok" and out.fault is not None
        assert out.fault["call"] == call
    assert program.replay([4]).fault is None, "past the last failable call: no failure"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_draws_the_failure(strategy: str) -> None:
    for variant in ("leaky", "double-free"):
        batch = load(spec(variant)).program.run_batch(strategy, 2000, seed=1)
        assert batch.outcome is not None, (strategy, variant)
        assert batch.outcome.finding.report.startswith(BLOCK)


def test_the_byte_encodings_read_the_fail_nth_from_the_input() -> None:
    program = load(spec("leaky")).program
    for encoding in ("bytes", "switches"):
        hit = program.run_bytes(b"\x02", encoding=encoding)
        assert hit.finding is not None and hit.finding.title.startswith("memory leak"), encoding
        assert program.run_bytes(b"\x00", encoding=encoding).finding is None, encoding
    assert program.run_bytes(b"", encoding="switches").fault is None, "empty: no failure"


def test_off_nothing_fails_and_the_ir_is_as_before() -> None:
    for variant in ("leaky", "double-free"):
        loaded = load(spec(variant), faults=False)
        assert "fault_injection" not in loaded.compiled.ir["config"]
        res = loaded.program.verify(3)
        assert res.outcome is None and res.complete
    # Built-in scenarios declare no fault injection: the override off changes no byte.
    for name in sorted(builtin_scenarios()):
        sc = resolve(name).scenario
        for variant in sc.variants or [""]:
            plain = compile_scenario(sc, variant)
            assert plain.fault_classes == ()
            assert compile_scenario(sc, variant, False).ir_bytes == plain.ir_bytes


def test_classes_select_the_failable_calls() -> None:
    sc = resolve("switchtec-cdev").scenario
    msi = compile_scenario(sc, None, ["msi"])
    table = msi.ir["config"]["fault_injection"]
    assert msi.fault_classes == ("msi",)
    assert table["alloc"] is False
    names = [msi.ir["functions"][c["func"]]["name"] for c in table["calls"]]
    assert names == ["pci_alloc_irq_vectors"]
    assert table["calls"][0] == {"func": table["calls"][0]["func"], "ret": {"int": -28},
                                 "attr": "fail_function"}  # fmt: skip
    # Only model files outside the kernel library are driver code.
    files = [msi.ir["files"][f] for f in table["driver_files"]]
    assert files and not any("pyfuzz/kernel/" in f for f in files)


def test_the_command_line_switch_saves_a_crash_that_replays_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crash = tmp_path / "leak.json"
    plain = spec("leaky", "probe-plain")
    assert main(["verify", plain, "--json"]) == 0
    capsys.readouterr()
    assert main(["verify", plain, "--fail=alloc", "--save", str(crash), "--json"]) == 1
    capsys.readouterr()
    doc = json.loads(crash.read_text())
    assert doc["fault"]["injection"] == ["alloc"]
    assert doc["fault"]["failed"]["call"] == "kzalloc fp_buf"
    assert doc["report"].startswith(BLOCK)
    res = replay_crash(crash)
    assert res.verdict == "reproduced"
    assert res.outcome.finding.report == doc["report"]
    assert [s["op"] for s in res.outcome.trace] == [s["op"] for s in doc["steps"]]
    assert main(["replay", str(crash)]) == 1
    assert "F " in capsys.readouterr().out


# ---- Probe deferral (the `defer` class; tests/models/platform_irq.py:platform-defer) --------

DEFER = Path(__file__).parent / "models" / "platform_irq.py"
DEFER_BLOCK = (
    "FAULT_INJECTION: forcing a failure.\n"
    "name fail_function, interval 1, probability 0, space 0, times 0\n"
)


@pytest.mark.parametrize(
    ("variant", "title"),
    [
        ("leaky", "memory leak in plat_probe_defer_leaky"),
        ("double-free", "KASAN: double-free in release_nodes"),
        ("stale-list", "KASAN: slab-use-after-free Read in plat_probe_defer_stale_list"),
    ],
)
def test_a_broken_deferral_path_is_found_with_the_deferring_call_named(
    variant: str, title: str
) -> None:
    program = load(f"{DEFER}:platform-defer:{variant}").program
    res = program.verify(2)
    assert res.outcome is not None and res.outcome.finding is not None
    assert res.outcome.finding.title == title
    out = program.replay(list(res.outcome.choices), trace=True)
    assert out.finding is not None and out.finding.title == title
    report = out.finding.report
    assert report.startswith(DEFER_BLOCK), report
    assert " fei_kprobe_handler+0x0/0x0\n platform_get_irq+0x0/0x0\n" in report
    assert out.fault is not None
    assert (out.fault["call"], out.fault["attr"]) == ("platform_get_irq", "fail_function")
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 5000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.report.startswith(DEFER_BLOCK), strategy


def test_only_the_re_probe_finds_a_driver_that_leaves_its_data_published() -> None:
    # stale-list's first probe returns cleanly; the freed node is touched by the second
    # probe, run from the deferred list by deferred_probe_work in a kworker
    program = load(f"{DEFER}:platform-defer:stale-list").program
    report = program.verify(2).outcome.finding.report
    stack = report[report.index("BUG: KASAN") : report.index("Allocated by task")]
    assert "by task kworker/" in stack
    assert " deferred_probe_work_func+" in stack and " bus_probe_device+" in stack


def test_the_fixed_probe_defers_and_is_probed_again() -> None:
    program = load(f"{DEFER}:platform-defer:fixed").program
    res = program.verify(2)
    assert res.outcome is None and res.complete and res.model_error is None
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 3000, seed=2)
        assert batch.outcome is None and batch.model_error is None, strategy
    # fail-nth 1 is the first platform_get_irq: the probe defers, the irqchip's bind
    # triggers the deferred probe, and the work probes the device again (and it binds)
    out = program.replay([1], trace=True)
    assert out.status == "ok" and out.fault is not None
    assert out.fault["call"] == "platform_get_irq"
    probes = [
        s for s in out.trace if s["function"] == "plat_probe" and s["op"].startswith("kzalloc")
    ]
    assert [s["thread"].startswith("kworker") for s in probes] == [False, True]
    # Off: the probe binds at once and nothing is deferred.
    off = load(f"{DEFER}:platform-defer:fixed", faults=False).program.replay([], trace=True)
    assert not any(s["function"] == "driver_deferred_probe_add" for s in off.trace)


def test_the_defer_and_threaded_irq_classes_name_their_calls() -> None:
    sc = resolve(f"{DEFER}:platform-defer").scenario
    defer = compile_scenario(sc, "fixed", ["defer"])
    table = defer.ir["config"]["fault_injection"]
    names = sorted(defer.ir["functions"][c["func"]]["name"] for c in table["calls"])
    assert names == ["platform_get_irq", "platform_get_irq_optional"]
    assert {c["ret"]["int"] for c in table["calls"]} == {-517}
    # platform_get_irq's own call of _optional is the library's, not failable: one probe
    # without a failure makes one failable call, so fail-nth 2 fails nothing
    program = load(f"{DEFER}:platform-defer:fixed").program
    assert program.replay([2]).fault is None
    irq = compile_scenario(resolve("switchtec-cdev").scenario, None, ["irq"])
    table = irq.ir["config"]["fault_injection"]
    names = sorted(irq.ir["functions"][c["func"]]["name"] for c in table["calls"])
    # the switchtec driver calls devm_request_irq, which the library implements with
    # devm_request_threaded_irq and request_threaded_irq: all three are compiled and listed
    assert {"devm_request_irq", "devm_request_threaded_irq", "request_threaded_irq"} <= set(names)


# ---- Managed allocators (tests/models/fault_devm.py) ----------------------------------------

DEVM = Path(__file__).parent / "models" / "fault_devm.py"
DEVM_FRAMES = (
    " should_failslab+0x0/0x0\n __kmalloc_node_track_caller_noprof+0x0/0x0\n devm_kmalloc+0x0/0x0\n"
)


@pytest.mark.parametrize(
    ("variant", "title"),
    [
        ("double-free", "KASAN: double-free in release_nodes"),
        ("leaky", "memory leak in fd_probe_leaky"),
    ],
)
def test_a_failed_devm_kzalloc_is_named_with_devm_kmalloc_s_stack(variant: str, title: str) -> None:
    program = load(f"{DEVM}:devm-probe-error-paths:{variant}").program
    res = program.verify(2)
    assert res.outcome is not None and res.outcome.finding is not None
    assert res.outcome.finding.title == title
    out = program.replay(list(res.outcome.choices), trace=True)
    assert out.finding is not None and out.finding.title == title
    report = out.finding.report
    assert report.startswith(BLOCK), report
    # the kernel's fail_nth sees the allocation inside devm_kmalloc, called by the driver
    function = f"fd_probe_{variant.replace('-', '_')}"
    assert DEVM_FRAMES + f" {function}+" in report, report
    assert out.fault is not None
    assert (out.fault["call"], out.fault["nth"]) == ("devm_kzalloc fd_buf", 2)
    assert out.fault["function"] == function
    marked = [s["op"] for s in out.trace if "[fault: " in s["op"]]
    assert marked == ["devm_kzalloc fd_buf [fault: failslab]"]
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 3000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title == title, strategy


@pytest.mark.parametrize("scenario", ["devm-probe-error-paths", "devm-probe-unbind"])
def test_the_fixed_devm_probe_is_clean_with_every_call_failed(scenario: str) -> None:
    program = load(f"{DEVM}:{scenario}:fixed").program
    res = program.verify(2)
    assert res.outcome is None and res.model_error is None and res.complete
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 3000, seed=2)
        assert batch.outcome is None and batch.model_error is None, strategy
    calls = [
        "devm_kzalloc fd_priv",
        "devm_kzalloc fd_buf",
        "devm_platform_ioremap_resource",
        "devm_request_irq",
    ]
    for nth, call in enumerate(calls, start=1):
        out = program.replay([nth], trace=True)
        assert out.status == "ok" and out.fault is not None, nth
        assert out.fault["call"] == call


def test_managed_allocation_sites_are_listed_with_the_alloc_class_only() -> None:
    sc = resolve(f"{DEVM}:devm-probe-error-paths").scenario
    compiled = compile_scenario(sc, "fixed", ["alloc"])
    table = compiled.ir["config"]["fault_injection"]
    sites = table["allocs"]
    assert [s["call"] for s in sites] == ["devm_kzalloc", "devm_kzalloc"]
    for site in sites:
        func = compiled.ir["functions"][site["func"]]
        assert func["name"] == "fd_probe" and func["code"][site["pc"]][0] == "alloc"
        assert site["frames"] == ["__kmalloc_node_track_caller_noprof", "devm_kmalloc"]
    irq_only = compile_scenario(sc, "fixed", ["irq"]).ir["config"]["fault_injection"]
    assert "allocs" not in irq_only
    names = {compiled.ir["functions"][c["func"]]["name"]: c["ret"] for c in table["calls"]}
    assert names["devm_platform_ioremap_resource"] is None


# ---- kthread_run (tests/models/fault_kthread.py) -------------------------------------------

KTHREAD = Path(__file__).parent / "models" / "fault_kthread.py"


def test_an_unchecked_failed_kthread_run_is_the_page_fault_at_its_error_pointer() -> None:
    program = load(f"{KTHREAD}:kthread-probe:unchecked").program
    res = program.verify(2)
    assert res.outcome is not None and res.outcome.finding is not None
    title = "BUG: unable to handle kernel paging request in kt_remove"
    assert res.outcome.finding.title == title
    out = program.replay(list(res.outcome.choices), trace=True)
    report = out.finding.report
    assert report.startswith(BLOCK), report
    # __kthread_create_on_node's kmalloc of the request failed: ERR_PTR(-ENOMEM)
    frames = " should_failslab+0x0/0x0\n __kmalloc_cache_noprof+0x0/0x0\n"
    frames += " __kthread_create_on_node+0x0/0x0\n kthread_create_on_node+0x0/0x0\n"
    assert frames + " kt_probe_unchecked+" in report
    oops = report[report.index("BUG: unable") :]
    assert oops.startswith("BUG: unable to handle page fault for address: fffffffffffffff4\n")
    assert "RIP: 0010:kthread_stop+" in oops
    assert out.fault is not None and (out.fault["call"], out.fault["nth"]) == ("kthread_run", 1)
    assert [s["op"] for s in out.trace if "[fault: " in s["op"]] == [
        "kthread_run [fault: failslab]"
    ]
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 2000, seed=1)
        assert batch.outcome is not None and batch.outcome.finding.title == title, strategy
    # without fault injection kthread_run does not fail: clean
    assert load(f"{KTHREAD}:kthread-probe:unchecked", faults=False).program.verify(2).complete
    assert (
        load(f"{KTHREAD}:kthread-probe:unchecked", faults=False).program.verify(2).outcome is None
    )


def test_a_probe_that_checks_is_err_is_clean_when_kthread_run_fails() -> None:
    program = load(f"{KTHREAD}:kthread-probe:fixed").program
    res = program.verify(2)
    assert res.outcome is None and res.model_error is None and res.complete
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 3000, seed=2)
        assert batch.outcome is None and batch.model_error is None, strategy
    out = program.replay([1], trace=True)
    assert out.status == "ok" and out.fault is not None and out.fault["call"] == "kthread_run"
    assert not any(s["thread"] == "kt_worker" for s in out.trace), "no thread was started"
    table = load(f"{KTHREAD}:kthread-probe:fixed").compiled.ir["config"]["fault_injection"]
    assert [p["name"] for p in table["prims"]] == ["kthread_run"]
    assert table["prims"][0]["ret"] == {"int": -12}


def test_a_fatal_signal_while_kthread_run_waits_for_kthreadd_is_its_eintr_pointer() -> None:
    """The `signal` class (kernel/kthread.c __kthread_create_on_node: a fatal signal ends
    wait_for_completion_killable before kthreadd created the thread: ERR_PTR(-EINTR)); not a
    fault attribute, so no FAULT_INJECTION block: a pyfuzz note says what happened."""
    title = "BUG: unable to handle kernel paging request in kt_remove"
    program = load(f"{KTHREAD}:kthread-probe:unchecked", faults=["signal"]).program
    res = program.verify(3)
    assert res.outcome is not None and res.outcome.finding.title == title
    out = program.replay(list(res.outcome.choices), trace=True)
    report = out.finding.report
    assert report.startswith(
        "pyfuzz: a fatal signal (SIGKILL) is pending for bind:1000 in a killable wait: "
        "kthread_run fails with -EINTR (the kernel logs nothing)\n"
    ), report
    frames = " wait_for_completion_killable+0x0/0x0\n __kthread_create_on_node+0x0/0x0\n"
    assert frames + " kthread_create_on_node+0x0/0x0\n kt_probe_unchecked+" in report
    assert "FAULT_INJECTION" not in report
    oops = report[report.index("BUG: unable") :]
    assert oops.startswith("BUG: unable to handle page fault for address: fffffffffffffffc\n")
    assert (out.fault["call"], out.fault["attr"], out.fault["nth"]) == ("kthread_run", "signal", 1)
    marked = [s["op"] for s in out.trace if "[fault: " in s["op"]]
    assert marked == ["kthread_run [fault: signal]"]
    for strategy in ("pct", "random"):
        batch = program.run_batch(strategy, 3000, seed=1)
        assert batch.outcome is not None and batch.outcome.finding.title == title, strategy
    fixed = load(f"{KTHREAD}:kthread-probe:fixed", faults=["signal"]).program
    res = fixed.verify(3)
    assert res.outcome is None and res.model_error is None and res.complete
    for strategy in ("pct", "random"):
        batch = fixed.run_batch(strategy, 3000, seed=2)
        assert batch.outcome is None and batch.model_error is None, strategy


def test_kthread_run_fails_at_its_kmalloc_first_then_at_its_killable_wait() -> None:
    program = load(f"{KTHREAD}:kthread-probe:fixed", faults=["alloc", "signal"]).program
    attrs = []
    for nth in (1, 2):
        out = program.replay([nth], trace=True)
        assert out.status == "ok" and out.fault["call"] == "kthread_run"
        attrs.append(out.fault["attr"])
    assert attrs == ["failslab", "signal"]
    # The scenario's own setting (alloc) and no fault injection are as before.
    table = load(f"{KTHREAD}:kthread-probe:fixed").compiled.ir["config"]["fault_injection"]
    assert [p["ret"] for p in table["prims"]] == [{"int": -12}]
    for name in builtin_scenarios():
        assert "fault_injection" not in load(name).compiled.ir["config"], name
