"""The ONNX int8 check reads the element types onnxruntime's profiler records for each kernel it ran, so a fused
float kernel it has no name for is still reported (issue: QAT files whose Conv+Clip ran as float FusedConv)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edgeopt.formats.onnx.read import read_onnx


def _qdq_conv_model(path, fusable: bool):
    """x -> Q -> DQ -> Conv -> Clip(0, 6) -> Q -> DQ -> y, the layout tf2onnx writes for a QAT Conv+ReLU6.
    fusable: int8 weights behind a DequantizeLinear and an output range of exactly [0, 6], so the Clip is
    redundant and onnxruntime fuses the whole into QLinearConv. Otherwise (float weights, and a signed output
    range that keeps the Clip) it fuses Conv+Clip into a float kernel between the Q/DQ pairs."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    inits = [
        numpy_helper.from_array(np.array(0.02, np.float32), "s"),
        numpy_helper.from_array(np.array(128, np.uint8), "z"),
        numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
        numpy_helper.from_array(np.array(6.0, np.float32), "hi"),
    ]
    if fusable:
        inits += [
            numpy_helper.from_array(np.array(6 / 255, np.float32), "os"),
            numpy_helper.from_array(np.array(0, np.uint8), "oz"),
        ]
    out_q = ["os", "oz"] if fusable else ["s", "z"]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"]),
    ]
    if fusable:
        scale = np.abs(w).max() / 127
        inits += [
            numpy_helper.from_array(np.round(w / scale).astype(np.int8), "wq"),
            numpy_helper.from_array(np.array(scale, np.float32), "ws"),
            numpy_helper.from_array(np.array(0, np.int8), "wz"),
        ]
        nodes.append(helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"]))
    else:
        inits.append(numpy_helper.from_array(w, "w"))
    nodes += [
        helper.make_node("Conv", ["xd", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c", "lo", "hi"], ["r"]),
        helper.make_node("QuantizeLinear", ["r", *out_q], ["rq"]),
        helper.make_node("DequantizeLinear", ["rq", *out_q], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def test_a_float_conv_between_qdq_pairs_is_reported_whatever_onnxruntime_names_it(tmp_path):
    contents = read_onnx(_qdq_conv_model(tmp_path / "float_w.onnx", fusable=False), executed=True)
    ran = set(contents["executed_op_counts"])
    assert "Clip" not in ran, ran  # onnxruntime fused Conv+Clip into one kernel (the case a name list missed)
    assert len(contents["executed_float_compute_ops"]) == 1, contents
    assert "Conv" in contents["executed_float_compute_ops"][0], contents


def test_a_conv_onnxruntime_runs_in_integer_is_not_reported(tmp_path):
    contents = read_onnx(_qdq_conv_model(tmp_path / "int8_w.onnx", fusable=True), executed=True)
    assert contents["executed_op_counts"].get("QLinearConv") == 1, contents["executed_op_counts"]
    assert contents["executed_float_compute_ops"] == [], contents
