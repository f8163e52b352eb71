"""Static reading of an .onnx file: operator counts, I/O, Q/DQ nodes, and what onnxruntime really runs in int8.

A QDQ file only *asks* for int8: onnxruntime fuses DequantizeLinear -> op -> QuantizeLinear into an integer
kernel where it has one, and otherwise runs the op in float between the Q/DQ pairs. So the honest check is on the
graph the session builds (its optimized model), not on the file.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

QDQ = {"QuantizeLinear", "DequantizeLinear"}
# Operators that compute (as opposed to moving or reshaping data); float instances of these are float islands.
COMPUTE = {
    "Conv", "ConvTranspose", "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "AveragePool", "MaxPool",
    "GlobalAveragePool", "GlobalMaxPool", "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Softmax",
    "Concat", "ReduceMean", "LeakyRelu", "Tanh", "Resize",
}  # fmt: skip


def read_onnx(path: Path, executed: bool = False) -> dict:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    counts = Counter(n.op_type for n in graph.node)
    dtype = {v: k for k, v in onnx.TensorProto.DataType.items()}
    inits = {i.name for i in graph.initializer}

    def io(values) -> list[dict]:
        return [
            {
                "name": v.name,
                "dtype": dtype.get(v.type.tensor_type.elem_type, "UNKNOWN"),
                "shape": [d.dim_value or d.dim_param or None for d in v.type.tensor_type.shape.dim],
            }
            for v in values
            if v.name not in inits
        ]

    out = {
        "op_counts": dict(counts.most_common()),
        "qdq_nodes": sum(counts[op] for op in QDQ),
        "opset": max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=None),
        "inputs": io(graph.input),
        "outputs": io(graph.output),
    }
    if executed:
        ops = executed_ops(path)
        out["executed_op_counts"] = dict(ops.most_common())
        out["executed_float_compute_ops"] = sorted(op for op in ops if op in COMPUTE)
    return out


def executed_ops(path: Path) -> Counter:
    """Operator counts of the graph onnxruntime's CPU provider builds (extended optimizations, where QDQ fusion
    happens; layout-only rewrites of ORT_ENABLE_ALL are left out so the result can be saved and read back)."""
    import onnx
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="edgeopt-ort-") as work:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        opts.optimized_model_filepath = str(Path(work) / "optimized.onnx")
        opts.log_severity_level = 3
        ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        return Counter(n.op_type for n in onnx.load(opts.optimized_model_filepath).graph.node)
