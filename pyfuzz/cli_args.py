"""Argument types and help formatting shared by every `pyfuzz` command.

Every integer option is range-checked here (argparse then prints one usage line and exits 2,
never a traceback from a value the core cannot hold), and every command's `--help` shows its
defaults and the exit codes, which are the same for all commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

U64_MAX = 2**64 - 1

EXIT_CODES_HELP = """\
exit codes:
  0        clean (and, for a search, complete)
  1        a finding
  2        unusable input (one line on stderr naming the file and line)
  3        an internal error in pyfuzz
  4        a search that ended at its budget with no finding
  130/143  interrupted by SIGINT/SIGTERM (with a summary of what was explored)"""


def int_in(low: int, high: int, meaning: str) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high` (`meaning` says what they mean)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {meaning}")
        return value

    return parse


count = int_in(1, U64_MAX, "1 to 2^64-1")
seed = int_in(0, U64_MAX, "0 to 2^64-1")
depth = int_in(1, 64, "1 to 64")
ALL_PREEMPTIONS = 2**32 - 1  # `--preemptions all`: bound by nothing but completeness
_bounded_preemptions = int_in(0, 64, "0 to 64, or all")


# Worker counts (`fuzz --jobs`, `verify --jobs`).
jobs = int_in(0, 256, "0 (one per core) to 256")


def preemptions(text: str) -> int:
    """A preemption bound from 0 to 64, or `all` (explore until nothing is cut off)."""
    return ALL_PREEMPTIONS if text.strip().lower() == "all" else _bounded_preemptions(text)


def fault_classes(text: str) -> tuple[str, ...]:
    """`--fail`'s value: `all` or comma-separated fault injection classes."""
    from pyfuzz.errors import ScenarioError
    from pyfuzz.model._faults import fault_classes as parse

    try:
        return parse(text)
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_fault_option(p: argparse.ArgumentParser) -> None:
    """`--fail` / `--fault-injection`: fault injection on (all classes, or `--fail=alloc,irq`)."""
    p.add_argument(
        "--fail",
        "--fault-injection",
        dest="fail",
        nargs="?",
        const="all",
        default=None,
        type=fault_classes,
        metavar="CLASSES",
        help="fault injection (the kernel's fail-nth): each run may fail one failable call "
        "(kzalloc and devres allocations, request_irq, pci_alloc_irq_vectors, probe "
        "deferral from platform_get_irq, and a fatal signal in kthread_run's wait for "
        "kthreadd); all classes, or --fail=alloc,irq,msi,defer,signal for some",
    )


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows each option's default after its help (when it has a meaningful one), and keeps
    descriptions and the exit-code table as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        shown = action.default not in (None, False, argparse.SUPPRESS)
        if text and shown and "%(default)" not in text and "default" not in text:
            text += " (default: %(default)s)"
        return text


def polish(sub: Any) -> None:  # noqa: ANN401 (argparse's private subparsers type)
    """Gives every subcommand under `sub` (recursively) the formatter and the exit codes."""
    for parser in sub.choices.values():
        parser.formatter_class = HelpFormatter
        parser.epilog = parser.epilog or EXIT_CODES_HELP
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                polish(action)
