"""The pytest plugin (registered through the `pytest11` entry point): crash files as tests.

Every `*.json` file under a corpus directory becomes one test item that replays the trace and
checks its expectation (`pyfuzz.corpus.check_crash`): the recorded title reproduces, and each
variant listed as clean stays clean on the same choices. Corpus directories are the ini option
`pyfuzz_corpora` (default: `corpora`, relative to the rootdir or the directory pytest was
started in) plus any `--pyfuzz-corpus DIR`;
pytest still has to be pointed at them (`testpaths`, or a path on the command line). In the
default `corpora` directory only files that identify as pyfuzz crash files are collected.
Nothing of pyfuzz's engine is imported until a crash test runs, so the plugin costs nothing
elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

_MARKER = b'"pyfuzz-crash"'
_DEFAULT_CORPORA = ("corpora",)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyfuzz")
    group.addoption(
        "--pyfuzz-corpus",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of pyfuzz crash.json files to replay as tests (repeatable)",
    )
    parser.addini(
        "pyfuzz_corpora",
        type="linelist",
        default=list(_DEFAULT_CORPORA),
        help="directories (relative to the rootdir) whose *.json files are pyfuzz crash tests",
    )


def _configured(config: pytest.Config) -> bool:
    """Whether the user named corpus directories (ini option or command line)."""
    named = list(config.getini("pyfuzz_corpora")) != list(_DEFAULT_CORPORA)
    return named or bool(config.getoption("pyfuzz_corpus"))


def _looks_like_crash(path: Path) -> bool:
    """A crash file names its format near the top (keys are sorted, `format` comes early)."""
    try:
        with path.open("rb") as f:
            return _MARKER in f.read(1 << 16)
    except OSError:
        return False


def _corpus_dirs(config: pytest.Config) -> list[Path]:
    """Corpus directories, each taken relative to the rootdir and to the directory pytest was
    started in (without an ini file, `pytest corpora` makes `corpora` itself the rootdir)."""
    bases = {Path(config.rootpath), Path(config.invocation_params.dir)}
    names = list(config.getini("pyfuzz_corpora")) + list(config.getoption("pyfuzz_corpus"))
    return [(base / n).resolve() for n in names for base in sorted(bases)]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".json":
        return None
    resolved = file_path.resolve()
    if not any(resolved.is_relative_to(d) for d in _corpus_dirs(parent.config)):
        return None
    # Under the default directory name only files that say they are pyfuzz crashes count, so
    # that other tools' `corpora/` (libFuzzer inputs, JSON fixtures) are left alone; in a
    # directory the user named, every JSON file is a crash test (a damaged one fails).
    if not _configured(parent.config) and not _looks_like_crash(resolved):
        return None
    return CrashFile.from_parent(parent, path=file_path)


class CrashFile(pytest.File):
    """A crash.json: one test that replays it against its expectation."""

    def collect(self) -> list[CrashItem]:
        return [CrashItem.from_parent(self, name="replay")]


class CrashExpectationError(Exception):
    """An expectation of a crash file did not hold (or the file is unusable)."""


class CrashItem(pytest.Item):
    """Replays one crash file and checks `expect` (title reproduces, clean variants clean)."""

    def runtest(self) -> None:
        from pyfuzz.corpus import check_crash

        result = check_crash(self.path)
        if result.error is not None:
            raise CrashExpectationError(f"unusable crash file: {result.error}")
        if result.failures:
            raise CrashExpectationError("\n".join(result.failures))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:  # noqa: ANN401
        if isinstance(excinfo.value, CrashExpectationError):
            return f"{self.path}:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"pyfuzz crash {self.path.name}"
