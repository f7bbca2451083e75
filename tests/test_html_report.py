"""The HTML view of a crash record: structure, escaping, self-containment, and a headless render."""

from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pyfuzz.engine import load
from pyfuzz.findings import record_finding
from pyfuzz.report_html import render_html

HOSTILE = "<script>alert(1)</script>"


@cache
def _crash_dict() -> dict[str, Any]:
    """The crash record the pipeline writes for switchtec-cdev:v5 (verify, then minimize)."""
    loaded = load("switchtec-cdev:v5")
    res = loaded.program.verify(2)
    rec = record_finding(loaded, list(res.outcome.choices), origin={"command": "verify"})
    return rec.crash.to_dict()


@functools.cache
def _cached() -> dict[str, Any]:
    return _crash_dict()


def crash() -> dict[str, Any]:
    return copy.deepcopy(_cached())


def test_rows_fatal_and_header():
    c = crash()
    page = render_html(c, source_name="switchtec.crash.json")
    fatal = c["finding"]["step"]
    for s in c["steps"]:
        assert f'id="step-{s["step"]}"' in page
    row = re.search(r'<tr id="fatal"[^>]*data-step="(\d+)"', page)
    assert row and int(row.group(1)) == fatal
    assert page.count('id="fatal"') == 1
    assert 'href="#fatal"' in page and "scrollIntoView" in page
    assert "pyfuzz replay switchtec.crash.json" in page
    assert "switchtec-cdev:v5" in page
    assert "KASAN: slab-use-after-free Write in mrpc_event_work" in page
    assert "user" in page and "kworker/0:3" in page and "[blocks]" in page


def test_switch_preemption_locks_and_duplicate_thread_names():
    c = crash()
    c["steps"][40]["preemption"] = True
    c["steps"][40]["locks"] = ["pci_dev#16.dev.mutex", "irq_desc#42.lock"]
    for s in c["steps"]:
        if s["thread"] == "unbind":
            s["thread"] = "user"
    page = render_html(c)
    assert "⚡ preempted" in page and "pci_dev#16.dev.mutex" in page
    assert "user (tid 0)" in page and "user (tid 1)" in page
    n_switch = sum(1 for s in c["steps"] if s["switch"])
    assert len(re.findall(r'<tr id="[^"]+" class="step sw', page)) == n_switch


def test_quiescence_highlights_nothing():
    c = crash()
    c["finding"]["step"] = None
    page = render_html(c)
    assert 'id="fatal"' not in page
    assert "found at quiescence: nothing could run any more" in page


def test_hostile_text_is_escaped():
    c = crash()
    c["finding"]["title"] = HOSTILE
    c["steps"][3]["function"] = HOSTILE
    c["steps"][4]["object"] = HOSTILE + '"'
    c["report"] += "\n" + HOSTILE
    page = render_html(c, source_name=HOSTILE)
    assert "alert(1)</script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert page.count("<script>") == 1


def test_objects_table_links():
    c = crash()
    page = render_html(c)
    objs = page.split("<h2>Objects</h2>", 1)[1].split("<h2>Report</h2>", 1)[0]
    for obj in {s["object"] for s in c["steps"] if s["object"]}:
        assert f'data-obj="{obj}"' in objs
    # The switchtec_dev is freed by stdev_release and touched by the fatal step (first row);
    # its object number depends on how many objects boot allocated.
    free, stdev = next(
        (s["step"], s["object"])
        for s in c["steps"]
        if s["op"] == "kfree" and s["object"].startswith("switchtec_dev#")
    )
    assert f'freed at step <a href="#step-{free}">' in objs
    first_row = objs.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f"{stdev}.mrpc_mutex" in first_row and "fatal step" in first_row
    alloc = next(s["step"] for s in c["steps"] if s["op"] == "kzalloc switchtec_user")
    assert f'allocated at step <a href="#step-{alloc}">' in objs
    # frames of the report link to the matching steps
    report = page.split("<h2>Report</h2>", 1)[1]
    assert re.search(rf'<a href="#step-{free}"[^>]*> stdev_release\+0x', report)


def test_self_contained():
    page = render_html(crash())
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "src=" not in page and "@import" not in page
    assert "document.body.dataset.ready" in page and "window.onerror" in page


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless browser (install Debian's chromium: apt-get install chromium)")


def test_headless_browser_render(tmp_path: Path):
    browser = _browser()
    page = tmp_path / "crash.html"
    page.write_text(render_html(crash()), encoding="utf-8")
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000"]
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert 'data-ready="1"' in dom
    assert "data-errors" not in dom
    assert '<tr id="fatal"' in dom
    # No `#fatal` fragment: headless screenshots of a scrolled window come out blank; the
    # script centres the fatal row inside the lanes box instead.
    png = tmp_path / "page.png"
    subprocess.run(
        [*base, f"--screenshot={png}", "--window-size=1400,1000", page.as_uri()],
        capture_output=True,
        timeout=60,
        check=True,
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000, "blank screenshot (an empty page is ~6 KB)"
