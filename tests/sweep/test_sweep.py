"""edgeopt sweep: grid expansion, the local process pool with a failing trial and resume, Ray on a real 2-CPU
cluster the test starts inside a loopback-only network namespace, and per-device locking."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import RecipeError
from edgeopt.sweep.spec import SweepSpec, apply, expand, trial_id
from tests.conftest import TINY_RECIPE

BIN = Path(sys.executable).parent
BASE = TINY_RECIPE.replace("  rounds: 2\n", "  rounds: 1\n")
SWEEP = """\
name: demo
base: base.yaml
grid:
  model.width: [0.5, 1.0]
  quantize.calibration_samples: {calibration}
trial: {{cpus: 1, memory_mb: 2048}}
"""


def _write(folder: Path, calibration: str = "[50, 100000]") -> Path:
    (folder / "base.yaml").write_text(BASE)
    (folder / "sweep.yaml").write_text(SWEEP.format(calibration=calibration))
    return folder / "sweep.yaml"


def test_grid_and_points_expand_in_order_and_overrides_create_sections():
    spec = SweepSpec(
        name="s",
        base="b.yaml",
        grid={"model.width": [0.5, 1.0], "prune.target_sparsity": [0.5]},
        points=[{"model.width": 2.0}, {"model.width": 0.5, "prune.target_sparsity": 0.5}],
    )
    points = expand(spec)
    assert points == [
        {"model.width": 0.5, "prune.target_sparsity": 0.5},
        {"model.width": 1.0, "prune.target_sparsity": 0.5},
        {"model.width": 2.0},
    ]
    recipe = apply({"name": "x", "model": {"arch": "tiny_cnn"}}, points[0])
    assert recipe == {"name": "x", "model": {"arch": "tiny_cnn", "width": 0.5}, "prune": {"target_sparsity": 0.5}}
    assert trial_id(3, points[0]) == "t03-model.width=0.5-prune.target_sparsity=0.5"
    with pytest.raises(RecipeError, match="'arch' is not a section"):
        apply({"model": {"arch": "x"}}, {"model.arch.depth": 3})


@pytest.mark.slow
def test_local_sweep_isolates_a_failing_trial_writes_results_and_resumes(tmp_path):
    sweep = _write(tmp_path)
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["sweep", str(sweep), "-o", str(out), "--workers", "2"])
    assert first.exit_code == 1, first.output  # two trials fail; the other two still ran
    trials = [json.loads((d / "trial.json").read_text()) for d in sorted(out.glob("t0*"))]
    assert [t["status"] for t in trials] == ["ok", "failed", "ok", "failed"]
    assert "calibration_samples is 100000" in trials[1]["error"]
    assert len({t["pid"] for t in trials}) == 4  # each trial in its own worker process
    rows = list(csv.DictReader((out / "results.csv").open()))
    ok_rows = [r for r in rows if r["status"] == "ok"]
    assert len(ok_rows) == 8 and {r["artifact"] for r in ok_rows} == {
        "tflite_float32",
        "tflite_int8",
        "onnx_float32",
        "onnx_int8",
    }
    assert all(float(r["top1"]) > 0 and float(r["p50_ms"]) > 0 and int(r["bytes"]) > 0 for r in ok_rows)
    assert {r["set:model.width"] for r in ok_rows} == {"0.5", "1.0"}
    assert any(r["pareto"] == "True" for r in ok_rows)
    assert all(r["error"] for r in rows if r["status"] == "failed")
    assert (out / "t01-model.width=0.5-quantize.calibration_samples=50" / "report.json").is_file()
    assert 'id="plot-sweep-pareto"' in (out / "report.html").read_text()

    again = CliRunner().invoke(cli, ["sweep", str(sweep), "-o", str(out)])
    assert "(0 run now)" in again.stdout and again.exit_code == 1
    retried = CliRunner().invoke(cli, ["sweep", str(sweep), "-o", str(out), "--retry-failed"])
    assert "(2 run now)" in retried.stdout


def test_ray_executor_without_ray_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    sweep = _write(tmp_path, "[50]")
    result = CliRunner().invoke(cli, ["sweep", str(sweep), "-o", str(tmp_path / "o"), "--executor", "ray"])
    assert result.exit_code == 2 and "pip install 'edgeopt[ray]'" in result.stderr


@pytest.mark.slow
@pytest.mark.needs("iproute2", "root")
def test_ray_sweep_on_a_real_two_cpu_cluster(tmp_path, ray_cluster):
    netns, address, env = ray_cluster
    sweep = _write(tmp_path, "[50]")
    t0 = time.perf_counter()
    cmd = [*netns, str(BIN / "edgeopt"), "sweep", str(sweep), "-o", str(tmp_path / "out"), "--executor", "ray"]
    result = subprocess.run([*cmd, "--address", address], capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "on Ray at 127.0.0.1:6399, 1 CPU(s) each" in result.stderr
    trials = [json.loads((d / "trial.json").read_text()) for d in sorted((tmp_path / "out").glob("t0*"))]
    assert [t["status"] for t in trials] == ["ok", "ok"]
    # Both trials overlapped on the cluster's two CPUs: the sweep took less than their sum.
    assert time.perf_counter() - t0 < sum(t["seconds"] for t in trials) + 30
    rows = list(csv.DictReader((tmp_path / "out" / "results.csv").open()))
    assert len([r for r in rows if r["status"] == "ok"]) == 8


def test_device_measurements_are_serialized_per_device(tmp_path):
    code = (
        "import sys, time; from edgeopt.runtime.device_lock import device_lock\n"
        "with device_lock('ssh://pi@board'):\n"
        "    t = time.time(); time.sleep(1.0); print(t, time.time())\n"
    )
    env = {**os.environ, "EDGEOPT_LOCK_DIR": str(tmp_path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)
    ]
    spans = sorted(tuple(map(float, p.communicate(timeout=60)[0].split())) for p in procs)
    assert spans[1][0] >= spans[0][1] - 0.01  # the second started only after the first let go
