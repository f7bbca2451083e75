"""The one shape of `--json` results (schema: `pyfuzz/schemas/result-v1.schema.json`).

Every JSON result of `verify`, `run` and `replay` is one object on stdout with `command`,
`status` (`ok`, `incomplete`, `finding`, `interrupted` or `error`) and `exit_code` (the
process's exit status), plus the fields of that status; unusable input under `--json` is an
`error` object too (and still the one-line message on stderr), so a script never has to
parse text.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson

RESULT_SCHEMA = "result-v1.schema.json"


def print_json(obj: dict[str, Any]) -> None:
    """One JSON object on stdout, keys sorted."""
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode() + "\n")


def emit(command: str, status: str, exit_code: int, fields: dict[str, Any]) -> int:
    """Prints a result object; returns `exit_code` (so callers can `return emit(...)`)."""
    print_json({**fields, "command": command, "status": status, "exit_code": exit_code})
    return exit_code


def emit_error(command: str, exit_code: int, message: str) -> None:
    """The JSON object for unusable input (exit 2) or an internal error (exit 3)."""
    emit(command, "error", exit_code, {"error": message})
