"""Every compression technique on a tiny model, proven in the exported files (read back, not trusted)."""

from __future__ import annotations

import numpy as np
import pytest

import edgeopt
from edgeopt.formats.onnx.read import read_onnx
from edgeopt.formats.tflite.read import read_tflite

pytestmark = pytest.mark.slow

BASE = """\
name: {name}
seed: 0
data: {{image_size: 16, channels: 3}}
model: {{arch: tiny_cnn, width: 2.0}}
train: {{epochs: 3, batch_size: 32, learning_rate: 0.01}}
{extra}
export: {{tflite: [{tflite}], onnx: [{onnx}]}}
verify: {{max_drop: 1.0}}
"""
PTQ = "quantize: {calibration_samples: 50}"
TECHNIQUES = {
    "prune": (
        "prune: {target_sparsity: 0.5, epochs: 2, frequency: 5, exclude: [stem_conv]}\n" + PTQ,
        "float32, int8",
        "float32, int8",
    ),
    "prune24": (
        "prune: {structure: '2:4', schedule: constant, epochs: 1, exclude: [stem_conv]}\n" + PTQ,
        "float32, int8",
        "int8",
    ),
    "cluster": ("cluster: {clusters: 8, epochs: 1, exclude: [stem_conv]}\n" + PTQ, "float32, int8", "int8"),
    "qat": ("quantize: {method: qat, qat_epochs: 1, calibration_samples: 50, max_drop: 1.0}", "int8", "int8"),
    "pqat": (
        "prune: {target_sparsity: 0.5, epochs: 2, frequency: 5, exclude: [stem_conv]}\n"
        "quantize: {method: qat, qat_epochs: 1, calibration_samples: 50}",
        "int8",
        "int8",
    ),
    "int16x8": (PTQ, "int16x8", "float32"),
    "float16": ("", "float16", "float32"),
    "dynamic": ("", "dynamic", "dynamic"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compression")
    out = {}
    for name, (extra, tflite, onnx) in TECHNIQUES.items():
        recipe = root / f"{name}.yaml"
        recipe.write_text(BASE.format(name=name, extra=extra, tflite=tflite, onnx=onnx))
        # one run dir: data/build/train are reused
        report = edgeopt.optimize(recipe, run_dir=root / "run", share_run_dir=True)
        run_dir = root / "run"
        out[name] = (report, {a["name"]: run_dir / a["file"] for a in report["artifacts"]})
    return out


def _pruned_kernels(weights, min_size=64):
    return [w for w in weights if np.prod(w["shape"]) >= min_size and w["op"] != "DEPTHWISE_CONV_2D"]


def test_pruning_reaches_its_target_in_every_exported_file(runs):
    report, files = runs["prune"]
    assert report["compression"]["prune"]["mean_sparsity"] >= 0.49
    for name in ("tflite_float32", "tflite_int8"):
        kernels = [w for w in read_tflite(files[name]).weights if w["tensor"] and "stem" not in w["tensor"]]
        pruned = [w for w in _pruned_kernels(kernels)]
        assert pruned and all(w["sparsity"] >= 0.49 for w in pruned), (name, pruned)
    onnx_kernels = [w for w in read_onnx(files["onnx_int8"])["weights"] if w["dtype"] == "INT8"]
    assert sum(w["sparsity"] >= 0.49 for w in onnx_kernels) >= 2, onnx_kernels


def test_2_of_4_pattern_holds_in_the_int8_tflite_weights(runs):
    from ai_edge_litert import schema_py_generated as schema

    _report, files = runs["prune24"]
    buf = files["tflite_int8"].read_bytes()
    model = schema.Model.GetRootAs(buf, 0)
    graph = model.Subgraphs(0)
    checked = 0
    for w in read_tflite(files["tflite_int8"]).weights:
        if w["op"] != "FULLY_CONNECTED" and not (w["op"] == "CONV_2D" and w["shape"][-1] % 4 == 0):
            continue
        if w["shape"][-1] % 4:
            continue
        idx = next(i for i in range(graph.TensorsLength()) if graph.Tensors(i).Name().decode() == w["tensor"])
        data = model.Buffers(graph.Tensors(idx).Buffer()).DataAsNumpy()
        groups = np.frombuffer(data.tobytes(), np.int8).reshape(-1, 4)
        assert (np.sum(groups == 0, axis=1) >= 2).all(), w["tensor"]
        checked += 1
    assert checked >= 2


def test_clustered_kernels_keep_at_most_the_cluster_count_per_channel(runs):
    report, files = runs["cluster"]
    assert max(report["compression"]["cluster"]["layers"].values()) <= 8
    # The converter folds BatchNorm into the kernels, scaling each output channel: the bound holds per channel.
    for name in ("tflite_float32", "tflite_int8"):
        clustered = [
            w
            for w in read_tflite(files[name]).weights
            if w["op"] in ("CONV_2D", "FULLY_CONNECTED") and "stem" not in w["tensor"]
        ]
        assert len(clustered) >= 2 and all(w["unique_per_channel"] <= 8 for w in clustered), clustered


@pytest.mark.parametrize("name", ["qat", "pqat"])
def test_qat_exports_are_integer_and_carry_qat_ranges_to_onnx(runs, name):
    report, files = runs[name]
    assert report["compression"]["quantize"]["scheme"] == name
    tfl = read_tflite(files["tflite_int8"])
    assert tfl.float_compute_ops == [] and tfl.inputs[0]["dtype"] == "INT8"
    onnx_int8 = read_onnx(files["onnx_int8"], executed=True)
    assert onnx_int8["qdq_nodes"] > 0
    # The QAT ranges in onnxruntime's own layout (formats/onnx/qat_ranges.py): the tiny CNN's three convolutions
    # (stem, depthwise, project; ReLU6 after each) all run as integer QLinearConv, none as a float conv kernel.
    # (tf2onnx's layout kept a ReLU6 between Conv and Q, and onnxruntime ran Conv+Clip as a float FusedConv.)
    ran = onnx_int8["executed_op_counts"]
    float_convs = [op for op in onnx_int8["executed_float_compute_ops"] if "Conv" in op]
    assert not float_convs and ran.get("QLinearConv", 0) == 3, (ran, onnx_int8["executed_float_compute_ops"])
    artifact = next(a for a in report["artifacts"] if a["name"] == "onnx_int8")
    assert artifact["contents"]["executed_float_compute_ops"] == onnx_int8["executed_float_compute_ops"]
    acc = {a["name"]: a["accuracy"] for a in report["artifacts"]}
    assert acc["tflite_int8"]["agreement"] > 0.8 and acc["onnx_int8"]["agreement"] > 0.8
    for a in report["artifacts"]:
        # No per-layer diagnosis of a QAT file (its ranges come from training); a budget is still checked.
        assert a.get("diagnosis") is None
        assert (a.get("budget") is not None) == (name == "qat" and a["precision"] != "float32")


def test_prune_preserving_qat_keeps_the_zeros(runs):
    _, files = runs["pqat"]
    pruned = _pruned_kernels(read_tflite(files["tflite_int8"]).weights)
    assert sum(w["sparsity"] >= 0.49 for w in pruned) >= 2, pruned


def test_int16x8_has_int16_activations(runs):
    _, files = runs["int16x8"]
    tfl = read_tflite(files["tflite_int16x8"])
    assert tfl.tensor_dtypes.get("INT16", 0) > 0
    assert {w["dtype"] for w in tfl.weights} == {"INT8"}


def test_float16_weights_are_really_float16(runs):
    _, files = runs["float16"]
    tfl = read_tflite(files["tflite_float16"])
    assert {w["dtype"] for w in tfl.weights} == {"FLOAT16"}
    assert files["tflite_float16"].stat().st_size < runs["prune"][1]["tflite_float32"].stat().st_size


def test_dynamic_range_files_have_int8_weights_and_float_activations(runs):
    _, files = runs["dynamic"]
    tfl = read_tflite(files["tflite_dynamic"])
    assert "INT8" in {w["dtype"] for w in tfl.weights}
    assert tfl.inputs[0]["dtype"] == "FLOAT32"
    onnx_dyn = read_onnx(files["onnx_dynamic"])
    assert {"DynamicQuantizeLinear", "ConvInteger", "MatMulInteger"} & set(onnx_dyn["op_counts"])
