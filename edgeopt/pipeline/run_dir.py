"""The run-directory layout, known here only: what each file is called, and how a committed stage is read back.

RUN_DIR/recipe.json                     the validated recipe (marks the folder as this recipe's run)
RUN_DIR/NN-<stage>-<key8>/stage.json    a finished stage: key, config, outputs with size and sha256, result
RUN_DIR/manifest.json                   the stages of the last run, reused or not, and the failed parts
RUN_DIR/report.json|md|html             the report
RUN_DIR/.tmp/                           scratch of the run in progress (converters' SavedModels...); emptied at
                                        the start and end of every run, so a killed run's leftovers go too
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from edgeopt.errors import InputRejected

log = logging.getLogger(__name__)

STAGE_FILE = "stage.json"


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def recipe_json(self) -> Path:
        return self.path / "recipe.json"

    @property
    def manifest_json(self) -> Path:
        return self.path / "manifest.json"

    @property
    def report_json(self) -> Path:
        return self.path / "report.json"

    @property
    def report_md(self) -> Path:
        return self.path / "report.md"

    @property
    def report_html(self) -> Path:
        return self.path / "report.html"

    @property
    def report_files(self) -> tuple[Path, Path, Path]:
        return self.report_json, self.report_md, self.report_html

    @contextmanager
    def scratch(self) -> Iterator[Path]:
        """Every temporary file of the run (tempfile here and TMPDIR for children) lives in RUN_DIR/.tmp: never
        left in /tmp by a kill -9, and removed on any exit that runs Python's finally blocks."""
        scratch = self.path.resolve() / ".tmp"  # absolute: a chdir (formats/onnx/convert.py) must not move it
        shutil.rmtree(scratch, ignore_errors=True)  # a killed run's leftovers
        scratch.mkdir(parents=True)
        saved = tempfile.tempdir, os.environ.get("TMPDIR")
        tempfile.tempdir, os.environ["TMPDIR"] = str(scratch), str(scratch)
        try:
            yield scratch
        finally:
            tempfile.tempdir = saved[0]
            if saved[1] is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = saved[1]
            shutil.rmtree(scratch, ignore_errors=True)

    def stage_dir(self, index: int, name: str, key: str) -> Path:
        return self.path / f"{index:02d}-{name}-{key[:8]}"

    def read_report(self) -> dict:
        """report.json, or InputRejected (exit 3) saying the folder is not a finished run."""
        try:
            return json.loads(self.report_json.read_text())
        except (OSError, ValueError) as exc:
            raise InputRejected(f"{self.path}: no readable report.json (run `edgeopt optimize` first): {exc}") from exc

    def read_manifest(self) -> dict:
        try:
            return json.loads(self.manifest_json.read_text())
        except (OSError, ValueError) as exc:
            raise InputRejected(f"{self.path} is not a finished edgeopt run: {exc}") from exc

    def finished_stage(self, name: str):
        """The committed StageRecord of stage `name` of the last run (checksums verified, as the runner reuses
        stages), or None when the run skipped it. InputRejected when it is missing or was changed."""
        entry = next((s for s in self.read_manifest()["stages"] if s["name"] == name), None)
        if entry is None:
            return None
        record = load_stage(self.path / entry["dir"], name, reuse=False)
        if record is None:
            raise InputRejected(f"{self.path / entry['dir']}: stage '{name}' is unfinished or its files changed")
        return record


def load_stage(stage_dir: Path, name: str, key: str | None = None, reuse: bool = True):
    """The StageRecord committed in `stage_dir`, or None when there is none, it was made for another key (when
    `key` is given), it asked not to be reused (when `reuse`: a failed device is measured again), or an output's
    size or sha256 no longer matches."""
    from edgeopt.hashing import sha256_file
    from edgeopt.pipeline.context import StageRecord

    meta_path = stage_dir / STAGE_FILE
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if (key is not None and meta.get("key") != key) or (reuse and meta.get("cacheable") is False):
            return None
        for out in meta["outputs"].values():
            f = stage_dir / out["file"]
            if not f.is_file() or f.stat().st_size != out["bytes"] or sha256_file(f) != out["sha256"]:
                log.warning("%s: %s changed since it was written", name, f)
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return StageRecord(name, meta["key"], stage_dir, meta["outputs"], meta["result"], reused=True)
