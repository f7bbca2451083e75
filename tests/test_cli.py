"""The command line: exit codes, JSON fields, one-line errors for unusable input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pyfuzz import _core
from pyfuzz._core import Program
from pyfuzz.cli import main
from pyfuzz.errors import IrError

MODELS = Path(__file__).resolve().parent / "models"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_builtin_with_expectations(capsys):
    code, out, _ = run_cli(capsys, "list", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)["scenarios"]}
    for name in (
        "demo-alive-flag",
        "pci-host-unbind",
        "dmaengine-unbind",
        "pci-intx-devres",
        "sriov-rescan-lock",
        "switchtec-cdev",
    ):
        assert name in rows
        assert all(v["expect"] for v in rows[name]["variants"])


def test_verify_finding_exits_1_with_json_fields(capsys):
    code, out, _ = run_cli(
        capsys, "verify", f"{MODELS}/abba.py:abba:buggy", "--preemptions", "1", "--json"
    )
    assert code == 1
    data = json.loads(out)
    assert data["kind"] == "deadlock"
    assert data["title"] == "deadlock in take_ab"
    assert data["preemptions"] == 1
    assert data["schedules"] >= 1
    assert len(data["signature"]) == 16


def test_verify_clean_exits_0_and_counts_schedules(capsys):
    code, out, _ = run_cli(capsys, "verify", f"{MODELS}/abba.py:abba:buggy", "--preemptions", "0")
    assert code == 0
    assert "no finding in 2 schedules" in out


def test_verify_prints_report_and_counterexample(capsys):
    code, out, _ = run_cli(capsys, "verify", "demo-alive-flag", "--preemptions", "2")
    assert code == 1
    assert "BUG: KASAN: slab-use-after-free in demo_read_unlocked" in out
    assert "Interleaving (" in out and "1 preemptions" in out


@pytest.mark.parametrize("strategy", _core.STRATEGIES)
def test_run_finds_the_demo_bug(capsys, strategy):
    code, out, _ = run_cli(
        capsys,
        "run",
        "demo-alive-flag",
        "--strategy",
        strategy,
        "--executions",
        "100000",
        "--seed",
        "1",
        "--json",
    )
    assert code == 1
    data = json.loads(out)
    assert data["kind"] == "use-after-free"
    assert data["executions"] >= 1 and data["preemptions"] >= 1


def test_run_clean_variant_exits_0(capsys):
    code, out, _ = run_cli(
        capsys, "run", "demo-alive-flag:locked-check", "--executions", "2000", "--json"
    )
    assert code == 0
    assert json.loads(out)["executions"] == 2000


def test_unsupported_syntax_is_one_line_with_file_and_line(tmp_path, capsys):
    model = tmp_path / "bad.py"
    model.write_text(
        "from pyfuzz.model import *\n\n"
        "def t():\n"
        "    x = [1, 2]\n\n"
        "s = Scenario(name='bad', actors=[Thread(t)])\n"
    )
    code, out, err = run_cli(capsys, "verify", str(model))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert f"{model}:4:" in lines[0] or "bad.py:4:" in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "spec,needle",
    [
        ("no-such-scenario", "unknown scenario 'no-such-scenario'"),
        ("demo-alive-flag:nope", "unknown variant 'nope'"),
        ("/nonexistent/model.py", "nonexistent"),
    ],
)
def test_unknown_names_exit_2(capsys, spec, needle):
    code, _, err = run_cli(capsys, "verify", spec)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1


def test_console_script_and_module_entry_points_agree():
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyfuzz",
            "verify",
            "demo-alive-flag",
            "--preemptions",
            "0",
            "--json",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["schedules"] >= 1


def test_malformed_ir_raises_ir_error_not_a_panic():
    with pytest.raises(IrError, match="not an IR document"):
        Program(b"{not json")
    with pytest.raises(IrError, match="unsupported IR version"):
        Program(
            b'{"version": 9, "files": [], "strings": [], "structs": [], '
            b'"functions": [], "threads": []}'
        )


def test_model_error_at_run_time_is_unusable_input(tmp_path, capsys):
    model = tmp_path / "typo.py"
    model.write_text(
        "from pyfuzz.model import *\n\n"
        "class S(Struct):\n"
        "    x: int\n\n"
        "g = Global(S)\n\n"
        "def t():\n"
        "    g.y = 1\n\n"
        "s = Scenario(name='typo', actors=[Thread(t)])\n"
    )
    code, out, err = run_cli(capsys, "verify", str(model), "--preemptions", "0")
    assert code == 2 and out == ""
    assert "typo.py:9: struct S has no field 'y'" in err
    assert len(err.strip().splitlines()) == 1


def test_scenario_whose_boot_fails_exits_2(tmp_path, capsys):
    model = tmp_path / "boot.py"
    model.write_text(
        "from pyfuzz.model import *\n\n"
        "class S(Struct):\n"
        "    p: Ref\n\n"
        "g = Global(S)\n\n"
        "def boot():\n"
        "    g.p.p = None\n\n"
        "def t():\n"
        "    pass\n\n"
        "s = Scenario(name='boot', boot=[boot], actors=[Thread(t)])\n"
    )
    code, _, err = run_cli(capsys, "run", str(model), "--executions", "1")
    assert code == 2
    assert "scenario boot failed" in err and "NULL pointer dereference" in err
    assert "boot.py:9:" in err and len(err.strip().splitlines()) == 1


def test_verify_stopped_by_its_budget_is_incomplete_not_clean(capsys):
    code, out, _ = run_cli(
        capsys, "verify", "switchtec-cdev:tpm-fence", "--preemptions", "2", "--max-schedules", "3"
    )
    assert code == 4
    assert "stopped at the budget" in out


@pytest.mark.parametrize("command", ["verify", "run"])
def test_a_findings_output_ends_with_the_command_that_reproduces_it(capsys, tmp_path, command):
    code, out, _ = run_cli(capsys, command, "demo-alive-flag")
    assert code == 1
    last = out.strip().splitlines()[-1]
    assert last == f"reproduce: pyfuzz {command} demo-alive-flag"
    title = out.strip().splitlines()[-3].split(": ", 1)[1].split(" (")[0].split(" at ")[0]
    # Pasting it shows the same finding again.
    code, again, _ = run_cli(capsys, *last.removeprefix("reproduce: pyfuzz ").split())
    assert code == 1 and title in again
    saved = tmp_path / "found.json"
    code, out, _ = run_cli(capsys, command, "demo-alive-flag", "--save", str(saved))
    assert out.strip().splitlines()[-1] == f"reproduce: pyfuzz replay {saved}"
    code, replayed, _ = run_cli(capsys, "replay", str(saved))
    assert code == 1 and title in replayed


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "demo-alive-flag", "--executions", "18446744073709551616"],
        ["run", "demo-alive-flag", "--executions", "0"],
        ["run", "demo-alive-flag", "--depth", "0"],
        ["run", "demo-alive-flag", "--seed", "-1"],
        ["verify", "demo-alive-flag", "--preemptions", "65"],
        ["verify", "demo-alive-flag", "--max-schedules", "ten"],
        ["fuzz", "demo-alive-flag", "--seed", "4294967296"],
        ["minimize", "x.json", "-o", "y.json", "--budget", "0"],
    ],
)
def test_out_of_range_arguments_are_usage_errors(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert "error: argument" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["verify", "run", "fuzz", "replay", "minimize", "list"])
def test_help_shows_defaults_and_exit_codes(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out, _ = capsys.readouterr()
    assert "exit codes:" in out and "130/143" in out
    if command in ("verify", "run"):
        assert "(default: " in out


def test_a_core_panic_is_an_internal_error_with_exit_code_3(capsys, monkeypatch):
    def panic(_args):
        raise _core.PanicException("index out of bounds: the len is 3 but the index is 7")

    monkeypatch.setattr("pyfuzz.cli.cmd_verify", panic)
    code, out, err = run_cli(capsys, "verify", "demo-alive-flag")
    assert code == 3 and out == ""
    assert err.startswith("pyfuzz: internal error: the core panicked: index out of bounds")
    assert "please report it" in err and "Traceback" not in err


def test_verify_all_explores_every_interleaving_once(capsys):
    code, out, _ = run_cli(capsys, "verify", "demo-alive-flag:locked-check", "--preemptions", "all")
    assert code == 0 and "complete: every interleaving explored" in out
    code, out, _ = run_cli(
        capsys, "verify", "demo-alive-flag:locked-check", "--preemptions", "all", "--json"
    )
    result = json.loads(out)
    assert result["exhaustive"] is True and result["complete"] is True
    assert result["distinct_schedules"] == sum(result["new_per_bound"]) <= result["schedules"]
    # Asking for the bound where it ended explores the same schedules, and says it is all.
    code, out, _ = run_cli(
        capsys,
        "verify",
        "demo-alive-flag:locked-check",
        "--preemptions",
        str(result["bound"]),
        "--json",
    )
    assert json.loads(out)["new_per_bound"] == result["new_per_bound"]
    # The buggy variant still reports the minimal preemptions its finding needs.
    code, out, _ = run_cli(capsys, "verify", "demo-alive-flag", "--preemptions", "all", "--json")
    assert code == 1 and json.loads(out)["preemptions"] == 1


def test_verify_all_says_when_the_stateful_search_completed_it(capsys):
    """A reader loop of 40 rounds against two stores: fewer states than interleavings, so the
    stateful search finishes first, and the line and the JSON say so."""
    spec = f"{MODELS / 'search' / 'two_preemptions.py'}:two-preemptions:loop"
    code, out, _ = run_cli(capsys, "verify", spec, "--preemptions", "all")
    assert code == 0
    assert "complete: every interleaving explored, by a stateful search through" in out
    code, out, _ = run_cli(capsys, "verify", spec, "--preemptions", "all", "--json")
    result = json.loads(out)
    assert result["exhaustive"] is True and result["by_states"] is True
    assert 0 < result["states"] < result["schedules"]
    # Bounded, the reduced search runs alone and nothing is said about states.
    code, out, _ = run_cli(capsys, "verify", spec, "--preemptions", "1", "--json")
    result = json.loads(out)
    assert result["by_states"] is False and result["states"] == 0


def test_verify_all_workloads_lists_each_workload(capsys):
    code, out, _ = run_cli(
        capsys, "verify", "demo-alive-flag:locked-check", "--workloads", "all", "--preemptions", "1"
    )
    assert code == 0 and "3 workloads explored:" in out
    assert "reader: read, read, read; unbind: remove" in out
    code, out, _ = run_cli(
        capsys,
        "verify",
        "demo-alive-flag:locked-check",
        "--workloads",
        "all",
        "--preemptions",
        "1",
        "--json",
    )
    rows = json.loads(out)["workloads"]
    assert [r["workload"] for r in rows] == [
        "reader: read; unbind: remove",
        "reader: read, read; unbind: remove",
        "reader: read, read, read; unbind: remove",
    ]
    assert sum(r["schedules"] for r in rows) == json.loads(out)["distinct_schedules"]
    # The buggy variant is found in some workload; the default workload alone has one row.
    code, out, _ = run_cli(capsys, "verify", "demo-alive-flag", "--workloads", "all", "--json")
    assert code == 1


def test_the_interleaving_header_counts_the_rows_it_lists(capsys):
    code, out, _ = run_cli(capsys, "verify", "switchtec-cdev:v4")
    head = next(line for line in out.splitlines() if line.startswith("Interleaving ("))
    rows = [
        line
        for line in out.split(head, 1)[1].splitlines()
        if line[:2] in (">>", "P ", "  ") and line[2:8].strip().isdigit()
    ]
    assert head.startswith(f"Interleaving ({len(rows)} steps"), (head, len(rows))
    assert "of them scheduling points" in head
