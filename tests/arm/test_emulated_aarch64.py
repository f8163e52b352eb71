"""aarch64 without a board: the stack from the registries (`edgeopt arm setup`), and files measured on the aarch64
runtimes under qemu through `edgeopt bench` and the pipeline's bench stage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_TOOLCHAIN
from tests.inspect.test_safety import _onnx_model

EDGEOPT = str(Path(sys.executable).with_name("edgeopt"))


def test_setup_with_the_registries_unreachable_is_exit_4_with_the_fix_and_no_partial_cache(tmp_path):
    env = {"EDGEOPT_CACHE": str(tmp_path / "cache"), "EDGEOPT_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"}
    proc = subprocess.run([EDGEOPT, "arm", "setup"], capture_output=True, text=True, env={**_env(), **env}, timeout=120)
    assert proc.returncode == EXIT_TOOLCHAIN, proc.stderr
    assert "could not reach http://127.0.0.1:9/debian" in proc.stderr and "edgeopt arm setup" in proc.stderr
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # nothing half-built is kept


def _env() -> dict:
    import os

    return dict(os.environ)


@pytest.mark.slow
@pytest.mark.needs("arm")
def test_a_second_setup_fetches_nothing():
    result = CliRunner().invoke(cli, ["arm", "setup", "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["fetched"] is False and manifest["sha256"]
    assert any(name.startswith("qemu-user_") for name in manifest["sha256"])


def _tflite(path: Path) -> Path:
    from edgeopt._keras import tf

    fn = tf.function(lambda x: {"y": tf.nn.softmax(x * 2.0)}, input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    path.write_bytes(tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn).convert())
    return path


@pytest.mark.slow
@pytest.mark.needs("arm")
def test_bench_measures_both_formats_on_the_emulated_cpu_and_says_so(tmp_path):
    files = [str(_tflite(tmp_path / "m.tflite")), str(_onnx_model(tmp_path / "m.onnx"))]
    args = ["bench", *files, "--target", "emulated:aarch64:cortex-a53", "--rounds", "1", "--min-runs", "10"]
    result = CliRunner().invoke(cli, [*args, "--min-seconds", "0", "--warmup", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    machine = out["machine"]
    assert out["target"] == "emulated:aarch64 (cortex-a53, emulated)"
    assert machine["arch"] == "aarch64" and machine["emulated"] and machine["emulated_cpu"] == "cortex-a53"
    assert "asimd" in machine["isa"]  # the runtimes' CPU detection sees an ARM core with NEON
    assert {Path(r["model"]).name for r in out["results"]} == {"m.tflite", "m.onnx"}
    assert all(r["runtime"] in ("ai_edge_litert", "onnxruntime") for r in out["results"])


def test_an_unknown_emulated_cpu_is_a_usage_error():
    result = CliRunner().invoke(cli, ["bench", __file__, "--target", "emulated:aarch64:pentium"])
    assert result.exit_code != 0 and "cortex-a53" in result.output, result.output


@pytest.mark.slow
@pytest.mark.needs("arm")
def test_the_pipeline_benches_every_file_on_aarch64_and_labels_it_emulated(tiny_run, tmp_path):
    run = tiny_run.copy(tmp_path / "copy")  # every stage before bench is reused
    run.recipe.write_text(run.recipe.read_text().replace("  rounds: 2\n", "  rounds: 1\n  target: emulated:aarch64\n"))
    result = CliRunner().invoke(cli, ["optimize", str(run.recipe), "--run-dir", str(run.run_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads((run.run_dir / "report.json").read_text())
    remote = report["bench"]["remote"]
    assert remote["emulated"] and remote["machine"]["arch"] == "aarch64", remote
    assert remote["machine"]["emulated_cpu"] == "cortex-a76"
    assert {a["name"] for a in remote["artifacts"]} == {a["name"] for a in report["artifacts"]}
    local = {a["name"]: a["latency"] for a in report["artifacts"]}
    assert all("speedup_vs_float32" in local[n] for n in local if n.endswith("int8"))  # from this machine only
    assert "Emulated (qemu)" in (run.run_dir / "report.md").read_text()


@pytest.mark.slow
@pytest.mark.needs("arm")
def test_every_file_is_verified_on_aarch64_and_the_parity_gate_sees_real_kernel_differences(tiny_run, tmp_path):
    """On this tiny CNN the ARM kernels differ for real: the float files by about 2e-7 (other float kernels) and
    the int8 TFLite file by one output step (1/256) on some samples; the int8 ONNX file is identical. A zero
    tolerance fails the run (exit 1); one int8 output step passes it."""
    run = tiny_run.copy(tmp_path / "copy")
    base = run.recipe.read_text()

    def verify_with(arm: str):
        run.recipe.write_text(base.replace("  min_accuracy: 0.3\n", f"  min_accuracy: 0.3\n  arm: {arm}\n"))
        result = CliRunner().invoke(cli, ["optimize", str(run.recipe), "--run-dir", str(run.run_dir)])
        return result, json.loads((run.run_dir / "report.json").read_text())

    strict, report = verify_with("{cpu: cortex-a53, max_abs_diff: 0.0}")
    assert strict.exit_code == 1, strict.output
    arm = {a["name"]: a["accuracy"]["arm"] for a in report["artifacts"]}
    assert set(arm) == {"tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"}
    assert all(a["top1"] == a["top1_x86"] and a["agreement"] == 1.0 for a in arm.values()), arm
    assert 0 < arm["tflite_float32"]["max_abs_diff"] < 1e-5 and 0 < arm["onnx_float32"]["max_abs_diff"] < 1e-5
    assert arm["tflite_int8"]["max_abs_diff"] == pytest.approx(1 / 256)
    failed = {g["artifact"] for g in report["gates"] if g["gate"] == "arm_max_abs_diff" and not g["passed"]}
    assert failed == {n for n, a in arm.items() if a["max_abs_diff"] > 0}
    assert report["verify"]["arm"]["machine"]["arch"] == "aarch64"
    assert "## On aarch64 (cortex-a53, emulated)" in (run.run_dir / "report.md").read_text()

    one_step, report = verify_with("{cpu: cortex-a53, max_abs_diff: 0.0040}")
    assert one_step.exit_code == 0, one_step.output
    assert all(g["passed"] for g in report["gates"] if g["gate"].startswith("arm_"))
