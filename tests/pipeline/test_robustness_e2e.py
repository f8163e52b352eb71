"""Runs lose nothing: SIGKILL at several points then the same command resumes to the same report; Ctrl-C exits
130 and stays resumable; another recipe's run directory is not taken over; the same seed gives the same metrics
and byte-identical TFLite files."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TINY_RECIPE

pytestmark = pytest.mark.slow
EDGEOPT = str(Path(sys.executable).with_name("edgeopt"))
RECIPE = TINY_RECIPE[: TINY_RECIPE.index("bench:")]  # no latency: everything left is deterministic


def _run(recipe: Path, run_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EDGEOPT, "optimize", str(recipe), "-o", str(run_dir), *extra], capture_output=True, text=True, timeout=600
    )


def _interrupt(recipe: Path, run_dir: Path, marker: str, sig: int) -> tuple[int, str]:
    """Start a run, send `sig` once a stderr line contains `marker`; returns (exit code, stderr so far)."""
    proc = subprocess.Popen(
        [EDGEOPT, "optimize", str(recipe), "-o", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen, sent = [], False
    for line in proc.stderr:  # keep reading after the signal: a closed pipe would fail the run's last writes
        seen.append(line)
        if marker in line and not sent:
            os.kill(proc.pid, sig)
            sent = True
    return proc.wait(timeout=120), "".join(seen)


def _digest(run_dir: Path) -> dict:
    report = json.loads((run_dir / "report.json").read_text())
    export = next(run_dir.glob("*-export-*"))
    return {
        "float_top1": report["verify"]["float_top1"],
        "artifacts": {a["name"]: a["accuracy"]["top1"] for a in report["artifacts"]},
        "gates": [(g["gate"], g["artifact"], g["passed"]) for g in report["gates"]],
        "tflite": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(export.glob("*.tflite"))},
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    (root / "r.yaml").write_text(RECIPE)
    result = _run(root / "r.yaml", root / "reference")
    assert result.returncode == 0, result.stderr[-2000:]
    return root, _digest(root / "reference")


@pytest.mark.parametrize(
    ("marker", "finished"),
    [
        ("I train: epoch 1/", ["data", "build"]),
        ("I export: model_float32.tflite", ["data", "build", "train", "quantize"]),
        ("I verify: starting model", ["data", "build", "train", "quantize", "export"]),
    ],
    ids=["during-train", "during-export", "during-verify"],
)
def test_sigkill_then_rerun_resumes_and_gives_the_same_report(reference, marker, finished):
    root, expected = reference
    run_dir = root / f"killed-{finished[-1]}"
    code, _ = _interrupt(root / "r.yaml", run_dir, marker, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not (run_dir / "report.json").exists()
    assert (run_dir / ".tmp").is_dir()  # the killed run's scratch is in its folder, not in /tmp
    again = _run(root / "r.yaml", run_dir)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not (run_dir / ".tmp").exists()  # emptied by the next run
    for stage in finished:
        assert f"I {stage:<8} reused" in again.stderr, again.stderr
    assert _digest(run_dir) == expected


def test_ctrl_c_exits_130_and_the_run_resumes(reference):
    root, expected = reference
    run_dir = root / "interrupted"
    code, _ = _interrupt(root / "r.yaml", run_dir, "I train: epoch 1/", signal.SIGINT)
    assert code == 130
    again = _run(root / "r.yaml", run_dir)
    assert again.returncode == 0 and "I build    reused" in again.stderr
    assert _digest(run_dir) == expected


def test_same_seed_gives_the_same_metrics_and_identical_tflite_files(reference):
    root, expected = reference
    for i in (1, 2):
        result = _run(root / "r.yaml", root / f"repeat-{i}")
        assert result.returncode == 0, result.stderr[-2000:]
        got = _digest(root / f"repeat-{i}")
        assert got["tflite"] == expected["tflite"]  # byte-identical
        for name, top1 in expected["artifacts"].items():
            assert abs(got["artifacts"][name] - top1) <= 0.001


def test_another_recipes_run_directory_is_not_taken_over(reference, tmp_path):
    root, _ = reference
    (tmp_path / "other.yaml").write_text(RECIPE.replace("name: tiny", "name: other"))
    refused = _run(tmp_path / "other.yaml", root / "reference")
    assert refused.returncode == 2 and "holds the results of recipe 'tiny', not 'other'" in refused.stderr
    before = (root / "reference" / "report.json").read_bytes()
    assert json.loads(before)["recipe"] == "tiny"
    (tmp_path / "stranger").mkdir()
    (tmp_path / "stranger" / "notes.txt").write_text("mine")
    refused = _run(tmp_path / "other.yaml", tmp_path / "stranger")
    assert refused.returncode == 2 and "is not an edgeopt run directory" in refused.stderr
    assert (tmp_path / "stranger" / "notes.txt").read_text() == "mine"
