"""Campaigns (`pyfuzz fuzz`): files per distinct finding, workers, kills, resume, the
standalone libFuzzer target. Campaigns run in subprocesses (atheris ends its process)."""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from pyfuzz.campaign.outdir import CampaignDir
from pyfuzz.cli_fuzz import parse_duration
from pyfuzz.corpus import check_crash
from pyfuzz.crashfile import load_crash


def fuzz(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyfuzz", "fuzz", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def crash_titles(out: Path) -> dict[str, Path]:
    titles: dict[str, Path] = {}
    for path in sorted((out / "crashes").iterdir()):
        assert path.suffix == ".json", f"stray file in crashes/: {path.name}"
        crash = load_crash(path)  # every file is whole and valid
        assert crash.title not in titles, f"two files for '{crash.title}'"
        titles[crash.title] = path
    return titles


def assert_each_replays(titles: dict[str, Path]) -> None:
    for title, path in titles.items():
        result = check_crash(path)
        assert not result.failures and result.error is None, (title, result)


def test_atheris_campaign_writes_one_replayable_file_per_title(tmp_path):
    out = tmp_path / "camp"
    res = fuzz(tmp_path, "switchtec-cdev:v4", "--time", "12", "--out", str(out))
    assert res.returncode == 1, res.stdout + res.stderr
    titles = crash_titles(out)
    assert "kernel BUG in free_msi_irqs" in titles
    assert_each_replays(titles)
    assert "distinct finding(s)" in res.stdout and "first seen" in res.stdout
    for path in titles.values():
        assert str(path.relative_to(tmp_path)) in res.stdout
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["sessions"] == 1 and stats["executions"] > 1000
    assert set(stats["findings"]) == set(titles)
    assert all(f["minimized"] for f in stats["findings"].values())
    log = (out / "logs" / "worker-0.log").read_text()
    # libFuzzer loaded the model counters, and the model coverage grew during the run.
    assert "Loaded 1 modules   (65536 inline 8-bit counters)" in log
    covs = [int(line.split("cov: ")[1].split()[0]) for line in log.splitlines() if "cov: " in line]
    assert len(covs) >= 2 and covs[-1] > covs[0]
    # Raw libFuzzer artifacts stay out of the user's way.
    assert not list(tmp_path.glob("crash-*"))


def test_batch_campaign_on_several_bugs_and_resume(tmp_path):
    out = tmp_path / "camp"
    first = fuzz(
        tmp_path, "sriov-rescan-lock:unlocked", "--engine", "pct", "--runs", "30000",
        "--out", str(out),
    )  # fmt: skip
    assert first.returncode == 1, first.stdout + first.stderr
    titles = crash_titles(out)
    assert len(titles) >= 2
    assert "BUG: corrupted list in pci_destroy_dev" in titles
    assert_each_replays(titles)
    again = fuzz(
        tmp_path, "sriov-rescan-lock:unlocked", "--engine", "pct", "--runs", "5000",
        "--out", str(out),
    )  # fmt: skip
    assert again.returncode == 1
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["sessions"] == 2 and stats["executions"] >= 35000
    assert set(crash_titles(out)) >= set(titles)  # nothing known is lost
    other = fuzz(
        tmp_path, "switchtec-cdev:v5", "--engine", "pct", "--runs", "10", "--out", str(out)
    )
    assert (
        other.returncode == 2 and "holds a campaign of sriov-rescan-lock:unlocked" in other.stderr
    )


def test_two_jobs_run_two_workers_and_share_the_findings(tmp_path):
    out = tmp_path / "camp"
    res = fuzz(tmp_path, "switchtec-cdev:v5", "--jobs", "2", "--time", "6", "--out", str(out))
    assert res.returncode == 1, res.stdout + res.stderr
    cdir = CampaignDir(out)
    for k in (0, 1):
        status = orjson.loads((cdir.logs / f"worker-{k}.status.json").read_bytes())
        assert status["executions"] > 100 and status["done"]
        assert "Loaded 1 modules" in (cdir.logs / f"worker-{k}.log").read_text()
    titles = crash_titles(out)
    assert titles
    assert_each_replays(titles)


def test_sigkill_at_random_moments_loses_nothing_and_resumes(tmp_path):
    out = tmp_path / "camp"
    rng = random.Random(7)
    seen: set[str] = set()
    argv = [sys.executable, "-m", "pyfuzz", "fuzz", "switchtec-cdev:v4", "--time", "60"]
    for _ in range(3):
        proc = subprocess.Popen(
            [*argv, "--out", str(out)], cwd=tmp_path, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(1.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        titles = set(crash_titles(out))  # every file whole: none partial or corrupt
        assert seen <= titles, "a finding reported before the kill is gone"
        seen = titles
        assert not list((out / "crashes").glob(".*")), "a temporary file in crashes/"
    corpus = len(list((out / "corpus").iterdir()))
    assert corpus > 0 and seen
    res = fuzz(tmp_path, "switchtec-cdev:v4", "--runs", "300", "--out", str(out))
    assert res.returncode == 1, res.stdout + res.stderr
    log = (out / "logs" / "worker-0.log").read_text()
    # libFuzzer loads the corpus the killed runs left (a file cut short by the kill may be
    # dropped as a duplicate or an empty input, hence the small slack).
    loaded = [int(m) for m in re.findall(r"INFO: seed corpus: files: (\d+)", log)]
    assert loaded and corpus - 5 <= loaded[-1] <= corpus
    assert set(crash_titles(out)) >= seen


def test_sigint_ends_the_campaign_with_its_summary(tmp_path):
    out = tmp_path / "camp"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyfuzz", "fuzz", "switchtec-cdev:v5", "--time", "120",
         "--out", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in stdout and "first seen" in stdout


def test_standalone_target_crashes_on_a_finding_and_reproduces_it(tmp_path):
    script = tmp_path / "fuzz_demo.py"
    assert (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pyfuzz.target",
                "--write-script",
                "demo-alive-flag",
                str(script),
            ],
            check=False,
        ).returncode
        == 0
    )
    assert os.access(script, os.X_OK)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    res = subprocess.run(
        [str(script), "-max_total_time=60", f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert res.returncode != 0
    assert "Loaded 1 modules   (65536 inline 8-bit counters)" in res.stderr
    assert "KASAN: slab-use-after-free" in res.stderr
    token = [line for line in res.stderr.splitlines() if line.startswith("DEDUP_TOKEN: ")]
    assert token
    artifacts = list(tmp_path.glob("crash-*"))
    assert len(artifacts) == 1
    again = subprocess.run(
        [str(script), str(artifacts[0])], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env=env,
    )  # fmt: skip
    assert again.returncode != 0 and token[0] in again.stderr.splitlines()


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("10m", 600), ("2h", 7200), ("1h30m", 5400)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten", "0", "5x", "-3"])
def test_bad_durations(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_bad_fuzz_arguments_exit_2(tmp_path):
    assert fuzz(tmp_path, "no-such-scenario", "--time", "1").returncode == 2
    assert fuzz(tmp_path, "demo-alive-flag", "--time", "ten").returncode == 2
    res = fuzz(tmp_path, "demo-alive-flag", "--engine", "pct", "--time", "1", "--", "-runs=3")
    assert res.returncode == 2 and "apply to --engine atheris only" in res.stderr


def test_switch_point_encoding_starts_from_the_serial_schedule():
    from pyfuzz.engine import load
    from pyfuzz.errors import TraceFormatError, UsageError

    program = load("switchtec-cdev:alive-unlocked").program
    serial = program.run_bytes(b"", encoding="switches")
    assert serial.preemptions == 0
    assert list(program.replay([], trace=False).choices) == list(serial.choices)
    # The default workload's bytes, then one switch point: enough for this bug's preemption.
    traced = program.run_bytes(b"", trace=True, encoding="switches")
    workload = bytes(w["value"] for w in traced.workload or [])
    found = None
    for gap in range(256):
        for target in range(4):
            out = program.run_bytes(workload + bytes([gap, target]), encoding="switches")
            if out.finding is not None:
                found = out
                break
        if found:
            break
    assert found is not None and found.preemptions >= 1
    # An unknown name is a usage error, not a damaged crash file.
    with pytest.raises(UsageError, match="unknown input encoding") as err:
        program.run_bytes(b"", encoding="nonsense")
    assert not isinstance(err.value, TraceFormatError)


def test_a_campaign_guided_by_the_model_alone_finds_a_preemption_bug(tmp_path):
    out = tmp_path / "camp"
    res = fuzz(
        tmp_path, "demo-alive-flag", "--encoding", "switches", "--time", "8", "--out", str(out)
    )
    assert res.returncode == 1, res.stdout + res.stderr
    assert "KASAN: slab-use-after-free Read in demo_read_unlocked" in crash_titles(out)
