"""File helpers: fingerprints and writes that never leave a half-written file behind."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    """Write text atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(frame: pd.DataFrame | Iterable[pd.DataFrame], target: Path) -> int:
    """Write a table, or its parts in order as they come, as CSV atomically: readers never see
    half a file, and a failure part way leaves the old file. Returns the rows written."""
    with atomic_path(target) as tmp:
        if isinstance(frame, pd.DataFrame):
            frame.to_csv(tmp, index=False)
            return len(frame)
        rows = 0
        with tmp.open("w", encoding="utf-8", newline="") as out:
            for number, part in enumerate(frame):
                part.to_csv(out, index=False, header=number == 0)
                rows += len(part)
        return rows


def write_json(target: Path, payload: Any) -> None:
    """Write JSON atomically, keys sorted so diffs stay readable."""
    write_text(target, json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))
