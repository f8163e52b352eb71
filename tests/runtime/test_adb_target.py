"""adb phone target: benchmark_model's documented output formats are parsed, and a stand-in adb replays the
device responses (there is no phone here): success, no device, unauthorized, several devices and a hang."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.runtime.adb_target import parse_benchmark_model

DATA = Path(__file__).with_name("data")


def test_parses_output_without_percentiles():
    out = parse_benchmark_model((DATA / "benchmark_model_2x.txt").read_text())
    assert out["runs"] == 3313 and out["warmup_runs"] == 1
    assert out["mean_ms"] == pytest.approx(0.3016) and "p50_ms" not in out  # not printed: left out, never guessed
    assert out["min_ms"] == pytest.approx(0.279) and out["std_ms"] == pytest.approx(0.021)
    assert out["load_ms"] == pytest.approx(3.521) and out["first_inference_ms"] == pytest.approx(1.071)
    assert out["peak_memory_mb"] == pytest.approx(3.39062) and out["init_memory_mb"] == pytest.approx(2.76562)


def test_parses_info_prefixed_output_with_percentiles_and_periodic_memory():
    out = parse_benchmark_model((DATA / "benchmark_model_info_prefix.txt").read_text())
    assert out["runs"] == 50 and out["mean_ms"] == pytest.approx(1240.27)
    assert out["p50_ms"] == pytest.approx(1239.807) and out["p95_ms"] == pytest.approx(1247.415)
    assert out["warmup_mean_ms"] == pytest.approx(1357.6) and out["load_ms"] == pytest.approx(5.579)
    assert out["peak_memory_mb"] == pytest.approx(112.5)  # the periodic monitor wins over the delta line


def test_parses_the_peak_memory_footprint_variant():
    out = parse_benchmark_model((DATA / "benchmark_model_peak_memory.txt").read_text())
    assert out["runs"] == 50 and out["mean_ms"] == pytest.approx(249.684) and "warmup_runs" not in out
    assert out["peak_memory_mb"] == pytest.approx(138.809) and out["init_memory_mb"] == pytest.approx(4.92969)


def test_output_without_timings_is_an_error():
    with pytest.raises(ValueError, match="no 'count=' timing line"):
        parse_benchmark_model("ERROR: Could not open 'model.tflite'.\n")


@pytest.fixture
def phone(tmp_path, monkeypatch):
    root = tmp_path / "phone"
    root.mkdir()
    adb = tmp_path / "adb"
    adb.write_text(f'#!/bin/sh\nexec {sys.executable} {Path(__file__).with_name("fake_adb.py")} "$@"\n')
    adb.chmod(0o755)
    binary = tmp_path / "benchmark_model"
    binary.write_bytes(b"\x7fELF fake arm64 binary")
    model = tmp_path / "model_int8.tflite"
    model.write_bytes(b"\x10\0\0\0TFL3" + b"\0" * 100)  # a TFLite header; the stand-in phone never runs it
    monkeypatch.setenv("FAKE_ADB_ROOT", str(root))
    monkeypatch.setenv("FAKE_ADB_OUTPUT", str(DATA / "benchmark_model_info_prefix.txt"))
    return {"root": root, "adb": adb, "binary": binary, "model": model}


def _bench(phone, target="adb://R5CT1234ABC", *extra):
    args = [
        "bench",
        str(phone["model"]),
        "--target",
        target,
        "--adb",
        str(phone["adb"]),
        "--benchmark-model",
        str(phone["binary"]),
        "--rounds",
        "1",
        "--json",
        *extra,
    ]
    return CliRunner().invoke(cli, args)


def test_phone_run_pushes_runs_parses_and_cleans_up(phone, monkeypatch):
    monkeypatch.setenv("FAKE_ADB_MODE", "ok")
    result = _bench(phone, "adb://R5CT1234ABC", "--taskset", "f0", "--threads", "4")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["results"][0]
    assert row["runtime"] == "benchmark_model" and row["p50_ms"] == pytest.approx(1239.807)
    assert row["load_ms"] == pytest.approx(5.579) and row["p90_ms"] is None
    log = (phone["root"] / "adb.log").read_text()
    assert "taskset f0" in log and "--num_threads=4" in log
    assert not list((phone["root"] / "data" / "local" / "tmp").iterdir())  # the pushed folder is gone


def test_single_connected_phone_is_used_without_a_serial(phone, monkeypatch):
    monkeypatch.setenv("FAKE_ADB_MODE", "ok")
    assert _bench(phone, "adb://").exit_code == 0


@pytest.mark.parametrize(
    ("mode", "target", "message"),
    [
        ("nodevice", "adb://R5CT1234ABC", "adb://R5CT1234ABC: device not found; connect it"),
        ("nodevice", "adb://", "no device is connected"),
        ("unauthorized", "adb://R5CT1234ABC", "adb://R5CT1234ABC: the device is unauthorized; unlock the phone"),
        ("multiple", "adb://", "several devices are connected (R5CT1234ABC, emulator-5554); name one"),
    ],
)
def test_device_problems_are_exit_4_naming_the_serial_and_the_fix(phone, monkeypatch, mode, target, message):
    monkeypatch.setenv("FAKE_ADB_MODE", mode)
    result = _bench(phone, target)
    assert result.exit_code == 4
    assert message in result.stderr


def test_a_hanging_adb_times_out_with_advice(phone, monkeypatch):
    monkeypatch.setenv("FAKE_ADB_MODE", "timeout")
    result = _bench(phone, "adb://R5CT1234ABC", "--timeout", "2")
    assert result.exit_code == 4
    assert "adb did not answer within" in result.stderr and "adb devices" in result.stderr


def test_missing_benchmark_model_binary_says_where_to_get_it(phone, monkeypatch):
    monkeypatch.setenv("FAKE_ADB_MODE", "ok")
    monkeypatch.setenv("PATH", os.defpath)
    args = ["bench", str(phone["model"]), "--target", "adb://R5CT1234ABC", "--adb", str(phone["adb"])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 4 and "--benchmark-model PATH" in result.stderr


def _android_bundle(folder: Path) -> Path:
    import numpy as np

    from edgeopt.bundle import golden
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.models import create_model

    folder.mkdir()
    x = np.random.default_rng(0).random((8, 16, 16, 3), dtype=np.float32)
    export_tflite(create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=4), folder / "model.tflite", "int8", x)
    golden.write(folder, [folder / "model.tflite"], x, np.zeros(8, int), "test")
    return folder


def _check(phone, bundle):
    args = ["check-device", str(bundle), "--target", "adb://R5CT1234ABC", "--adb", str(phone["adb"])]
    return CliRunner().invoke(cli, [*args, "--benchmark-model", str(phone["binary"]), "--json"])


def test_golden_vectors_run_through_benchmark_model_on_the_phone(phone, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_ADB_MODE", "ok")
    bundle = _android_bundle(tmp_path / "android")
    result = _check(phone, bundle)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    row = out["models"][0]
    assert row["passed"] and row["agreement"] == 1.0 and row["max_abs_diff"] == 0.0
    assert out["machine"] == {"cpu": "Pixel 7", "arch": "arm64-v8a", "runtime": "benchmark_model"}
    log = (phone["root"] / "adb.log").read_text()
    assert log.count("--output_filepath=") == 8 and "--input_layer_value_files=" in log  # one run per input
    assert not list((phone["root"] / "data" / "local" / "tmp").iterdir())  # the pushed folder is gone


def test_a_benchmark_model_without_output_filepath_is_exit_4_saying_so(phone, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_ADB_MODE", "ok")
    monkeypatch.setenv("FAKE_ADB_OLD_BINARY", "1")
    result = _check(phone, _android_bundle(tmp_path / "android"))
    assert result.exit_code == 4 and "need a build with --output_filepath" in result.stderr
    assert not list((phone["root"] / "data" / "local" / "tmp").iterdir())
