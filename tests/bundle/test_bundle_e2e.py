"""Bundles from a tiny run: every file present, loaded back by its runtime at the verified top-1, metadata read
back with TensorFlow Lite Support's MetadataDisplayer, checksums in the card matching the files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.hashing import sha256_file
from tests.conftest import TINY_RECIPE, optimize_tiny

RECIPE = TINY_RECIPE.replace(
    "  onnx: [float32, int8]\n",
    "  onnx: [float32, int8]\n  bundle: [android, ios, generic]\n  author: Edge Team\n  license: MIT\n",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = optimize_tiny(tmp_path_factory, "bundle", RECIPE)
    return run_dir, json.loads((run_dir / "report.json").read_text())


@pytest.mark.slow
def test_each_target_has_its_files_and_a_card_that_matches_them(run):
    run_dir, report = run
    every = {"model.tflite", "labels.txt", "model_card.json", "README.md", "golden"}
    ort = {"model.ort", "required_operators.config"}
    expected = {"android": every, "ios": every | ort, "generic": every | ort | {"model.onnx"}}
    verified = {a["name"]: a["accuracy"]["top1"] for a in report["artifacts"]}
    for b in report["bundles"]:
        folder = run_dir / b["dir"]
        assert {p.name for p in folder.iterdir()} == expected[b["target"]]
        assert (folder / "labels.txt").read_text().split() == [str(i) for i in range(10)]
        card = json.loads((folder / "model_card.json").read_text())
        assert card["license"] == "MIT" and card["author"] == "Edge Team"
        for m in card["models"]:
            assert m["sha256"] == sha256_file(folder / m["file"])
            assert m["accuracy"]["top1"] == verified[m["source_artifact"]]
            i = m["inputs"][0]
            assert i["layout"] == "NHWC" and i["shape"][1:] == [16, 16, 1] and i["normalization"]["std"] == [255.0]
            assert m["operators"]
        tfl = next(m for m in card["models"] if m["file"] == "model.tflite")
        assert tfl["inputs"][0]["dtype"] == "int8" and tfl["inputs"][0]["quantization"]["scale"] > 0
        assert tfl["signatures"] == {"serving_default": {"inputs": ["input"], "outputs": ["probabilities"]}}
        for name, digest in card["files"].items():
            assert digest == sha256_file(folder / name)
        models = {m["file"] for m in card["models"]}
        assert {f"golden/{m}.npy" for m in models} | {"golden/inputs.npy", "golden/golden.json"} <= set(card["files"])
        # The stage loaded every bundled model back and got the verified top-1 (it fails the run otherwise).
        assert {c["file"] for c in b["checks"]} == {m["file"] for m in card["models"]}
        assert all(c["top1"] == c["verified_top1"] for c in b["checks"])


@pytest.mark.slow
@pytest.mark.needs("libusb")
def test_metadata_reads_back_with_the_official_displayer_and_the_model_still_runs(run):
    import numpy as np
    from tensorflow_lite_support.metadata.python import metadata

    from edgeopt.runtime.runners import open_runner

    run_dir, report = run
    android = run_dir / next(b["dir"] for b in report["bundles"] if b["target"] == "android")
    displayer = metadata.MetadataDisplayer.with_model_file(str(android / "model.tflite"))
    md = json.loads(displayer.get_metadata_json())
    assert md["name"] == "tiny" and md["author"] == "Edge Team" and md["license"] == "MIT"
    image = md["subgraph_metadata"][0]["input_tensor_metadata"][0]
    assert image["content"]["content_properties"]["color_space"] == "GRAYSCALE"
    assert image["process_units"][0]["options"] == {"mean": [0.0], "std": [255.0]}
    out = md["subgraph_metadata"][0]["output_tensor_metadata"][0]
    labels = out["associated_files"][0]
    assert labels["name"] == "labels.txt" and labels["type"] == "TENSOR_AXIS_LABELS"
    assert displayer.get_packed_associated_file_list() == ["labels.txt"]
    assert displayer.get_associated_file_buffer("labels.txt").decode().split() == [str(i) for i in range(10)]
    probs = open_runner(android / "model.tflite").predict(np.zeros((2, 16, 16, 1), np.float32))
    assert probs.shape == (2, 10)


@pytest.mark.slow
def test_golden_vectors_are_the_verified_files_outputs_and_pass_on_this_machine(run):
    import numpy as np

    from edgeopt.runtime.runners import open_runner

    run_dir, report = run
    generic = run_dir / next(b["dir"] for b in report["bundles"] if b["target"] == "generic")
    golden = json.loads((generic / "golden" / "golden.json").read_text())
    x = np.load(generic / "golden" / "inputs.npy")
    assert x.shape == (8, 16, 16, 1) and golden["inputs"]["labels"] and len(golden["inputs"]["labels"]) == 8
    assert set(golden["models"]) == {"model.tflite", "model.onnx", "model.ort"}
    for name, entry in golden["models"].items():
        expected = np.load(generic / "golden" / entry["outputs"])
        assert np.array_equal(open_runner(generic / name).predict(x), expected)  # this machine's runtime made them
        assert entry["top1"] == [int(v) for v in expected.argmax(-1)]
    result = CliRunner().invoke(cli, ["check-device", str(generic), "--target", "local", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["passed"] and {r["file"] for r in out["models"]} == set(golden["models"])
    assert all(r["agreement"] == 1.0 and r["max_abs_diff"] == 0.0 for r in out["models"])  # same runtime: exact


def test_a_bundle_without_golden_vectors_or_with_a_corrupt_one_is_exit_3(tmp_path):
    result = CliRunner().invoke(cli, ["check-device", str(tmp_path)])
    assert result.exit_code == 3 and "no golden/golden.json" in result.stderr
    (tmp_path / "golden").mkdir()
    (tmp_path / "golden" / "golden.json").write_text('{"inputs": {"file": "inputs.npy", "sha256": "0"}, "models": {}}')
    (tmp_path / "golden" / "inputs.npy").write_bytes(b"not numpy")
    result = CliRunner().invoke(cli, ["check-device", str(tmp_path)])
    assert result.exit_code == 3 and "does not match its sha256" in result.stderr


def test_bundles_need_a_verify_section(tmp_path):
    text = RECIPE[: RECIPE.index("verify:")]
    (tmp_path / "r.yaml").write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "r.yaml")])
    assert result.exit_code == 2 and "export.bundle checks every bundled model" in result.stderr


@pytest.mark.slow
def test_inspect_reads_every_bundled_format_without_running_it(run):
    run_dir, report = run
    generic = run_dir / next(b["dir"] for b in report["bundles"] if b["target"] == "generic")
    runner = CliRunner()
    tfl = json.loads(runner.invoke(cli, ["inspect", str(generic / "model.tflite"), "--json"]).stdout)
    assert tfl["int8_compute_share"] == 1.0 and tfl["float_compute_ops"] == []
    assert tfl["inputs"][0]["dtype"] == "INT8" and tfl["inputs"][0]["layout"] == "NHWC" and "scale" in tfl["inputs"][0]
    assert tfl["metadata"]["metadata"]["name"] == "tiny" and tfl["metadata"]["labels"][0] == "0"
    assert tfl["constant_bytes"]["INT8"] > 0
    ort = json.loads(runner.invoke(cli, ["inspect", str(generic / "model.ort"), "--json"]).stdout)
    assert any(op.startswith("com.microsoft:QLinear") for op in ort["op_counts"])
    onnx = json.loads(runner.invoke(cli, ["inspect", str(generic / "model.onnx"), "--json"]).stdout)
    assert onnx["op_counts"]["QuantizeLinear"] > 0 and onnx["constant_bytes"]["INT8"] > 0
    keras_file = next(run_dir.glob("*-train-*/model.keras"))
    k = json.loads(runner.invoke(cli, ["inspect", str(keras_file), "--json"]).stdout)
    assert k["layer_counts"]["Conv2D"] >= 1 and k["inputs"][0]["shape"][1:] == [16, 16, 1]
    text = runner.invoke(cli, ["inspect", str(generic / "model.tflite")]).stdout
    assert "int8 compute share: 100%" in text and "metadata: tiny 1.0.0, associated files labels.txt" in text


def test_inspect_rejects_a_corrupt_file_with_exit_3(tmp_path):
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"not a flatbuffer at all")
    result = CliRunner().invoke(cli, ["inspect", str(bad)])
    assert result.exit_code == 3 and "broken.tflite" in result.stderr


@pytest.mark.slow
def test_a_failing_bundle_keeps_the_run_reports_it_and_exits_4(tmp_path, monkeypatch):
    import sys

    (tmp_path / "r.yaml").write_text(RECIPE)
    args = ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")]
    hidden = [m for m in sys.modules if m.split(".")[0] == "tensorflow_lite_support"] + ["tensorflow_lite_support"]
    with monkeypatch.context() as m:
        for name in hidden:  # as if tflite-support were not installed: its metadata schema cannot be imported
            m.setitem(sys.modules, name, None)
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 4, result.output
    run_dir = tmp_path / "run"
    report = json.loads((run_dir / "report.json").read_text())
    assert [f["part"] for f in report["failed_parts"]] == ["bundle"]
    assert f"{sys.executable} -m pip install --no-deps tflite-support==0.4.4" in report["failed_parts"][0]["error"]
    assert report["bundles"] == [] and not list(run_dir.glob("*-bundle-*"))  # no half-written bundle
    assert json.loads((run_dir / "manifest.json").read_text())["failed_parts"] == report["failed_parts"]
    assert all(a["accuracy"]["top1"] > 0.3 and a["latency"]["p50_ms"] > 0 for a in report["artifacts"])
    assert all((run_dir / a["file"]).is_file() for a in report["artifacts"])
    assert "## Failed parts" in (run_dir / "report.md").read_text()
    assert "Failed parts" in (run_dir / "report.html").read_text()
    assert "tflite_int8" in result.stdout and "failed: bundle: TFLite metadata needs" in result.stdout
    assert "FAIL" in result.stdout
    # The fix the message names, then the same command: only the bundle (and the report) run again.
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads((run_dir / "report.json").read_text())
    assert report["failed_parts"] == [] and {b["target"] for b in report["bundles"]} == {"android", "ios", "generic"}
    reused = {s["name"]: s["reused"] for s in json.loads((run_dir / "manifest.json").read_text())["stages"]}
    assert reused["export"] and reused["verify"] and reused["bench"] and not reused["bundle"]
