"""The run's scratch folder is absolute even for a relative run folder: onnxruntime's quantizer runs in a temporary
working directory (formats/onnx/convert.py), and a relative tempfile.tempdir would then point nowhere."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def test_scratch_is_absolute_and_restored(tmp_path, monkeypatch):
    from edgeopt.pipeline.run_dir import RunDir

    monkeypatch.chdir(tmp_path)
    Path("run").mkdir()
    before = tempfile.tempdir
    with RunDir(Path("run")).scratch() as scratch:
        assert scratch.is_absolute() and scratch == tmp_path / "run" / ".tmp"
        assert tempfile.tempdir == os.environ["TMPDIR"] == str(scratch)
        os.chdir(tempfile.mkdtemp())  # what the quantizer does: the scratch folder is still found
        assert Path(tempfile.mkdtemp()).parent == scratch
    assert tempfile.tempdir == before and not (tmp_path / "run" / ".tmp").exists()
