"""The regression corpus: crash files replayed against their recorded expectations.

Each `crash.json` under a corpus directory states what must hold (`expect`): replaying its
choices shows `expect.title`, and replaying the same choices against each variant in
`expect.clean_variants` shows no finding at all. `check_crash` checks one file; `find_crashes`
lists a directory's files (recursively, sorted). The `pyfuzz corpus check` command and the
pytest plugin (`pyfuzz.pytest_plugin`) are both built on these two functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pyfuzz.replay import replay_crash


@dataclass
class CheckResult:
    """The outcome of checking one crash file against its expectation."""

    path: Path
    label: str = ""
    expected: str = ""
    # One line per failed expectation; empty when everything held.
    failures: list[str] = field(default_factory=list)
    # Set when the file itself is unusable (damaged, its model gone): a usage error.
    error: str | None = None
    variants_checked: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failures


def find_crashes(directory: str | Path) -> list[Path]:
    """Every `*.json` file under `directory`, sorted (hidden files and folders skipped)."""
    root = Path(directory)
    return sorted(
        p
        for p in root.rglob("*.json")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def check_crash(path: str | Path) -> CheckResult:
    """Replays `path` and each of its clean variants; never raises for a bad file."""
    from pyfuzz.errors import UsageError

    result = CheckResult(Path(path))
    start = time.perf_counter()
    try:
        first = replay_crash(path)
        crash = first.crash
        result.label = crash.label
        result.expected = crash.expect["title"]
        got = first.outcome.finding.title if first.outcome.finding else "no finding"
        if got != crash.expect["title"]:
            result.failures.append(
                f"{crash.label}: expected '{crash.expect['title']}', replay shows '{got}'"
            )
        for variant in crash.expect["clean_variants"]:
            other = replay_crash(path, variant=variant)
            result.variants_checked.append(variant)
            if other.outcome.finding is not None:
                result.failures.append(
                    f"{crash.scenario}:{variant} should stay clean on this trace, but shows "
                    f"'{other.outcome.finding.title}'"
                )
    except UsageError as exc:
        result.error = str(exc)
    result.seconds = time.perf_counter() - start
    return result
