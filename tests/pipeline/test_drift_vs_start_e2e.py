"""Drift is measured against the model the run started from: what pruning costs is in every file's drop, the
report leads with the starting accuracy, and max_drop fails a run whose files match the pruned model exactly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_GATE_FAILED

pytestmark = pytest.mark.slow

# Pruning the tiny CNN's few kernels to 95% zeros with a single short fine-tune costs it many points.
PRUNE = """\
prune:
  target_sparsity: 0.95
  schedule: constant
  epochs: 1
  frequency: 1
  learning_rate: 0.00001
"""


def test_what_pruning_costs_is_in_the_drop_the_report_and_the_gate(tiny_run, tmp_path):
    run = tiny_run.copy(tmp_path / "copy")  # data, build and train are reused from the shared run
    recipe = run.recipe.read_text().replace("verify:\n  max_drop: 0.05", "verify:\n  max_drop: 0.01")
    run.recipe.write_text(recipe.replace("quantize:", PRUNE + "quantize:"))
    result = CliRunner().invoke(cli, ["optimize", str(run.recipe), "--run-dir", str(run.run_dir)])
    assert result.exit_code == EXIT_GATE_FAILED, result.output

    report = json.loads((run.run_dir / "report.json").read_text())
    verify = report["verify"]
    start, pruned = verify["start"]["top1"], verify["float_top1"]
    assert verify["start"]["stage"] == "train"
    assert start - pruned > 0.03, (start, pruned)  # the premise: pruning really lost points
    assert verify["error_by_cause"]["prune"]["top1_delta"] == pytest.approx(start - pruned)
    for a in report["artifacts"]:
        acc = a["accuracy"]
        assert acc["drop"] == pytest.approx(start - acc["top1"]), a["name"]  # the total, not the export's share
        assert acc["export_drop"] == pytest.approx(pruned - acc["top1"]), a["name"]
    failed = {g["artifact"] for g in report["gates"] if g["gate"] == "max_drop" and not g["passed"]}
    assert failed == {a["name"] for a in report["artifacts"]}

    md = (run.run_dir / "report.md").read_text().splitlines()
    assert md[2].startswith(f"Starting float model (train) top-1 **{start:.4f}**"), md[2]
    assert f"after pruning {pruned:.4f}" in md[2], md[2]
    row = next(line for line in md if line.startswith("| tflite_float32 |"))
    tflite = next(a for a in report["artifacts"] if a["name"] == "tflite_float32")["accuracy"]
    assert f"| {(start - tflite['top1']) * 100:+.2f} |" in row, row
