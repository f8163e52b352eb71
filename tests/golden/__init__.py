"""Committed run records (tests/golden/<name>/): see regenerate.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).parent


def report(name: str = "tiny") -> dict:
    return json.loads((HERE / name / "report.json").read_text())


def copy_run(name: str, dest: Path) -> Path:
    """A writable copy of the golden run folder `name` (records only, no model files)."""
    shutil.copytree(HERE / name, dest)
    return dest
