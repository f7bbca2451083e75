"""The regression corpus as a user meets it: the README's steps in a fresh project directory.

A user saves a finding with `pyfuzz verify ... --save corpora/<name>.json`; pytest (with the
plugin pyfuzz registers through `pytest11`) collects the file and passes it; an edited
expectation fails it; `--pyfuzz-corpus` points the plugin at another directory. Runs pytest in
subprocesses so the entry-point registration itself is what is tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pyfuzz.cli import main

REPO = Path(__file__).resolve().parents[1]


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_saved_crash_is_collected_and_passes_then_fails_when_its_expectation_breaks(
    tmp_path, capsys
):
    corpus = tmp_path / "corpora"
    saved = corpus / "demo-alive-flag.json"
    assert main(["verify", "demo-alive-flag", "--save", str(saved)]) == 1
    capsys.readouterr()
    (corpus / "libfuzzer-input.json").write_text('{"not": "a crash"}')  # another tool's file
    bare = _pytest(tmp_path, "corpora")  # no ini file at all: the README's command
    assert bare.returncode == 0, bare.stdout + bare.stderr
    assert "1 passed" in bare.stdout
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = corpora\n")

    ok = _pytest(tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "PASSED corpora/demo-alive-flag.json::replay" in ok.stdout
    assert "1 passed" in ok.stdout

    doc = json.loads(saved.read_text())
    doc["expect"]["title"] = "WARNING in somewhere_else"
    saved.write_text(json.dumps(doc))
    bad = _pytest(tmp_path)
    assert bad.returncode == 1
    assert "expected 'WARNING in somewhere_else'" in bad.stdout
    assert "KASAN: slab-use-after-free Read in demo_read_unlocked" in bad.stdout


def test_the_plugin_follows_its_ini_option_and_command_line(tmp_path, capsys):
    mine = tmp_path / "regressions" / "sub"
    assert main(["verify", "demo-alive-flag", "--save", str(mine / "a.json")]) == 1
    capsys.readouterr()
    (tmp_path / "unrelated.json").write_text("{}")  # not in a corpus: never collected
    ini = "[pytest]\ntestpaths = regressions\npyfuzz_corpora = regressions\n"
    (tmp_path / "pytest.ini").write_text(ini)
    by_ini = _pytest(tmp_path)
    assert by_ini.returncode == 0, by_ini.stdout
    assert "1 passed" in by_ini.stdout

    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    by_option = _pytest(tmp_path, "--pyfuzz-corpus", "regressions", ".")
    assert by_option.returncode == 0, by_option.stdout
    assert "PASSED regressions/sub/a.json::replay" in by_option.stdout
    assert "1 passed" in by_option.stdout  # unrelated.json is outside every corpus


def test_the_repository_corpus_holds_every_buggy_seed_variant():
    from pyfuzz.scenarios import builtin_scenarios

    expected = {
        (name, variant)
        for name, (sc, _) in builtin_scenarios().items()
        for variant, expect in sc.expect.items()
        if expect.strip().lower() != "clean"
    }
    present = set()
    for path in (REPO / "corpora").rglob("*.json"):
        doc = json.loads(path.read_bytes())
        present.add((doc["scenario"]["name"], doc["scenario"]["variant"]))
    assert expected <= present, sorted(expected - present)
