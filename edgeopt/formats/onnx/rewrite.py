"""Graph rewrites before static quantization, for operators onnxruntime has no integer kernel for.

A BatchNormalization that no convolution absorbs (ResNet v2's pre-activation BN follows the residual Add) would
run in float between Q/DQ pairs. In inference it is one per-channel multiply and add, which onnxruntime does run
in integer (QLinearMul, QLinearAdd): same arithmetic in float, to rounding.
"""

from __future__ import annotations

import numpy as np


def batchnorm_to_mul_add(model) -> int:
    """Rewrite every inference-mode BatchNormalization with constant parameters, in place; returns how many."""
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    done = 0
    nodes = []
    for node in graph.node:
        params = node.input[1:5]
        training = any(a.name == "training_mode" and a.i for a in node.attribute)
        if (
            node.op_type != "BatchNormalization"
            or training
            or len(node.output) != 1
            or not all(p in inits for p in params)
        ):
            nodes.append(node)
            continue
        eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
        gamma, beta, mean, var = (numpy_helper.to_array(inits[p]).astype(np.float64) for p in params)
        scale = gamma / np.sqrt(var + eps)
        shift = beta - mean * scale
        rank = _rank(graph, node.input[0])
        shape = [len(scale)] + [1] * max(rank - 2, 0)  # channel axis 1 (NCHW), broadcast over the rest
        base = node.name or f"bn{done}"
        s_name, b_name, mid = f"{base}/scale", f"{base}/shift", f"{base}/scaled"
        graph.initializer.extend(
            [
                numpy_helper.from_array(scale.astype(np.float32).reshape(shape), s_name),
                numpy_helper.from_array(shift.astype(np.float32).reshape(shape), b_name),
            ]
        )
        nodes.append(helper.make_node("Mul", [node.input[0], s_name], [mid], name=f"{base}/mul"))
        nodes.append(helper.make_node("Add", [mid, b_name], [node.output[0]], name=f"{base}/add"))
        done += 1
    if done:
        del graph.node[:]
        graph.node.extend(nodes)
    return done


def _rank(graph, name: str) -> int:
    for v in [*graph.value_info, *graph.input, *graph.output]:
        if v.name == name and v.type.tensor_type.HasField("shape"):
            return len(v.type.tensor_type.shape.dim)
    return 4  # an image model's activations
