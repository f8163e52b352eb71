"""Content hashes for files and configs (stage cache keys, artifact checksums)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_json(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def gzip_size(path: Path) -> int:
    """Size after gzip -9: what a download or app-bundle compression would see (zeros from pruning shrink here)."""
    return len(gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0))
