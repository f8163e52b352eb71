"""QAT into onnxruntime's own int8 layout: the learned ranges, not tf2onnx's Q/DQ placement.

tf2onnx turns a QAT model's fake-quant nodes into QuantizeLinear/DequantizeLinear pairs where TensorFlow had
them (after the convolution's bias, before its activation; around every weight), a layout onnxruntime fuses only
in part: on a residual CNN most convolutions ran in float and the file was slower than float32. Here the pairs
are lifted out again, each activation's scale and zero point kept, the weights left as the QAT-trained floats;
onnxruntime's static quantizer then writes its usual QDQ layout with those ranges as TensorQuantOverrides (and
re-quantizes the weights per channel, symmetric: the same int8 grid the QAT weight quantizer trained on, whose
scale is also the channel's max |w| / 127).

A ReLU's output range is cut at 0 (and a Clip's at its bounds): no value lies outside, and onnxruntime folds the
activation into the quantization after it. Measured: with the learned range kept as is (tfmot starts every
activation range at [-6, 6]), the file's outputs were wrong (top-1 agreement 0.0 with the QAT model on
tests/formats/test_onnx_qat_ranges.py's model, 1.0 once cut).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def lift_qdq(qdq_path: Path, float_path: Path) -> dict[str, tuple[float, float]]:
    """Write `qdq_path` without its Q/DQ pairs to `float_path`; return tensor -> (rmin, rmax), the real range of
    every activation pair removed."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(qdq_path))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer = {out: n for n in graph.node for out in n.output}
    rename: dict[str, str] = {}
    ranges: dict[str, tuple[float, float]] = {}
    dropped: set[int] = set()
    folded = []
    for node in graph.node:
        if node.op_type != "DequantizeLinear":
            continue
        scale = numpy_helper.to_array(inits[node.input[1]])
        zp = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 else np.zeros_like(scale, np.uint8)
        source = producer.get(node.input[0])
        if source is not None and source.op_type == "QuantizeLinear":
            x = source.input[0]
            rename[node.output[0]] = x
            dropped |= {id(node), id(source)}
            if x not in inits:  # an activation; a weight's range is its own max |w|
                ranges[x] = _bounded(_real_range(scale, zp), producer.get(x), inits)
        elif node.input[0] in inits:  # a weight tf2onnx already stored quantized: back to its float values
            q = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            shape = [1] * q.ndim
            if scale.size > 1:
                shape[axis] = scale.size
            w = (q - zp.reshape(shape).astype(np.float32)) * scale.reshape(shape).astype(np.float32)
            folded.append(numpy_helper.from_array(w.astype(np.float32), node.output[0]))
            dropped.add(id(node))
    kept = [n for n in graph.node if id(n) not in dropped]
    for n in kept:
        for i, name in enumerate(n.input):
            n.input[i] = _resolve(rename, name)
    for out in graph.output:
        out.name = _resolve(rename, out.name)
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(folded)
    used = {i for n in graph.node for i in n.input}
    keep_inits = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep_inits)
    onnx.save(model, str(float_path))
    return ranges


def _resolve(rename: dict[str, str], name: str) -> str:
    while name in rename:
        name = rename[name]
    return name


def _real_range(scale: np.ndarray, zp: np.ndarray) -> tuple[float, float]:
    info = np.iinfo(zp.dtype)
    s, z = float(np.asarray(scale).reshape(-1)[0]), int(np.asarray(zp).reshape(-1)[0])
    return (info.min - z) * s, (info.max - z) * s


def _bounded(bounds: tuple[float, float], node, inits) -> tuple[float, float]:
    """The range cut to what the producing activation can output."""
    from onnx import numpy_helper

    lo, hi = bounds
    if node is not None and node.op_type == "Relu":
        lo = max(lo, 0.0)
    elif node is not None and node.op_type == "Clip":
        limits = [float(numpy_helper.to_array(inits[n])) if n in inits else None for n in node.input[1:3]]
        if limits and limits[0] is not None:
            lo = max(lo, limits[0])
        if len(limits) > 1 and limits[1] is not None:
            hi = min(hi, limits[1])
    return lo, hi


def overrides(ranges: dict[str, tuple[float, float]]) -> dict[str, list[dict]]:
    """TensorQuantOverrides for onnxruntime's quantizer: each tensor's real range; onnxruntime derives the scale and
    zero point for the activation type it writes (uint8 or int8)."""
    return {t: [{"rmin": np.float32(lo), "rmax": np.float32(hi)}] for t, (lo, hi) in ranges.items()}
