"""The compiled-model cache replay uses: a hit gives the same program, any change to a model
file (or to pyfuzz's own files) is a miss, and the cache can be turned off."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pyfuzz import model_cache
from pyfuzz.cli import main
from pyfuzz.engine import open_model
from pyfuzz.replay import replay_crash

MODELS = Path(__file__).resolve().parent / "models"


def test_a_second_open_comes_from_the_cache_and_behaves_the_same():
    first = open_model("demo-alive-flag:unlocked-check")
    again = open_model("demo-alive-flag:unlocked-check")
    assert again.from_cache
    assert again.facts == first.facts
    verify = again.program.verify(2)
    assert verify.outcome is not None
    same = first.program.replay(list(verify.outcome.choices), trace=False)
    assert same.finding is not None
    assert same.finding.title == verify.outcome.finding.title


def test_an_edited_model_file_is_a_miss_and_replay_sees_the_change(tmp_path, capsys):
    model = tmp_path / "abba.py"
    shutil.copy(MODELS / "abba.py", model)
    crash = tmp_path / "abba.json"
    assert main(["verify", f"{model}:abba:buggy", "--preemptions", "1", "--save", str(crash)]) == 1
    capsys.readouterr()
    assert replay_crash(crash).verdict == "reproduced"
    assert replay_crash(crash).model.from_cache
    # A comment added: the cache misses (the file changed), the model hash does not (what the
    # model does is the same), so the trace still replays strictly.
    text = model.read_text()
    model.write_text("# edited\n" + text)
    res = replay_crash(crash)
    assert res.verdict == "reproduced" and not res.model.from_cache and not res.model_changed
    # What the model does changed, with the file's size and modification time kept: a miss,
    # and replay refuses the trace rather than serving a stale hit.
    edited = text.replace("pair.count += 1", "pair.count += 2")
    assert edited != text and len(edited) == len(text)
    model.write_text(edited)
    os.utime(model, ns=(1, 1))
    assert main(["replay", str(crash)]) == 2
    assert "changed since this trace was written" in capsys.readouterr().err


def test_the_cache_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("PYFUZZ_CACHE_DIR", "off")
    assert model_cache.cache_dir() is None
    assert not open_model("demo-alive-flag").from_cache
    assert not open_model("demo-alive-flag").from_cache
    monkeypatch.setenv("PYFUZZ_CACHE_DIR", str(tmp_path / "c"))
    open_model("demo-alive-flag")
    assert list((tmp_path / "c").glob("*.json"))
    # A damaged entry is a miss, not an error.
    for entry in (tmp_path / "c").glob("*.json"):
        entry.write_bytes(b"{broken")
    assert not open_model("demo-alive-flag").from_cache
