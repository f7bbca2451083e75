"""A cache of compiled models, so that replaying a crash.json does not recompile its model.

Compiling a scenario (importing its model file, translating every reachable function) costs
more than the replay itself; `pyfuzz replay` and the corpus run it once per trace. An entry
holds a scenario variant's IR with the facts replay needs (label, model hash, where the
scenario came from) and the size and modification time of every file it may depend on:
the pyfuzz package's Python files, and for a model file every `.py` file beside it and the
user model files it imports (`pyfuzz.model.loader.model_dependencies`). An
entry is used only when all of them are unchanged and the pyfuzz version matches; anything
else (no cache directory, a damaged entry) falls back to compiling. Entries are written
atomically under `$PYFUZZ_CACHE_DIR`, else `$XDG_CACHE_HOME/pyfuzz/models`, else
`~/.cache/pyfuzz/models`; `PYFUZZ_CACHE_DIR=off` disables the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import orjson

from pyfuzz import __version__

_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ModelFacts:
    """What replay needs to know of a compiled scenario variant, besides its IR."""

    model_hash: str
    scenario: str
    variant: str
    label: str
    builtin: bool
    # The built-in name, or the model file spec as given.
    source: str


def cache_dir() -> Path | None:
    configured = os.environ.get("PYFUZZ_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "pyfuzz" / "models"


def _dependencies(spec: str, imports: list[Path]) -> list[Path]:
    files = sorted(_PACKAGE.rglob("*.py"))
    head = spec.split(":", 1)[0]
    if head.endswith(".py"):
        files += sorted(Path(head).resolve().parent.glob("*.py"))
    return files + [p for p in imports if p not in files]


def _imported_files(spec: str) -> list[Path]:
    """The user model files the model file of `spec` imported when it was compiled."""
    head = spec.split(":", 1)[0]
    if not head.endswith(".py"):
        return []
    from pyfuzz.model.loader import model_dependencies  # loaded already: it just compiled

    return model_dependencies(head)


def _stamp(paths: list[Path]) -> list[list[object]] | None:
    try:
        return [[str(p), s.st_size, s.st_mtime_ns] for p in paths for s in (p.stat(),)]
    except OSError:
        return None


def _entry_path(spec: str) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    key = hashlib.sha256(f"{spec}\0{__version__}".encode()).hexdigest()[:32]
    return root / f"{key}.json"


def lookup(spec: str) -> tuple[bytes, ModelFacts] | None:
    """The cached IR and facts of `spec` (a SCENARIO spec with absolute model paths), when
    the entry is still valid."""
    path = _entry_path(spec)
    if path is None:
        return None
    try:
        doc = orjson.loads(path.read_bytes())
        if doc["spec"] != spec or doc["version"] != __version__:
            return None
        if doc["files"] != _stamp([Path(p) for p, _, _ in doc["files"]]):
            return None
        imports = [Path(p) for p in doc["imports"]]
        if doc["files"] != _stamp(_dependencies(spec, imports)):
            return None
        m = doc["model"]
        return m["ir"].encode(), ModelFacts(**m["facts"])
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def store(spec: str, ir_bytes: bytes, facts: ModelFacts) -> None:
    """Remembers the model of `spec`; silently does nothing when the cache cannot be written."""
    from pyfuzz.crashfile import atomic_write
    from pyfuzz.errors import OutputError

    path = _entry_path(spec)
    imports = _imported_files(spec)
    stamp = _stamp(_dependencies(spec, imports))
    if path is None or stamp is None:
        return
    doc = {
        "spec": spec,
        "version": __version__,
        "files": stamp,
        "imports": [str(p) for p in imports],
        "model": {"ir": ir_bytes.decode(), "facts": dataclasses.asdict(facts)},
    }
    try:
        atomic_write(path, orjson.dumps(doc))
    except (OutputError, OSError):
        pass
