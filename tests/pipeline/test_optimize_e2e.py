"""One tiny recipe through every stage, asserting on the run directory and the report it wrote."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_GATE_FAILED
from tests.conftest import TINY_RECIPE

pytestmark = pytest.mark.slow


def test_optimize_exits_0_and_prints_the_summary(tiny_run):
    output = tiny_run.output  # the shared run asserted exit 0
    for name in ("tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"):
        assert name in output
    assert "PASS" in output


def test_report_json_has_every_artifact_measured(tiny_run):
    run_dir = tiny_run.run_dir
    report = json.loads((run_dir / "report.json").read_text())
    assert report["schema_version"] == 1
    assert report["passed"] is True
    assert {a["name"] for a in report["artifacts"]} == {"tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"}
    float_top1 = report["verify"]["float_top1"]
    assert 0.3 <= float_top1 <= 1.0
    for a in report["artifacts"]:
        assert (run_dir / a["file"]).is_file()
        assert a["bytes"] == (run_dir / a["file"]).stat().st_size
        acc = a["accuracy"]
        assert acc["top1"] == pytest.approx(float_top1 - acc["drop"])
        assert 0.0 <= acc["agreement"] <= 1.0
        lat = a["latency"]
        assert lat["runs"] >= 10 and lat["threads"] == 1 and lat["rounds"] == 2
        assert lat["fidelity_ratio"] > 0 and 5 < lat["peak_rss_mb"] < 500  # its own subprocess
        assert 0 < lat["min_ms"] <= lat["p50_ms"] <= lat["p90_ms"] <= lat["p99_ms"]
    int8 = {a["name"]: a for a in report["artifacts"]}
    assert int8["tflite_int8"]["bytes"] < int8["tflite_float32"]["bytes"]
    assert int8["tflite_float32"]["accuracy"]["agreement"] > 0.99  # float conversion must not change decisions
    assert all(a["accuracy"]["top5"] >= a["accuracy"]["top1"] for a in report["artifacts"])
    flips = int8["tflite_int8"]["accuracy"]["flipped_classes"]
    assert sum(flips.values()) == round(
        (1 - int8["tflite_int8"]["accuracy"]["agreement"]) * report["verify"]["samples"]
    )
    causes = report["verify"]["error_by_cause"]
    assert set(causes) == {
        "conversion_tflite",
        "conversion_onnx",
        "quantization_tflite",
        "quantization_onnx",
        "parity_int8",
    }
    assert causes["conversion_tflite"]["agreement"] > 0.99
    gates = {(g["gate"], g["artifact"]) for g in report["gates"]}
    assert ("min_accuracy", "keras_float32") in gates and ("max_drop", "onnx_int8") in gates


def test_int8_tflite_has_no_float_compute_operator_in_the_file(tiny_run):
    from edgeopt.formats.tflite.read import read_tflite

    run_dir = tiny_run.run_dir
    report = json.loads((run_dir / "report.json").read_text())
    files = {a["name"]: run_dir / a["file"] for a in report["artifacts"]}
    int8 = read_tflite(files["tflite_int8"])
    assert int8.float_compute_ops == []
    assert int8.inputs[0]["dtype"] == "INT8" and int8.outputs[0]["dtype"] == "INT8"
    assert "CONV_2D" in int8.op_counts
    # the same check does flag the float file, so it can fail
    assert read_tflite(files["tflite_float32"]).float_compute_ops


def test_onnxruntime_runs_the_int8_onnx_without_float_islands(tiny_run):
    run_dir = tiny_run.run_dir
    report = json.loads((run_dir / "report.json").read_text())
    onnx_int8 = next(a for a in report["artifacts"] if a["name"] == "onnx_int8")
    assert onnx_int8["contents"]["executed_float_compute_ops"] == []
    assert onnx_int8["contents"]["executed_op_counts"].get("QLinearConv", 0) >= 2


def test_int8_activations_leave_float_islands_that_the_check_reports(tiny_run, tmp_path):
    """The same check flags onnxruntime's float fallback, so it is not vacuous."""
    import numpy as np

    from edgeopt.formats.onnx.convert import quantize_onnx_int8
    from edgeopt.formats.onnx.read import read_onnx

    run_dir = tiny_run.run_dir
    export_dir = next(run_dir.glob("05-export-*"))
    calibration = np.load(next(run_dir.glob("04-quantize-*")) / "calibration.npy")
    out = tmp_path / "s8.onnx"
    quantize_onnx_int8(export_dir / "model_float32.onnx", out, calibration, True, activations="int8")
    assert "Add" in read_onnx(out, executed=True)["executed_float_compute_ops"]


