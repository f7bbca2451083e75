"""The primitive table (`_core.PRIMITIVES`, from rust/prims/table.rs) against everything that
depends on it: the Python stubs, docs/ir.md, and the family test models in tests/models/prims/,
which between them must execute every primitive and assert what each one does."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from pyfuzz import _core
from pyfuzz.engine import load
from pyfuzz.model import prims
from pyfuzz.model.loader import load_model_file

ROOT = Path(__file__).resolve().parent.parent
FAMILY_MODELS = ROOT / "tests" / "models" / "prims"
TABLE = {name: (arity, reach, family, doc) for name, arity, reach, family, doc in _core.PRIMITIVES}
FAMILIES = sorted({family for _, _, family, _ in TABLE.values()})


def family_scenarios() -> list[tuple[str, str, str, str]]:
    """(family, scenario, variant, expectation) for every scenario of the family models."""
    out = []
    for path in sorted(FAMILY_MODELS.glob("*.py")):
        for sc in load_model_file(str(path)):
            for variant in sc.variant_names():
                out.append((path.stem, sc.name, variant, sc.expect[variant]))
    return out


SCENARIOS = family_scenarios()


def spec(family: str, scenario: str, variant: str) -> str:
    return f"{FAMILY_MODELS / family}.py:{scenario}" + (f":{variant}" if variant else "")


def test_table_is_consistent():
    assert len(TABLE) == len(_core.PRIMITIVES) == 100
    assert {reach for _, reach, _, _ in TABLE.values()} == {"local", "args", "global"}
    assert all(doc and "|" not in doc and "\n" not in doc for *_, doc in TABLE.values())


def test_python_stubs_are_the_table():
    assert prims.PRIMITIVE_ARITY == {name: entry[0] for name, entry in TABLE.items()}
    for name, (arity, reach, family, doc) in TABLE.items():
        stub = prims.PRIMITIVES[name]
        assert (stub.name, stub.arity, stub.reach, stub.family, stub.doc) == (
            name,
            arity,
            reach,
            family,
            doc,
        )
    assert not set(prims.PRIMITIVES) & set(prims.SUGAR)


def documented_primitives() -> dict[str, tuple[int, str, str, str]]:
    """Parses the per-family tables of docs/ir.md's primitive section."""
    text = (ROOT / "docs" / "ir.md").read_text()
    section = text[text.index("### Primitives") : text.index("## Threads")]
    rows: dict[str, tuple[int, str, str, str]] = {}
    family = ""
    for line in section.splitlines():
        heading = re.match(r"#### .*\(`(\w+)`\)$", line)
        if heading:
            family = heading.group(1)
            continue
        row = re.match(r"\| `([^`]+)` \| ([^|]*) \| (\w+) \| (.*) \|$", line)
        if row:
            name, args, reach, doc = row.groups()
            assert name not in rows, f"{name} documented twice"
            arity = len([a for a in args.split(",") if a.strip()])
            rows[name] = (arity, reach, family, doc)
    return rows


def test_every_primitive_is_documented():
    documented = documented_primitives()
    assert sorted(set(TABLE) - set(documented)) == [], "missing from docs/ir.md"
    assert sorted(set(documented) - set(TABLE)) == [], "documented but not in the table"
    for name, entry in TABLE.items():
        assert documented[name] == entry, name


def test_every_family_has_a_model():
    assert sorted(p.stem for p in FAMILY_MODELS.glob("*.py")) == FAMILIES


@pytest.mark.parametrize(
    ("family", "scenario", "variant", "expect"),
    SCENARIOS,
    ids=[f"{f}:{s}:{v}" if v else f"{f}:{s}" for f, s, v, _ in SCENARIOS],
)
def test_family_model_behaves_as_expected(family, scenario, variant, expect):
    result = load(spec(family, scenario, variant)).program.verify(2)
    if expect == "clean":
        assert result.outcome is None, result.outcome.finding.report
        assert result.complete and result.step_limits == 0
    elif expect.startswith("pyfuzz: model error"):
        # A model error is a run status (with file and line), not a finding.
        assert result.outcome is None and result.model_error is not None
        assert result.model_error.model_error["line"] > 0
    else:
        assert result.outcome is not None, "no finding"
        assert result.outcome.finding.title.startswith(expect), result.outcome.finding.title


def executed_by_family_models() -> dict[str, set[str]]:
    """family -> the primitives its model's scenarios run in their default schedule."""
    ran: dict[str, set[str]] = defaultdict(set)
    for family, scenario, variant, _ in SCENARIOS:
        outcome = load(spec(family, scenario, variant)).program.run_bytes(b"", trace=True)
        assert outcome.primitives is not None
        ran[family] |= set(outcome.primitives)
    return ran


def test_every_primitive_is_executed_by_its_family_model():
    ran = executed_by_family_models()
    for family in FAMILIES:
        own = {name for name, (_, _, fam, _) in TABLE.items() if fam == family}
        assert sorted(own - ran[family]) == [], f"tests/models/prims/{family}.py never runs these"


def test_untraced_runs_do_not_record_primitives(load_model):
    program = load(spec("alloc", "kfree-container-of", "")).program
    assert program.run_bytes(b"").primitives is None
    traced = program.run_bytes(b"", trace=True).primitives
    assert traced == ["kfree", "container_of"]
    assert program.replay(program.run_bytes(b"").choices).primitives == traced
