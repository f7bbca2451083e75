"""The model hash a crash.json records: what the IR does, not where its lines are.

SHA-256 over the canonical IR with the positional fields left out (the file table and each
function's and struct's file, line and per-instruction lines). Editing a comment, a docstring
or blank lines in a model file, or in pyfuzz's kernel library, leaves the hash unchanged, so
saved traces keep replaying strictly; any change to what the model executes changes it, and
replay then asks for `--lenient`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

# Keys that only say where something is written, never what it does.
_POSITIONAL = ("file", "line", "lines")


def model_fingerprint(ir: dict[str, Any]) -> str:
    """The hex SHA-256 of `ir` without its positional fields."""
    semantic = {key: value for key, value in ir.items() if key != "files"}
    for table in ("functions", "structs"):
        semantic[table] = [
            {k: v for k, v in entry.items() if k not in _POSITIONAL} for entry in ir[table]
        ]
    return hashlib.sha256(orjson.dumps(semantic, option=orjson.OPT_SORT_KEYS)).hexdigest()
