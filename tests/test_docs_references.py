"""Nothing in the repository cites a document that is not in it: every `*.md` path named in a
tracked file resolves to a file of the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MD_REFERENCE = re.compile(r"[A-Za-z0-9_./-]+\.md\b")


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [REPO / line for line in out.splitlines() if line]


def test_every_cited_markdown_document_is_in_the_repository():
    present = {p.relative_to(REPO).as_posix() for p in REPO.rglob("*.md") if ".git" not in p.parts}
    names = {Path(p).name for p in present}
    missing = []
    for path in _tracked():
        if path.suffix in {".json", ".lock"} or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for ref in MD_REFERENCE.findall(text):
            ref = ref.lstrip("./")
            if ref not in present and Path(ref).name not in names:
                missing.append(f"{path.relative_to(REPO)}: {ref}")
    assert missing == [], "cites documents not in the repository:\n" + "\n".join(missing)
