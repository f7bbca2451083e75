"""The exit codes every `pyfuzz` command uses."""

from __future__ import annotations

EXIT_CLEAN = 0  # clean and complete
EXIT_FINDING = 1  # a finding (or a replay that reproduces one)
EXIT_USAGE = 2  # unusable input: one line on stderr, no traceback
EXIT_INTERNAL = 3  # an internal error in pyfuzz
EXIT_INCOMPLETE = 4  # a search that stopped at its budget, with no finding
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