def test_run_dir_holds_committed_stages_and_a_readable_report(tiny_run):
    run_dir = tiny_run.run_dir
    manifest = json.loads((run_dir / "manifest.json").read_text())
    names = [s["name"] for s in manifest["stages"]]
    assert names == ["data", "build", "train", "quantize", "export", "verify", "bench", "report"]
    for s in manifest["stages"]:
        stage = json.loads((run_dir / s["dir"] / "stage.json").read_text())
        assert stage["key"] == s["key"]
    md = (run_dir / "report.md").read_text()
    assert "| tflite_int8 |" in md and "Result: **PASS**" in md


def test_rerun_reuses_finished_stages(tiny_run, tmp_path):
    run = tiny_run.copy(tmp_path / "copy")  # the shared run stays read-only
    recipe, run_dir = run.recipe, run.run_dir
    result = CliRunner().invoke(cli, ["optimize", str(recipe), "--run-dir", str(run_dir), "--json"])
    assert result.exit_code == 0
    manifest = json.loads((run_dir / "manifest.json").read_text())
    reused = {s["name"]: s["reused"] for s in manifest["stages"]}
    assert all(reused[n] for n in ("data", "build", "train", "quantize", "export", "verify", "bench"))
    assert json.loads(result.stdout)["passed"] is True


def test_a_broken_gate_exits_1_and_still_writes_the_report(tiny_run, tmp_path):
    run = tiny_run.copy(tmp_path / "copy")
    recipe, run_dir = run.recipe, run.run_dir
    strict = recipe.with_name("strict.yaml")
    strict.write_text(TINY_RECIPE.replace("min_accuracy: 0.3", "min_accuracy: 1.0"))
    result = CliRunner().invoke(cli, ["optimize", str(strict), "--run-dir", str(run_dir)])
    assert result.exit_code == EXIT_GATE_FAILED, result.output
    assert "gate failed" in result.stdout and "min_accuracy" in result.stdout
    report = json.loads((run_dir / "report.json").read_text())
    assert report["passed"] is False
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [s["name"] for s in manifest["stages"] if not s["reused"]] == ["verify", "report"]


def test_an_int8_file_slower_than_float32_gets_an_explanation(tiny_run):
    """Exercised directly: whether tiny int8 is slower depends on the machine, the explanation must not."""
    from edgeopt.pipeline.context import StageRecord
    from edgeopt.stages.bench import _explain_slower_int8

    run_dir = tiny_run.run_dir
    export_dir = next(run_dir.glob("*-export-*"))
    meta = json.loads((export_dir / "stage.json").read_text())
    export = StageRecord("export", meta["key"], export_dir, meta["outputs"], meta["result"])
    results = [
        {"name": "onnx_float32", "p50_ms": 0.1},
        {"name": "onnx_int8", "p50_ms": 0.2},
        {"name": "tflite_float32", "p50_ms": 0.1},
        {"name": "tflite_int8", "p50_ms": 0.05},
    ]
    _explain_slower_int8(results, export, threads=1)
    why = results[1]["slower_than_float32"]
    assert why["int8_profile_us"] and why["float32_profile_us"]  # onnxruntime's per-node profile, by op type
    assert any("Conv" in op for op in why["int8_profile_us"])
    assert "slower_than_float32" not in results[3]  # faster: nothing to explain
