"""Latency measurement: each model in its own process, statistics, harness fidelity, interleaved rounds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.formats import FORMATS, for_path
from edgeopt.runtime.measure import measure

TFLITE, ONNX = FORMATS["tflite"], FORMATS["onnx"]
KNOBS = {"threads": 1, "xnnpack": True, "ort_opt": "all", "warmup": 1, "min_runs": 10, "min_seconds": 0.0, "amx": True}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.models import create_model

    root = tmp_path_factory.mktemp("bench")
    model = create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=4)
    calib = np.random.default_rng(0).random((8, 16, 16, 3), dtype=np.float32)
    export_tflite(model, root / "f32.tflite", "float32")
    export_tflite(model, root / "i8.tflite", "int8", calib)
    export_onnx_float(model, root / "f32.onnx", 17)
    quantize_onnx_int8(root / "f32.onnx", root / "i8.onnx", calib, per_channel=True)
    return root


@pytest.mark.parametrize("name", ["f32.tflite", "i8.tflite", "f32.onnx", "i8.onnx"])
def test_measure_reports_steady_state_apart_from_load_and_first_run(files, name):
    knobs = {**KNOBS, "min_runs": 50, "min_seconds": 0.05, "warmup": 3}
    out = measure(files / name, for_path(files / name).device_module, **knobs)
    s = out["steady"]
    assert s["runs"] >= 50 and 0 < s["min_ms"] <= s["p50_ms"] <= s["p90_ms"] <= s["p99_ms"]
    assert out["load_ms"] > 0 and out["first_inference_ms"] > 0 and out["peak_rss_mb"] > 10
    assert out["bare_p50_ms"] > 0 and out["fidelity_ratio"] > 0
    assert isinstance(s["noisy"], bool) and s["cv"] >= 0
    assert out["gzip_bytes"] < out["bytes"] * 1.1
    assert out["machine"]["cores"] >= 1 and "versions" in out["machine"]


def test_xnnpack_can_be_switched_off_and_ort_levels_chosen(files):
    assert measure(files / "i8.tflite", TFLITE.device_module, **{**KNOBS, "xnnpack": False})["xnnpack"] is False
    assert (
        measure(files / "f32.onnx", ONNX.device_module, **{**KNOBS, "ort_opt": "disable"})["graph_optimization"]
        == "disable"
    )


def test_amx_can_be_refused_to_the_measuring_process(files, tmp_path):
    """--no-amx: the kernel refuses AMX to the child (seccomp), so the runtimes take the kernels a CPU without AMX
    has. Measured in child processes: the filter cannot be lifted once installed."""
    from pathlib import Path

    from edgeopt.runtime.targets import LocalTarget, MeasureSettings

    flags = next((ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")), "")
    has_amx = "amx_int8" in flags.split()
    for name in ("i8.tflite", "i8.onnx"):
        denied = LocalTarget().measure(files / name, 1, MeasureSettings.defaults(**_quick(amx=False)))
        native = LocalTarget().measure(files / name, 1, MeasureSettings.defaults(**_quick()))
        assert denied["steady"]["runs"] >= 10
        assert denied["amx"] == ("denied" if denied["machine"]["arch"] == "x86_64" else "absent")
        assert native["amx"] == ("granted" if has_amx else "absent")
    out = tmp_path / "bench.json"
    args = ["bench", str(files / "i8.tflite"), "--no-amx", "--rounds", "1", "--min-runs", "10", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["results"][0]["settings"]["amx"] in ("denied", "absent")


def _quick(**more):
    return {"warmup": 1, "min_runs": 10, "min_seconds": 0.0, **more}


def test_bench_cli_interleaves_rounds_per_thread_count_in_subprocesses(files, tmp_path):
    out = tmp_path / "bench.json"
    args = [
        "bench",
        str(files / "f32.tflite"),
        str(files / "i8.tflite"),
        "--threads",
        "1,2",
        "--rounds",
        "2",
        "--min-runs",
        "20",
        "--min-seconds",
        "0",
        "--warmup",
        "2",
        "--json",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data == json.loads(result.stdout)
    rows = {(r["model"].rsplit("/", 1)[-1], r["threads"]): r for r in data["results"]}
    assert set(rows) == {("f32.tflite", 1), ("i8.tflite", 1), ("f32.tflite", 2), ("i8.tflite", 2)}
    assert all(r["rounds"] == 2 and len(r["round_p50_ms"]) == 2 for r in rows.values())
    # the child's own peak memory, not the pytest parent's (which holds TensorFlow, well over 500 MB)
    assert all(10 < r["peak_rss_mb"] < 500 for r in rows.values())
    assert rows[("f32.tflite", 2)]["ratio_to_first"] == 1.0
    assert rows[("i8.tflite", 1)]["ratio_to_first"] == pytest.approx(
        rows[("f32.tflite", 1)]["p50_ms"] / rows[("i8.tflite", 1)]["p50_ms"]
    )


def test_a_users_model_the_runtime_cannot_load_is_exit_3_naming_it(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x10\0\0\0TFL3" + b"\0" * 64)  # passes the header check, not the interpreter's verifier
    result = CliRunner().invoke(cli, ["bench", str(bad), "--min-runs", "1", "--rounds", "1"])
    assert result.exit_code == 3
    assert "bad.tflite: measurement: could not be loaded" in result.stderr


def test_bad_thread_list_is_a_usage_error(files):
    result = CliRunner().invoke(cli, ["bench", str(files / "f32.tflite"), "--threads", "0,x"])
    assert result.exit_code == 2 and "thread" in result.output


def test_bench_pairs_each_int8_file_with_the_float_file_of_its_format(files):
    """Whatever the order given, int8 TFLite is set against float32 TFLite and int8 ONNX against float32 ONNX; an
    int8 file that measures slower comes with the runtime's reasons."""
    args = ["bench", *(str(files / n) for n in ("i8.onnx", "f32.tflite", "i8.tflite", "f32.onnx"))]
    result = CliRunner().invoke(cli, [*args, "--rounds", "1", "--min-runs", "20", "--min-seconds", "0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    pairs = {p["format"]: p for p in data["pairs"]}
    assert set(pairs) == {"tflite", "onnx"} and len(data["pairs"]) == 2
    p50 = {r["model"].rsplit("/", 1)[-1]: r["p50_ms"] for r in data["results"]}
    for fmt, suffix in (("tflite", "tflite"), ("onnx", "onnx")):
        p = pairs[fmt]
        assert p["quantized"].endswith(f"i8.{suffix}") and p["float"].endswith(f"f32.{suffix}")
        assert p["ratio"] == pytest.approx(p50[f"i8.{suffix}"] / p50[f"f32.{suffix}"])
        assert ("slower_than_float" in p) == (p["ratio"] > 1)
        if p["ratio"] > 1:
            assert p["slower_than_float"]["reasons"], p
    text = CliRunner().invoke(cli, [*args, "--rounds", "1", "--min-runs", "20", "--min-seconds", "0"]).output
    assert "i8.tflite takes" in text and "of f32.tflite" in text and "i8.onnx takes" in text
