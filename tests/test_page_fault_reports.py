"""Page-fault reports in the kernel's words (tests/models/pf_access.py; arch/x86/mm/fault.c
show_fault_oops, arch/x86/kernel/dumpstack.c show_opcodes): the #PF access kind and the
error code follow what the CPU did (X86_PF_WRITE 0x2 for a store, X86_PF_INSTR 0x10 for a
call through NULL, 0 for a load; all on a not-present page), and the fixed twins are clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfuzz._core import STRATEGIES
from pyfuzz.engine import load

MODEL = Path(__file__).parent / "models" / "pf_access.py"

PAGING = "BUG: unable to handle kernel paging request"
NULL = "BUG: unable to handle kernel NULL pointer dereference"

CASES = {
    "mmio-write": (
        f"{PAGING} in pf_kick_write",
        [
            "BUG: unable to handle page fault for address: ffffc9000000",
            "#PF: supervisor write access in kernel mode",
            "#PF: error_code(0x0002) - not-present page",
            "Oops: 0002 [#1] PREEMPT SMP KASAN",
        ],
    ),
    "mmio-read": (
        f"{PAGING} in pf_kick_read",
        [
            "BUG: unable to handle page fault for address: ffffc9000000",
            "#PF: supervisor read access in kernel mode",
            "#PF: error_code(0x0000) - not-present page",
            "Oops: 0000 [#1] PREEMPT SMP KASAN",
        ],
    ),
    "null-store": (
        f"{NULL} in pf_kick_store",
        [
            "BUG: kernel NULL pointer dereference, address: 0000000000000008",
            "#PF: supervisor write access in kernel mode",
            "#PF: error_code(0x0002) - not-present page",
            "Oops: 0002 [#1] PREEMPT SMP KASAN",
        ],
    ),
    "null-call": (
        f"{NULL} in pf_kick_call",
        [
            "BUG: kernel NULL pointer dereference, address: 0000000000000000",
            "#PF: supervisor instruction fetch in kernel mode",
            "#PF: error_code(0x0010) - not-present page",
            "Oops: 0010 [#1] PREEMPT SMP KASAN",
            "RIP: 0010:0x0",
            "Code: Unable to access opcode bytes at 0xffffffffffffffd6.",
            " pf_kick_call+",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_report_says_what_the_cpu_did(name: str) -> None:
    title, lines = CASES[name]
    res = load(f"{MODEL}:{name}:buggy").program.verify(2)
    assert res.outcome is not None
    finding = res.outcome.finding
    assert finding.title == title
    report = finding.report.splitlines()
    for line in lines:
        assert any(r.startswith(line) for r in report), (line, finding.report)
    # The lines come in the kernel's order: the BUG line, the two #PF lines, the oops.
    first = [i for i, r in enumerate(report) if r.startswith(("BUG: ", "#PF: ", "Oops: "))]
    assert [report[i][:4] for i in first[:4]] == ["BUG:", "#PF:", "#PF:", "Oops"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fixed_twin_is_clean(name: str) -> None:
    program = load(f"{MODEL}:{name}:fixed").program
    res = program.verify(2)
    assert res.outcome is None and res.complete and res.model_error is None
    for strategy in STRATEGIES:
        batch = program.run_batch(strategy, 1000, seed=7)
        assert batch.outcome is None and batch.model_error is None, strategy
