"""Mutated model files for tests/test_model_checks.py: small models, each broken in one way.

`mutants()` takes the small models of tests/models listed in `BASES` and applies mutations that
make a model unusable: a misspelled field on an expression of known struct type, a variant that
maps a function to something else, `report(3)`, `sys.exit()` or an exception while importing, a
struct with too many fields, an actor list that is not a list, an unknown context, a Global of
a non-struct, an unknown config key. Each `Mutant` carries its source, the line its error must
name and a text the message must contain. Positions come from the models' syntax trees, and
the functions and structs mutated are the ones the unmutated model compiles (from its IR).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyfuzz.model.compiler import compile_scenario
from pyfuzz.model.loader import load_model_file

MODELS = Path(__file__).resolve().parent / "models"
BASES = [
    "abba",
    "contended",
    "compiler_basic",
    "compiler_variants",
    "compiler_types",
    "checks_typed",
]
TOO_MANY_FIELDS = 4097


@dataclass(frozen=True)
class Mutant:
    """One broken model file."""

    name: str  # file stem
    source: str
    line: int | None  # the line the error names (None: the message is about the file)
    needle: str  # text the message contains
    single: bool  # the file declares one scenario (`pyfuzz verify FILE` selects it)


@dataclass
class _Base:
    name: str
    text: str
    tree: ast.Module
    compiled_functions: set[int]  # def lines of the functions the default variants compile
    compiled_structs: set[int]  # class lines of the structs they use
    scenarios: int


def _base(name: str) -> _Base:
    path = MODELS / f"{name}.py"
    functions: set[int] = set()
    structs: set[int] = set()
    scenarios = load_model_file(str(path))
    for scenario in scenarios:
        ir = compile_scenario(scenario).ir
        mine = {i for i, f in enumerate(ir["files"]) if f.endswith(f"models/{name}.py")}
        functions |= {f["line"] for f in ir["functions"] if f["file"] in mine}
        structs |= {s["line"] for s in ir["structs"] if s["file"] in mine}
    text = path.read_text()
    return _Base(name, text, ast.parse(text), functions, structs, len(scenarios))


# -- text surgery ---------------------------------------------------------------------------


def _offset(text: str, line: int, col: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(part) for part in lines[: line - 1]) + col


def _splice(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    return text[: _offset(text, *start)] + new + text[_offset(text, *end) :]


def _replace(text: str, node: ast.AST, new: str) -> str:
    start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return _splice(text, start, end, new)


def _insert_after(text: str, node: ast.AST, new: str) -> str:
    end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return _splice(text, end, end, new)


def _insert_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines[: line - 1], new + "\n", *lines[line - 1 :]])


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]
    return sorted(found, key=lambda node: (node.lineno, node.col_offset))


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((kw for kw in call.keywords if kw.arg == name), None)


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def _functions(base: _Base) -> list[ast.FunctionDef]:
    return [
        n
        for n in base.tree.body
        if isinstance(n, ast.FunctionDef) and n.lineno in base.compiled_functions
    ]


# -- mutations ------------------------------------------------------------------------------


def _globals(tree: ast.Module) -> set[str]:
    names = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            if isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "Global":
                names |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return names


def _field_names(tree: ast.Module) -> set[str]:
    return {
        item.target.id
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for item in cls.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    }


def _misspellings(name: str, taken: set[str]) -> list[str]:
    options = [name[:-1] if len(name) > 2 else name + "q"]
    if len(name) > 2:
        options.append(name[0] + name[2] + name[1] + name[3:])
    return [o for o in dict.fromkeys(options) if o != name and o not in taken]


def _field_mutants(base: _Base) -> Iterator[tuple[str, int, str]]:
    """Misspell each field access whose base has a known struct type."""
    everything_typed = base.name == "checks_typed"
    typed_globals = _globals(base.tree)
    taken = _field_names(base.tree)
    for func in _functions(base):
        for node in (node for stmt in func.body for node in ast.walk(stmt)):
            if isinstance(node, ast.Attribute) and (
                everything_typed
                or (isinstance(node.value, ast.Name) and node.value.id in typed_globals)
            ):
                for wrong in _misspellings(node.attr, taken):
                    end = (node.end_lineno, node.end_col_offset)
                    start = (node.end_lineno, node.end_col_offset - len(node.attr))
                    yield _splice(base.text, start, end, wrong), node.lineno, "has no field"  # type: ignore[arg-type]
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and everything_typed:
                for wrong in _misspellings(node.value, taken):
                    yield _replace(base.text, node, repr(wrong)), node.lineno, "has no field"


def _report_mutants(base: _Base) -> Iterator[tuple[str, int, str]]:
    for func in _functions(base):
        first = func.body[0]
        indent = " " * first.col_offset
        for call in ("report(3)", "WARN(1, 3)", "report(None)"):
            source = _insert_line(base.text, first.lineno, indent + call)
            yield source, first.lineno, "must be a string constant"


IMPORT_FAILURES = [
    ("raise SystemExit(1)", "sys.exit(1)"),
    ("__import__('sys').exit()", "sys.exit()"),
    ("raise ValueError('boom')", "ValueError: boom"),
    ("raise RuntimeError(object())", "RuntimeError"),
    ("1 // 0", "ZeroDivisionError"),
    ("raise GeneratorExit()", "GeneratorExit"),
]


def _import_mutants(base: _Base) -> Iterator[tuple[str, int, str]]:
    """A statement that exits or raises, before some of the module-level statements."""
    statements = [
        s
        for s in base.tree.body
        if not isinstance(s, ast.Import | ast.ImportFrom)
        and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    positions = [statements[0], statements[len(statements) // 2], statements[-1]]
    for i, stmt in enumerate(dict.fromkeys(positions)):
        line = _first_line(stmt)
        for j, (statement, needle) in enumerate(IMPORT_FAILURES):
            if (i + j) % 2 == 0:  # half of the pairs keep the test fast
                yield _insert_line(base.text, line, statement), line, needle


def _struct_mutants(base: _Base) -> Iterator[tuple[str, int, str]]:
    for cls in base.tree.body:
        if isinstance(cls, ast.ClassDef) and cls.lineno in base.compiled_structs:
            extra = "\n".join(f"    many_{i}: int" for i in range(TOO_MANY_FIELDS))
            yield _insert_line(base.text, cls.lineno + 1, extra), cls.lineno, "fields; at most"


def _scenario_mutants(base: _Base) -> Iterator[tuple[str, int, str]]:
    functions = [n for n in base.tree.body if isinstance(n, ast.FunctionDef)]
    arity = {f.name: len(f.args.args) for f in functions}
    target = functions[0].name
    other = next((f for f in arity if arity[f] != arity[target]), None)
    replacements = ["3", "None", "len", "lambda: 0", *([other] if other else [])]
    for call in _calls(base.tree, "Scenario"):
        line = call.lineno
        actors = _keyword(call, "actors")
        assert actors is not None
        for new, needle in [
            (f"({ast.get_source_segment(base.text, actors.value)})[0]", "actors must be a list"),
            ("()", "declares 0 actors"),
            ("[None]", "None is not an Actor"),
        ]:
            yield _replace(base.text, actors.value, new), line, needle
        variants = _keyword(call, "variants")
        for replacement in replacements:
            entry = f'"mut": {{{target}: {replacement}}}'
            if variants is None:
                paren = (call.func.end_lineno, call.func.end_col_offset + 1)  # after `Scenario(`
                keyword = f'variants={{"ok": {{}}, {entry}}}, '
                source = _splice(base.text, paren, paren, keyword)  # type: ignore[arg-type]
            elif isinstance(variants.value, ast.Dict) and variants.value.values:
                source = _insert_after(base.text, variants.value.values[-1], f", {entry}")
            else:
                continue
            yield source, line, "variant 'mut'"
        config = _keyword(call, "config")
        bad = '{"lokdep": False}'
        if config is None:
            source = _insert_after(base.text, actors.value, f", config={bad}")
        else:
            source = _replace(base.text, config.value, bad)
        yield source, line, "unknown config key 'lokdep'"


def _actor_mutants(base: _Base) -> Iterator[tuple[str, int, str]]:
    for call in [*_calls(base.tree, "Thread"), *_calls(base.tree, "Actor")]:
        context = _keyword(call, "context")
        if context is not None:
            source = _replace(base.text, context.value, '"irq"')
        else:
            last = [*call.args, *call.keywords][-1]
            source = _insert_after(base.text, last, ', context="irq"')
        yield source, call.lineno, "context 'irq' is not one of"
    for call in _calls(base.tree, "Global"):
        yield _replace(base.text, call.args[0], "3"), call.lineno, "Global(3) needs a Struct"


MUTATIONS: list[tuple[str, Callable[[_Base], Iterator[tuple[str, int, str]]]]] = [
    ("field", _field_mutants),
    ("report", _report_mutants),
    ("import", _import_mutants),
    ("struct", _struct_mutants),
    ("scenario", _scenario_mutants),
    ("actor", _actor_mutants),
]


def mutants() -> list[Mutant]:
    """Every mutant of every base model."""
    found = []
    for name in BASES:
        base = _base(name)
        for kind, mutate in MUTATIONS:
            for i, (source, line, needle) in enumerate(mutate(base)):
                stem = f"{name}_{kind}_{i}"
                found.append(Mutant(stem, source, line, needle, base.scenarios == 1))
    return found
