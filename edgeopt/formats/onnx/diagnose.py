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
    """Ranked rows for the QDQ model `qdq_path` quantized from `float_path`, measured on samples `x`.

    Streamed: both augmented models run one sample at a time and every figure is a running sum, so memory is
    one sample's activations, not all of them (qdq_loss_debug.collect_activations keeps every activation of every
    sample: about 11 GB for MobileNetV2 at 224 px over 64 samples). The sums give the same figures as
    compute_signal_to_quantization_noice_ratio over the concatenated samples."""
    from onnxruntime.quantization import qdq_loss_debug as qdq

    try:
        with tempfile.TemporaryDirectory(prefix="edgeopt-qdq-debug-") as work, captured_native_stderr("qdq_loss_debug"):
            sessions = {}
            for label, path in (("float", float_path), ("qdq", qdq_path)):
                augmented = str(Path(work) / f"{label}.onnx")
                qdq.modify_model_output_intermediate_tensors(str(path), augmented)
                sessions[label] = _saving_session(augmented)
            sums = _stream(sessions, x, _scales(qdq_path))
    except Exception as exc:
        raise ToolchainError(f"onnxruntime QDQ debugging failed: {type(exc).__name__}: {exc}") from exc
    producer = graph(float_path).producer
    rows = []
    for tensor, s in sums.items():
        node = producer[tensor].name if tensor in producer else tensor
        rows.append(
            {
                "tensor": tensor,
                "node": node,
                "layer": keras_layer(node, layers),
                "sqnr_db": sqnr_db(s.signal / s.count, s.noise / s.count),
                "noise_power": s.noise / s.count,
                "signal_power": s.signal / s.count,
                "scale": s.scale,
                "ort_qdq_err_db": _ratio_db(s.pre, s.pre_post),
                "ort_xmodel_err_db": _ratio_db(s.signal, s.float_post),
            }
        )
    return rank(rows)


@dataclass
class _Sums:
    """Running sums over samples for one tensor: float power, own-quantization noise, and ORT's two errors."""

    scale: float
    count: int = 0
    signal: float = 0.0  # sum f^2 (float model)
    noise: float = 0.0  # sum (f - fake_quant(f))^2
    pre: float = 0.0  # sum pre_qdq^2 (quantized model, before its Q/DQ)
    pre_post: float = 0.0  # sum (pre_qdq - post_qdq)^2
    float_post: float = 0.0  # sum (f - post_qdq)^2


def _saving_session(path: str):
    """A session over an augmented model with graph optimizations off, as collect_activations makes it (fusions
    would remove the tensors being saved)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def _saved_names(session) -> list[str]:
    from onnxruntime.quantization.qdq_loss_debug import _TENSOR_SAVE_POSTFIX

    return [o.name for o in session.get_outputs() if o.name.endswith(_TENSOR_SAVE_POSTFIX)]


def _stream(sessions: dict, x: np.ndarray, scales: dict) -> dict[str, _Sums]:
    from onnxruntime.quantization import qdq_loss_debug as qdq

    from edgeopt.runtime.ort_reader import INPUT_NAME

    post = len(qdq._TENSOR_SAVE_POSTFIX)
    names = {label: _saved_names(s) for label, s in sessions.items()}
    # ORT's own matching, run on the tensor names instead of their values: tensor -> pre_qdq / post_qdq / float
    # names. Tensors with no float twin (ops the quantizer inserted or rewrote) are skipped, as are those with no
    # QuantizeLinear of their own.
    by = {label: {n[:-post]: [n] for n in ns} for label, ns in names.items()}
    matched = {
        t: {k: m[k][0] for k in ("pre_qdq", "post_qdq", "float")}
        for t, m in qdq.create_activation_matching(by["qdq"], by["float"]).items()
        if "float" in m and t in scales
    }
    sums = {t: _Sums(scale=float(np.max(scales[t][0]))) for t in matched}
    for sample in x:
        feed = {INPUT_NAME: sample[None].astype(np.float32)}
        acts = {}
        for label, session in sessions.items():
            wanted = sorted(
                {m[k] for m in matched.values() for k in (("float",) if label == "float" else ("pre_qdq", "post_qdq"))}
            )
            acts.update({(label, n): v for n, v in zip(wanted, session.run(wanted, feed), strict=True)})
        for t, m in matched.items():
            # float32 element-wise, summed pairwise by numpy: 2x faster than float64 and within 1e-5 of it
            f, pre, post_q = (
                acts[k].ravel() for k in (("float", m["float"]), ("qdq", m["pre_qdq"]), ("qdq", m["post_qdq"]))
            )
            s = sums[t]
            s.count += f.size
            s.signal += _sum_sq(f)
            s.noise += _sum_sq(f - _fake_quant32(f, *scales[t]))
            s.pre += _sum_sq(pre)
            s.pre_post += _sum_sq(pre - post_q)
            s.float_post += _sum_sq(f - post_q)
    return sums


def _sum_sq(v: np.ndarray) -> float:
    return float(np.sum(np.square(v, dtype=np.float32), dtype=np.float64))


def _fake_quant32(f: np.ndarray, scale: np.ndarray, zp: np.ndarray) -> np.ndarray:
    """_fake_quant in float32 (what QuantizeLinear computes in); float64 for a per-channel scale."""
    if np.size(scale) != 1:
        return _fake_quant(f.astype(np.float64), scale, zp)
    info = np.iinfo(zp.dtype)
    scale, zero = np.float32(np.asarray(scale).reshape(())), np.float32(zp.reshape(()))
    q = np.clip(np.rint(f / scale) + zero, info.min, info.max)
    return (q - zero) * scale


def _ratio_db(signal: float, noise: float) -> float:
    """compute_signal_to_quantization_noice_ratio from sums of squares: 20 log10(|x| / |x - y|), each norm at least
    float eps as ORT clamps it."""
    import math

    eps = float(np.finfo("float").eps)
    return 20 * math.log10(max(math.sqrt(signal), eps) / max(math.sqrt(noise), eps))
