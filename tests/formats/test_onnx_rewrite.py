"""A BatchNormalization no convolution absorbs becomes Mul + Add before ONNX quantization: equal in float, and
onnxruntime then runs it in integer instead of as a float island."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from edgeopt.formats.onnx.convert import quantize_onnx_int8
from edgeopt.formats.onnx.read import read_onnx
from edgeopt.formats.onnx.rewrite import batchnorm_to_mul_add
from edgeopt.runtime.ort_reader import INPUT_NAME

C = 6


def _relu_bn_model(path):
    """x -> Conv -> Relu -> BatchNormalization -> Relu -> y: the BN sits after an activation, so it cannot fold."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((C, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.uniform(0.5, 2, C).astype(np.float32), "gamma"),
        numpy_helper.from_array(rng.standard_normal(C).astype(np.float32), "beta"),
        numpy_helper.from_array(rng.standard_normal(C).astype(np.float32), "mean"),
        numpy_helper.from_array(rng.uniform(0.5, 2, C).astype(np.float32), "var"),
    ]
    nodes = [
        helper.make_node("Conv", [INPUT_NAME, "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("BatchNormalization", ["r", "gamma", "beta", "mean", "var"], ["b"], epsilon=1e-3),
        helper.make_node("Relu", ["b"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, C, 8, 8])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def _run(path, x):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {INPUT_NAME: x})[0]


def test_the_rewrite_computes_what_batchnorm_computes(tmp_path):
    path = _relu_bn_model(tmp_path / "bn.onnx")
    model = onnx.load(str(path))
    assert batchnorm_to_mul_add(model) == 1
    assert [n.op_type for n in model.graph.node] == ["Conv", "Relu", "Mul", "Add", "Relu"]
    onnx.save(model, tmp_path / "rewritten.onnx")
    x = np.random.default_rng(1).random((4, 3, 8, 8), dtype=np.float32)
    np.testing.assert_allclose(_run(tmp_path / "rewritten.onnx", x), _run(path, x), rtol=1e-5, atol=1e-5)


def test_int8_export_runs_no_float_batchnorm(tmp_path):
    path = _relu_bn_model(tmp_path / "bn.onnx")
    calibration = np.random.default_rng(2).random((8, 3, 8, 8), dtype=np.float32)
    quantize_onnx_int8(path, tmp_path / "bn8.onnx", calibration, per_channel=True)
    contents = read_onnx(tmp_path / "bn8.onnx", executed=True)
    assert contents["executed_float_compute_ops"] == [], contents["executed_op_counts"]
    x = calibration[:4]
    assert np.abs(_run(tmp_path / "bn8.onnx", x) - _run(path, x)).max() < 0.1 * np.abs(_run(path, x)).max()
