"""Static reading of an .onnx file: operator counts, I/O, and the share of Q/DQ-wrapped compute."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

QDQ = {"QuantizeLinear", "DequantizeLinear"}


def read_onnx(path: Path) -> dict:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    counts = Counter(n.op_type for n in graph.node)
    dtype = {v: k for k, v in onnx.TensorProto.DataType.items()}

    def io(values) -> list[dict]:
        inits = {i.name for i in graph.initializer}
        return [
            {
                "name": v.name,
                "dtype": dtype.get(v.type.tensor_type.elem_type, "UNKNOWN"),
                "shape": [d.dim_value or d.dim_param or None for d in v.type.tensor_type.shape.dim],
            }
            for v in values
            if v.name not in inits
        ]

    return {
        "op_counts": dict(counts.most_common()),
        "qdq_nodes": sum(counts[op] for op in QDQ),
        "opset": max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=None),
        "inputs": io(graph.input),
        "outputs": io(graph.output),
    }
