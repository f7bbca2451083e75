"""docs/model.md's first model runs exactly as written: the file block is extracted and the
three commands after it behave as the guide says; the Python snippet of section 1b runs too."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "model.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(GUIDE.read_text()) if kind == lang]


def _pyfuzz(cwd: Path, command: str) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command.split("#", 1)[0])
    assert argv[0] == "pyfuzz"
    return subprocess.run(
        [sys.executable, "-m", "pyfuzz", *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_first_model_runs_as_written(tmp_path):
    model = next(b for b in _blocks("python") if b.startswith("# my_driver.py\n"))
    (tmp_path / "my_driver.py").write_text(model)
    commands = next(b for b in _blocks("sh") if "my_driver.py" in b).strip().splitlines()
    assert len(commands) == 3
    buggy, fixed_verify, fixed_run = (_pyfuzz(tmp_path, c) for c in commands)
    assert buggy.returncode == 1, buggy.stderr
    assert "BUG: KASAN: slab-use-after-free in my_read" in buggy.stdout
    assert "needs 1 preemption" in buggy.stdout
    assert buggy.stdout.strip().splitlines()[-1].startswith("reproduce: pyfuzz verify my_driver.py")
    assert fixed_verify.returncode == 0, fixed_verify.stdout + fixed_verify.stderr
    assert fixed_run.returncode == 0, fixed_run.stdout + fixed_run.stderr


def test_the_running_it_snippet_runs_from_the_repository():
    snippet = next(b for b in _blocks("python") if "p.verify(2)" in b)
    result = subprocess.run(
        [sys.executable, "-c", snippet], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "kernel BUG at pyfuzz/kernel/pci_msi.py" in result.stdout
