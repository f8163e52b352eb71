"""ONNX int8 sensitivity with onnxruntime's QDQ debugging tools (onnxruntime.quantization.qdq_loss_debug).

Both models are augmented to output every activation and run on the same samples; create_activation_matching
pairs each quantized tensor with its float counterpart. The per-layer figure passes the float activation
through that tensor's own QuantizeLinear scale and zero point: the noise this tensor's quantization adds on its
own. ORT's "qdq_err" compares the tensors around Q/DQ inside the quantized model, which for Conv+Relu holds the
pre-ReLU values (the quantizer folds the ReLU into Q), so it is reported but not ranked on; ORT's cross-model
"xmodel_err" (accumulated drift at that tensor) is reported beside it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeopt.diagnose.names import keras_layer, rank, sqnr_db
from edgeopt.errors import ToolchainError
from edgeopt.native_stderr import captured_native_stderr

# Ops the quantizer folds into the producer's Q/DQ: keeping their output float means keeping the producer float.
_FOLDED = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish"}


@dataclass
class OnnxGraph:
    producer: dict[str, object] = field(default_factory=dict)  # tensor -> NodeProto
    consumers: dict[str, list] = field(default_factory=dict)

    def keep_float(self, tensor: str) -> list[str]:
        """Node names for nodes_to_exclude so `tensor` stays float: the producer (and the op a folded activation
        follows) and every consumer."""
        nodes, node = [], self.producer.get(tensor)
        while node is not None:
            nodes.append(node.name)
            node = self.producer.get(node.input[0]) if node.op_type in _FOLDED and node.input else None
        nodes += [n.name for n in self.consumers.get(tensor, [])]
        return list(dict.fromkeys(nodes))


def graph(path: Path) -> OnnxGraph:
    import onnx

    g = OnnxGraph()
    for node in onnx.load(str(path)).graph.node:
        for out in node.output:
            g.producer[out] = node
        for inp in node.input:
            g.consumers.setdefault(inp, []).append(node)
    return g


def _scales(qdq_path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """tensor -> (scale, zero point) of the QuantizeLinear that quantizes it."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(qdq_path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out = {}
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear" and node.input[1] in inits:
            zp = inits.get(node.input[2]) if len(node.input) > 2 else np.zeros((), np.uint8)
            out[node.input[0]] = (inits[node.input[1]], zp)
    return out


def _fake_quant(f: np.ndarray, scale: np.ndarray, zp: np.ndarray) -> np.ndarray:
    info = np.iinfo(zp.dtype)
    q = np.clip(np.round(f / scale) + zp.astype(np.float64), info.min, info.max)
    return (q - zp.astype(np.float64)) * scale


def sensitivity(float_path: Path, qdq_path: Path, x: np.ndarray, layers: set[str]) -> list[dict]:
    """Ranked rows for the QDQ model `qdq_path` quantized from `float_path`, measured on samples `x`."""
    from onnxruntime.quantization import qdq_loss_debug as qdq

    from edgeopt.runtime.ort_reader import sample_reader

    try:
        with tempfile.TemporaryDirectory(prefix="edgeopt-qdq-debug-") as work, captured_native_stderr("qdq_loss_debug"):
            acts = {}
            for label, path in (("float", float_path), ("qdq", qdq_path)):
                augmented = str(Path(work) / f"{label}.onnx")
                qdq.modify_model_output_intermediate_tensors(str(path), augmented)
                acts[label] = qdq.collect_activations(augmented, sample_reader(x))
            matched = qdq.create_activation_matching(acts["qdq"], acts["float"])
            ort_err = qdq.compute_activation_error(matched)
    except Exception as exc:
        raise ToolchainError(f"onnxruntime QDQ debugging failed: {type(exc).__name__}: {exc}") from exc
    scales, producer = _scales(qdq_path), graph(float_path).producer
    rows = []
    for tensor, match in matched.items():
        if "float" not in match or tensor not in scales:
            continue
        f = np.concatenate([a.ravel() for a in match["float"]]).astype(np.float64)
        noise = f - _fake_quant(f, *scales[tensor])
        signal_power, noise_power = float(np.mean(f**2)), float(np.mean(noise**2))
        node = producer[tensor].name if tensor in producer else tensor
        rows.append(
            {
                "tensor": tensor,
                "node": node,
                "layer": keras_layer(node, layers),
                "sqnr_db": sqnr_db(signal_power, noise_power),
                "noise_power": noise_power,
                "signal_power": signal_power,
                "scale": float(np.max(scales[tensor][0])),
                "ort_qdq_err_db": float(ort_err[tensor]["qdq_err"]),
                "ort_xmodel_err_db": _maybe(ort_err[tensor].get("xmodel_err")),
            }
        )
    return rank(rows)


def _maybe(value) -> float | None:
    return None if value is None else float(value)
