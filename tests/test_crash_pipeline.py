"""The crash pipeline end to end: `--save`, the crash.json format, `replay`, `minimize`,
`corpus check`, and what every command does with a damaged or foreign file."""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pyfuzz.cli import main
from pyfuzz.crashfile import SCHEMA_PATH, load_crash
from pyfuzz.engine import load
from pyfuzz.errors import EngineError
from pyfuzz.findings import crash_file_name
from pyfuzz.minimize import Minimizer

DEMO_TITLE = "KASAN: slab-use-after-free Read in demo_read_unlocked"
V4_TITLE = "kernel BUG in free_msi_irqs"
SRIOV_TITLE = "BUG: corrupted list in pci_destroy_dev"

# name -> (verify arguments, expected title)
SOURCES: dict[str, tuple[list[str], str]] = {
    "demo.json": (["demo-alive-flag"], DEMO_TITLE),
    "v4.json": (["switchtec-cdev:v4"], V4_TITLE),
    "sriov.json": (["sriov-rescan-lock:unlocked", "--preemptions", "2"], SRIOV_TITLE),
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`pyfuzz ARGV` in this process; an exception escaping `main` is a failed test (the
    console script would show a traceback)."""
    try:
        code = main([str(a) for a in argv])
    except Exception as exc:
        capsys.readouterr()
        pytest.fail(f"pyfuzz {' '.join(map(str, argv))} raised {exc!r} instead of exiting")
    out, err = capsys.readouterr()
    return code, out, err


def assert_usage_error(code: int, err: str) -> str:
    """Exit 2 with exactly one line on stderr starting `pyfuzz: error:`, no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}, stderr: {err!r}"
    assert len(lines) == 1, f"stderr is not one line: {err!r}"
    assert lines[0].startswith("pyfuzz: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def crash_dir(tmp_path_factory) -> Path:
    """demo.json, v4.json, sriov.json written by `pyfuzz verify --save` (once per module)."""
    d = tmp_path_factory.mktemp("crashes")
    for name, (args, _title) in SOURCES.items():
        assert main(["verify", *args, "--save", str(d / name)]) == 1
    return d


@pytest.fixture
def demo(crash_dir, tmp_path) -> Path:
    """A private copy of demo.json (tests edit it)."""
    return Path(shutil.copy(crash_dir / "demo.json", tmp_path / "demo.json"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def read_doc(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def write_doc(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def fatal_entry(doc: dict[str, Any]) -> dict[str, Any]:
    """The entry of `steps` that `finding.step` designates (`step` numbers start at 1)."""
    n = doc["finding"]["step"]
    assert isinstance(n, int) and 1 <= n <= len(doc["steps"])
    entry = doc["steps"][n - 1]
    assert entry["step"] == n
    return entry


# -- 1. verify --save writes a valid, sorted, round-tripping file ---------------------------


def test_verify_save_writes_one_file_atomically(capsys, tmp_path):
    target = tmp_path / "out" / "demo.json"
    code, out, err = run_cli(capsys, "verify", "demo-alive-flag", "--save", target)
    assert code == 1
    assert err == ""
    assert f"reproducer written to {target}" in out
    assert target.is_file()
    # Atomic write: no temporary file left behind next to it.
    assert [p.name for p in target.parent.iterdir()] == ["demo.json"]
    assert read_doc(target)["finding"]["title"] == DEMO_TITLE


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_saved_file_validates_and_round_trips(crash_dir, validator, name):
    path = crash_dir / name
    doc = read_doc(path)
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors]
    assert load_crash(path).to_dict() == doc
    assert doc["format"] == "pyfuzz-crash" and doc["version"] == 1
    assert doc["finding"]["title"] == SOURCES[name][1]
    assert doc["expect"]["title"] == doc["finding"]["title"]
    assert doc["stats"]["choices"] == len(doc["choices"])
    assert doc["scenario"]["builtin"] is True
    assert doc["origin"]["command"] == "verify"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_saved_file_has_sorted_keys_everywhere(crash_dir, name):
    unsorted: list[list[str]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if keys != sorted(keys):
            unsorted.append(keys)
        return dict(pairs)

    json.loads((crash_dir / name).read_text(), object_pairs_hook=hook)
    assert unsorted == []


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_finding_step_designates_the_fatal_operation(crash_dir, name):
    doc = read_doc(crash_dir / name)
    fatal = fatal_entry(doc)
    finding = doc["finding"]
    assert fatal["tid"] == finding["tid"]
    assert fatal["thread"] == finding["thread"]
    # The title names the fatal function (a library version's suffix dropped: pci_destroy_dev
    # for pci_destroy_dev_2020).
    named = finding["title"].rsplit(" in ", 1)[1]
    assert fatal["function"] == named or fatal["function"].startswith(f"{named}_")
    head = "\n".join(doc["report"].splitlines()[:12])
    assert fatal["function"] in head
    # The steps are numbered 1.. in order; every scheduling decision a step names picked
    # that step's thread.
    assert [s["step"] for s in doc["steps"]] == list(range(1, len(doc["steps"]) + 1))
    for s in doc["steps"]:
        # Decisions past the end of the stored list are the defaults replay takes.
        if s["choice"] is not None and s["choice"] < len(doc["choices"]):
            assert doc["choices"][s["choice"]] == s["tid"]


def test_saved_choices_are_the_minimized_canonical_form(capsys, tmp_path):
    """The `minimized: ... -> ... N choices` line describes the file that was written."""
    target = tmp_path / "demo.json"
    code, out, _ = run_cli(capsys, "verify", "demo-alive-flag", "--save", target)
    assert code == 1
    m = re.search(r"^minimized: .* -> (\d+) steps, (\d+) context switches, (\d+) preemptions, "
                  r"(\d+) choices$", out, re.M)  # fmt: skip
    assert m, out
    steps, switches, preemptions, nchoices = map(int, m.groups())
    doc = read_doc(target)
    assert (doc["stats"]["steps"], doc["stats"]["context_switches"]) == (steps, switches)
    assert doc["stats"]["preemptions"] == preemptions
    assert len(doc["choices"]) == nchoices


# -- 2. replay -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_replay_prints_report_swimlane_and_verdict(capsys, crash_dir, name):
    doc = read_doc(crash_dir / name)
    title = doc["finding"]["title"]
    code, out, err = run_cli(capsys, "replay", crash_dir / name)
    assert code == 1
    assert err == ""
    first = next(line for line in doc["report"].splitlines() if line.strip("= "))
    assert first in out
    assert out.index(first) < out.index("Interleaving (")
    fatal_rows = [line for line in out.splitlines() if line.startswith(">>")]
    assert len(fatal_rows) == 1
    n = doc["finding"]["step"]
    assert re.match(rf">>\s+{n} ", fatal_rows[0])
    assert fatal_rows[0].endswith(f"<== {title}")
    assert fatal_entry(doc)["function"] in fatal_rows[0]
    assert f"reproduced: {title}" in out


def test_replay_json_fields(capsys, crash_dir):
    code, out, _ = run_cli(capsys, "replay", crash_dir / "v4.json", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "reproduced"
    assert data["title"] == data["expected_title"] == V4_TITLE
    assert data["lenient"] is False and data["model_changed"] is False
    assert data["variant"] == "v4"
    assert data["trace"] == read_doc(crash_dir / "v4.json")["steps"]


@pytest.mark.parametrize("name", ["demo.json", "sriov.json"])
def test_replay_in_a_fresh_process_elsewhere(crash_dir, tmp_path, name):
    repo = Path(__file__).resolve().parent.parent
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(crash_dir / name, elsewhere / name)
    assert elsewhere.resolve() != repo and repo not in elsewhere.resolve().parents
    proc = subprocess.run(
        [sys.executable, "-m", "pyfuzz", "replay", name, "--json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verdict"] == "reproduced"
    assert data["title"] == SOURCES[name][1]
    assert data["signature"] == read_doc(crash_dir / name)["finding"]["signature"]


# -- 3. clean variants -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "variant"),
    [("demo.json", "locked-check"), ("v4.json", "irq-quiesce"), ("v4.json", "tpm-fence")],
)
def test_replay_against_a_clean_variant_exits_0(capsys, crash_dir, name, variant):
    doc = read_doc(crash_dir / name)
    assert variant in doc["expect"]["clean_variants"]
    code, out, _ = run_cli(capsys, "replay", crash_dir / name, "--variant", variant)
    assert code == 0
    assert f":{variant}: no finding" in out
    code, out, _ = run_cli(capsys, "replay", crash_dir / name, "--variant", variant, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "clean" and data["title"] is None and data["variant"] == variant


def test_replay_against_its_own_variant_reproduces(capsys, crash_dir):
    code, _, _ = run_cli(capsys, "replay", crash_dir / "demo.json", "--variant", "unlocked-check")
    assert code == 1


def test_replay_against_an_unknown_variant_is_a_usage_error(capsys, crash_dir):
    code, _, err = run_cli(capsys, "replay", crash_dir / "demo.json", "--variant", "nope")
    assert "nope" in assert_usage_error(code, err)


# -- 4. damaged traces -----------------------------------------------------------------------


def _cuts(data: bytes) -> dict[str, int]:
    mid_string = data.index(b'"KASAN') + 6
    return {
        "one-byte": 1,
        "ten-bytes": 10,
        "third": len(data) // 3,
        "half": len(data) // 2,
        "mid-string": mid_string,
        "last-brace": len(data) - 2,
    }


@pytest.mark.parametrize("cut", ["one-byte", "ten-bytes", "third", "half", "mid-string",
                                 "last-brace"])  # fmt: skip
def test_truncated_file(capsys, demo, cut):
    data = demo.read_bytes()
    demo.write_bytes(data[: _cuts(data)[cut]])
    code, _, err = run_cli(capsys, "replay", demo)
    line = assert_usage_error(code, err)
    assert str(demo) in line and "truncated" in line


def _set(path: str, value: object):
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        obj = doc
        for p in parents:
            obj = obj[p]
        obj[last] = value

    return edit


def _drop(path: str):
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        obj = doc
        for p in parents:
            obj = obj[p]
        del obj[last]

    return edit


def _set_choice(value: object):
    def edit(doc: dict[str, Any]) -> None:
        doc["choices"][3] = value

    return edit


# (id, edit, a word the message must contain)
EDITS = [
    ("format", _set("format", "syzkaller"), "format"),
    ("version-2", _set("version", 2), "version"),
    ("version-string", _set("version", "1"), "version"),
    ("no-choices", _drop("choices"), "choices"),
    ("choices-not-list", _set("choices", "1,0,0"), "choices"),
    ("choice-negative", _set_choice(-1), "choices"),
    ("choice-string", _set_choice("1"), "choices"),
    ("choice-2**40", _set_choice(2**40), "choices"),
    ("choice-bool", _set_choice(True), "choices"),
    ("choice-float", _set_choice(1.5), "choices"),
    ("kind-unknown", _set("finding.kind", "use-after-lunch"), "kind"),
    ("no-finding", _drop("finding"), "finding"),
    ("title-int", _set("finding.title", 5), "title"),
    ("scenario-unknown", _set("scenario.source", "no-such-scenario"), "no-such-scenario"),
    ("variant-unknown", _set("scenario.variant", "no-such-variant"), "no-such-variant"),
    ("steps-not-objects", _set("steps", [1, 2]), "steps"),
    ("report-null", _set("report", None), "report"),
]


@pytest.mark.parametrize(("edit", "word"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_edited_field_is_refused(capsys, demo, edit, word):
    doc = read_doc(demo)
    edit(doc)
    write_doc(demo, doc)
    code, _, err = run_cli(capsys, "replay", demo)
    line = assert_usage_error(code, err)
    assert str(demo) in line
    assert word in line


def test_version_true_is_refused(capsys, demo):
    """`true == 1` in Python, but the format says any version other than 1 is refused."""
    doc = read_doc(demo)
    doc["version"] = True
    write_doc(demo, doc)
    code, _, err = run_cli(capsys, "replay", demo)
    assert "version" in assert_usage_error(code, err)


def test_unknown_scenario_name_is_refused(capsys, demo):
    """`scenario.name` names the scenario; a file naming one that does not exist (or one
    that is not the scenario `source` resolves to) is not replayed as if nothing were wrong."""
    doc = read_doc(demo)
    doc["scenario"]["name"] = "no-such-scenario"
    write_doc(demo, doc)
    code, _, err = run_cli(capsys, "replay", demo)
    assert "no-such-scenario" in assert_usage_error(code, err)


@pytest.mark.parametrize(
    "edit",
    [_set("finding.step", "x"), _drop("finding.step"), _set("finding.tid", "x")],
    ids=["step-string", "step-missing", "tid-string"],
)
@pytest.mark.parametrize("variant", [None, "locked-check"])
def test_finding_step_and_tid_are_checked(capsys, demo, tmp_path, edit, variant):
    """The schema requires `finding.step` (integer or null) and `finding.tid` (integer); the
    loader must refuse a file that breaks that rather than hand it to the HTML renderer."""
    doc = read_doc(demo)
    edit(doc)
    write_doc(demo, doc)
    extra = ["--variant", variant] if variant else []
    code, _, err = run_cli(capsys, "replay", demo, "--html", tmp_path / "page.html", *extra)
    assert "finding." in assert_usage_error(code, err)


def test_invalid_json(capsys, demo):
    demo.write_text('{"format": "pyfuzz-crash", "version": 1,, }')
    code, _, err = run_cli(capsys, "replay", demo)
    assert "invalid JSON" in assert_usage_error(code, err)


def test_top_level_list(capsys, demo):
    write_doc(demo, [read_doc(demo)])
    code, _, err = run_cli(capsys, "replay", demo)
    assert "not a JSON object" in assert_usage_error(code, err)


def test_empty_file(capsys, demo):
    demo.write_bytes(b"")
    code, _, err = run_cli(capsys, "replay", demo)
    assert str(demo) in assert_usage_error(code, err)


def test_directory_instead_of_file(capsys, tmp_path):
    (tmp_path / "dir.json").mkdir()
    code, _, err = run_cli(capsys, "replay", tmp_path / "dir.json")
    assert "dir.json" in assert_usage_error(code, err)


def test_missing_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "replay", tmp_path / "missing.json")
    assert "missing.json" in assert_usage_error(code, err)


def test_random_bytes(capsys, tmp_path):
    rng = random.Random(0)
    path = tmp_path / "random.json"
    for _ in range(20):
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
        code, _, err = run_cli(capsys, "replay", path)
        assert_usage_error(code, err)


def test_random_byte_edits_never_give_a_traceback(capsys, demo):
    """Printable bytes overwritten in a good file: the result is refused in one line, or
    (if it is still a valid file) replayed; never an exception."""
    rng = random.Random(0)
    good = demo.read_bytes()
    codes = set()
    for _ in range(60):
        data = bytearray(good)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(32, 127)
        demo.write_bytes(bytes(data))
        code, _, err = run_cli(capsys, "replay", demo)
        assert code in (0, 1, 2)
        if code == 2:
            assert_usage_error(code, err)
        else:
            assert "Traceback" not in err
        codes.add(code)
    assert 2 in codes


def test_random_field_edits_never_give_a_traceback(capsys, demo, tmp_path):
    """Random values put in random fields (or fields removed), replayed with --html."""
    rng = random.Random(0)
    good = read_doc(demo)
    paths: list[tuple[Any, ...]] = []

    def walk(obj: object, at: tuple[Any, ...]) -> None:
        if at:
            paths.append(at)
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, (*at, k))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, (*at, i))

    walk(good, ())
    values = [None, True, False, 0, -1, 63, 2**31, 1.5, "", "x", [], {}, [1], {"a": 1}]
    for _ in range(80):
        doc = copy.deepcopy(good)
        at = rng.choice(paths)
        parent = doc
        for key in at[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and rng.random() < 0.2:
            del parent[at[-1]]
        else:
            parent[at[-1]] = rng.choice(values)
        write_doc(demo, doc)
        code, _, err = run_cli(capsys, "replay", demo, "--html", tmp_path / "page.html")
        assert code in (0, 1, 2), at
        if code == 2:
            assert_usage_error(code, err)


def test_edited_model_hash(capsys, demo):
    doc = read_doc(demo)
    doc["scenario"]["model_hash"] = "0" * 64
    write_doc(demo, doc)
    code, _, err = run_cli(capsys, "replay", demo)
    line = assert_usage_error(code, err)
    assert "model" in line and "changed" in line and "--lenient" in line
    code, out, err = run_cli(capsys, "replay", demo, "--lenient")
    assert code == 1
    assert "Traceback" not in err and "changed" in err
    assert f"reproduced: {DEMO_TITLE}" in out
    code, out, _ = run_cli(capsys, "replay", demo, "--lenient", "--json")
    data = json.loads(out)
    assert data["model_changed"] is True and data["lenient"] is True


def _schedule_index(doc: dict[str, Any]) -> int:
    """The index in `choices` of a scheduling decision (not a workload choice)."""
    return next(s["choice"] for s in doc["steps"] if s["choice"] is not None and s["switch"])


def test_thread_id_63_in_the_schedule_does_not_apply(capsys, demo):
    doc = read_doc(demo)
    doc["choices"][_schedule_index(doc)] = 63
    write_doc(demo, doc)
    code, _, err = run_cli(capsys, "replay", demo)
    line = assert_usage_error(code, err)
    assert "do not apply" in line and "--lenient" in line
    # Leniently, the decision falls back to the default and the run completes.
    code, _, err = run_cli(capsys, "replay", demo, "--lenient")
    assert code in (0, 1) and "Traceback" not in err


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c[::-1],
        lambda c: c[1:],
        lambda c: c[:-3],
        lambda c: c + [1, 0, 1, 0],
        lambda c: [0] * len(c),
        lambda c: [1] * len(c),
        lambda c: [],
        lambda c: [7, *c],
    ],
    ids=["reversed", "drop-first", "drop-last-3", "extra", "zeros", "ones", "empty", "prefix-7"],
)
def test_edited_choices_replay_or_are_refused(capsys, demo, edit):
    doc = read_doc(demo)
    doc["choices"] = edit(doc["choices"])
    write_doc(demo, doc)
    code, out, err = run_cli(capsys, "replay", demo)
    assert code in (0, 1, 2)
    if code == 2:
        assert "do not apply" in assert_usage_error(code, err)
    else:
        assert "Traceback" not in err
        assert ("reproduced" in out or "finding" in out) and err == ""


def test_minimize_on_a_damaged_file(capsys, demo, tmp_path):
    demo.write_bytes(demo.read_bytes()[:200])
    out_path = tmp_path / "min.json"
    code, _, err = run_cli(capsys, "minimize", demo, "-o", out_path)
    assert str(demo) in assert_usage_error(code, err)
    assert not out_path.exists()


def test_minimize_on_a_missing_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "minimize", tmp_path / "nope.json", "-o", tmp_path / "o.json")
    assert_usage_error(code, err)


def test_corpus_check_on_a_damaged_file_or_a_file(capsys, demo, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.json").write_bytes(demo.read_bytes()[:300])
    code, out, err = run_cli(capsys, "corpus", "check", corpus)
    assert code == 2 and "Traceback" not in err
    assert re.search(r"^bad\.json\s+ERROR\b", out, re.M), out
    code, _, err = run_cli(capsys, "corpus", "check", demo)  # a file, not a directory
    assert_usage_error(code, err)
    code, _, err = run_cli(capsys, "corpus", "check", tmp_path / "nothing-here")
    assert_usage_error(code, err)


@pytest.mark.parametrize("command", ["minimize", "verify", "replay-html"])
def test_output_path_that_is_a_directory(capsys, demo, tmp_path, command):
    """An output file that cannot be written is unusable input (exit 2, one line), not a
    traceback."""
    target = tmp_path / "taken"
    target.mkdir()
    argv = {
        "minimize": ["minimize", demo, "-o", target],
        "verify": ["verify", "demo-alive-flag", "--save", target],
        "replay-html": ["replay", demo, "--html", target],
    }[command]
    code, _, err = run_cli(capsys, *argv)
    assert_usage_error(code, err)


# -- 5. the minimizer ------------------------------------------------------------------------


MINIMIZE_CASES = [
    ("sriov-rescan-lock:unlocked", "random", 3),
    ("demo-alive-flag", "random", 3),
    ("switchtec-cdev:v5", "pct", 13),  # a raw run with switches to spare (8)
]


@pytest.fixture(scope="module")
def minimized() -> dict[str, tuple[Any, str, list[int], Any]]:
    """spec -> (program, title, raw choices, MinimizeResult)."""
    done = {}
    for spec, strategy, seed in MINIMIZE_CASES:
        program = load(spec).program
        raw = program.run_batch(strategy, 100000, seed=seed).outcome
        assert raw is not None and raw.finding is not None
        title = raw.finding.title
        result = Minimizer(program, title).minimize(list(raw.choices))
        done[spec] = (program, title, list(raw.choices), result)
    return done


@pytest.mark.parametrize("spec", [c[0] for c in MINIMIZE_CASES])
def test_minimizer_shrinks_and_keeps_the_title(minimized, spec):
    program, title, raw, result = minimized[spec]
    assert result.outcome.finding is not None and result.outcome.finding.title == title
    bound = program.verify(2, target=title)
    assert bound.outcome is not None
    assert result.after.preemptions <= bound.outcome.preemptions
    assert result.after.context_switches < result.before.context_switches
    assert result.after.key() < result.before.key()
    assert result.before.choices == len(raw)
    replayed = program.replay(list(result.choices), trace=True, strict=True)
    assert replayed.status == "finding"
    assert replayed.finding is not None and replayed.finding.title == title
    assert replayed.preemptions == result.after.preemptions
    assert replayed.context_switches == result.after.context_switches
    assert replayed.steps == result.after.steps


def test_minimizer_matches_verify_without_target(minimized):
    """On these two, plain bounded search finds the same title, so its count is the bound."""
    for spec in ("sriov-rescan-lock:unlocked", "demo-alive-flag"):
        program, title, _, result = minimized[spec]
        bound = program.verify(2).outcome
        assert bound is not None and bound.finding.title == title
        assert result.after.preemptions <= bound.preemptions
        assert result.minimal_preemptions == result.after.preemptions


@pytest.mark.parametrize("spec", ["demo-alive-flag", "switchtec-cdev:v5"])
def test_minimizing_a_minimal_trace_does_not_grow_it(minimized, spec):
    program, title, _, first = minimized[spec]
    again = Minimizer(program, title).minimize(list(first.choices))
    assert again.after.key() <= first.after.key()
    assert len(again.choices) <= len(first.choices)
    assert again.outcome.finding.title == title


def test_minimizer_refuses_choices_that_do_not_reproduce():
    program = load("demo-alive-flag").program
    with pytest.raises(EngineError, match="do not reproduce"):
        Minimizer(program, DEMO_TITLE).minimize([0])
    # The buggy trace against the fixed variant shows no finding either.
    buggy = load("demo-alive-flag:unlocked-check").program.verify(2).outcome
    fixed = load("demo-alive-flag:locked-check").program
    with pytest.raises(EngineError):
        Minimizer(fixed, DEMO_TITLE).minimize(list(buggy.choices))
    with pytest.raises(EngineError):
        Minimizer(program, "some other title").minimize(list(buggy.choices))


# -- 6. pyfuzz minimize ----------------------------------------------------------------------


def test_minimize_command_writes_a_valid_reproducer(capsys, crash_dir, tmp_path, validator):
    out_path = tmp_path / "sub" / "min.json"
    code, out, err = run_cli(capsys, "minimize", crash_dir / "sriov.json", "-o", out_path)
    assert code == 1 and err == ""
    before = re.search(r"^\s*before: (\d+) steps, (\d+) context switches, (\d+) preemptions",
                       out, re.M)  # fmt: skip
    after = re.search(r"^\s*after:\s+(\d+) steps, (\d+) context switches, (\d+) preemptions",
                      out, re.M)  # fmt: skip
    assert before and after, out
    doc = read_doc(out_path)
    assert not list(validator.iter_errors(doc))
    assert doc["finding"]["title"] == SRIOV_TITLE
    assert doc["expect"] == read_doc(crash_dir / "sriov.json")["expect"]
    steps, switches, preemptions = map(int, after.groups())
    assert doc["stats"]["steps"] == steps
    assert doc["stats"]["context_switches"] == switches
    assert doc["stats"]["preemptions"] == preemptions
    assert preemptions <= int(before.group(3))
    code, out, _ = run_cli(capsys, "replay", out_path, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "reproduced" and data["title"] == SRIOV_TITLE


def test_minimize_command_after_line_describes_the_file(capsys, crash_dir, tmp_path):
    out_path = tmp_path / "min.json"
    code, out, _ = run_cli(capsys, "minimize", crash_dir / "demo.json", "-o", out_path)
    assert code == 1
    after = re.search(r"^\s*after:.*, (\d+) choices$", out, re.M)
    assert after, out
    assert len(read_doc(out_path)["choices"]) == int(after.group(1))


# -- 7. pyfuzz corpus check ------------------------------------------------------------------


@pytest.fixture
def corpus(crash_dir, tmp_path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(crash_dir / "demo.json", root / "demo.json")
    shutil.copy(crash_dir / "v4.json", root / "v4.json")
    return root


def test_corpus_check_passes(capsys, corpus):
    code, out, err = run_cli(capsys, "corpus", "check", corpus)
    assert code == 0 and err == ""
    assert re.search(r"^file\s+result\s+ms\s+expectation$", out, re.M), out
    assert re.search(r"^demo\.json\s+ok\s", out, re.M)
    assert re.search(r"^v4\.json\s+ok\s.*clean: irq-quiesce, tpm-fence", out, re.M)
    assert "2 passed, 0 failed" in out


def test_corpus_check_fails_on_a_wrong_title(capsys, corpus):
    doc = read_doc(corpus / "v4.json")
    doc["expect"]["title"] = "WARNING in somewhere_else"
    write_doc(corpus / "v4.json", doc)
    code, out, _ = run_cli(capsys, "corpus", "check", corpus)
    assert code == 1
    assert re.search(r"^v4\.json\s+FAIL\s", out, re.M), out
    assert re.search(r"^demo\.json\s+ok\s", out, re.M)
    assert V4_TITLE in out and "1 passed, 1 failed" in out


def test_corpus_check_fails_when_a_clean_variant_shows_a_finding(capsys, corpus):
    doc = read_doc(corpus / "demo.json")
    doc["expect"]["clean_variants"] = ["locked-check", "unlocked-check"]
    write_doc(corpus / "demo.json", doc)
    code, out, _ = run_cli(capsys, "corpus", "check", corpus)
    assert code == 1
    assert re.search(r"^demo\.json\s+FAIL\s", out, re.M), out
    assert "unlocked-check should stay clean" in out


def test_corpus_check_errors_on_a_damaged_file(capsys, corpus):
    sub = corpus / "nested"
    sub.mkdir()
    (sub / "broken.json").write_text('{"format": "pyfuzz-crash"')
    code, out, err = run_cli(capsys, "corpus", "check", corpus)
    assert code == 2 and "Traceback" not in err
    assert re.search(r"^nested/broken\.json\s+ERROR\s", out, re.M), out
    assert re.search(r"^demo\.json\s+ok\s", out, re.M)


# -- 8. file names ---------------------------------------------------------------------------


def test_crash_file_name():
    title = "KASAN: slab-use-after-free Read in foo"
    name = crash_file_name(title)
    assert name.endswith(".json")
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.json", name), name
    assert name == crash_file_name(title)
    assert name == crash_file_name(str(title))
    assert name != crash_file_name("KASAN: slab-use-after-free Read in bar")
    for hostile in ("../../etc/passwd", "a/b\\c\0d", "", "   ", "é" * 10, "x" * 500, ".hidden"):
        other = crash_file_name(hostile)
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.json", other), (hostile, other)
        assert len(other) <= 85


# -- 9. --html -------------------------------------------------------------------------------


def test_replay_html(capsys, crash_dir, tmp_path):
    page_path = tmp_path / "page.html"
    code, out, _ = run_cli(capsys, "replay", crash_dir / "demo.json", "--html", page_path)
    assert code == 1
    assert f"HTML timeline written to {page_path}" in out
    page = page_path.read_text()
    assert page.count('id="fatal"') == 1
    row = re.search(r'<tr id="fatal"[^>]*data-step="(\d+)"', page)
    assert row and int(row.group(1)) == read_doc(crash_dir / "demo.json")["finding"]["step"]
    assert "demo_read_unlocked" in page
