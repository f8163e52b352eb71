"""Static reading of an .onnx file: operator counts, I/O, Q/DQ nodes, and what onnxruntime really runs in int8.

A QDQ file only *asks* for int8: onnxruntime fuses DequantizeLinear -> op -> QuantizeLinear into an integer
kernel where it has one, and otherwise runs the op in float between the Q/DQ pairs. So the honest check is on what
the session really runs: the element types its profiler records for every kernel, not the file's operators.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from edgeopt.errors import InputRejected
from edgeopt.formats.onnx.profile import node_events

QDQ = {"QuantizeLinear", "DequantizeLinear"}
# Operators that only move, reshape or re-lay out data (ReorderInput/ReorderOutput: onnxruntime's NCHWc layout).
# Left between DequantizeLinear and QuantizeLinear they still cost the two conversions, but no float arithmetic.
# Every other executed operator that works on float data computes in float. The list names what is
# harmless, not what computes, so an operator edgeopt has never heard of (a new fused kernel, such as FusedConv
# once was) is reported instead of missed.
DATA_MOVEMENT = {
    "Reshape",
    "Transpose",
    "Squeeze",
    "Unsqueeze",
    "Flatten",
    "Identity",
    "Shape",
    "Cast",
    "ReorderInput",
    "ReorderOutput",
    "Slice",
    "DepthToSpace",
    "SpaceToDepth",
    "Pad",  # copies, and writes the constant border
}
FLOAT = {"float", "float16", "double", "bfloat16"}
CONVERSIONS = QDQ | {"DynamicQuantizeLinear"}  # float <-> 8-bit by definition


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
        "weights": _weights(graph),
        "op_counts": dict(counts.most_common()),
        "qdq_nodes": sum(counts[op] for op in QDQ),
        "opset": max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=None),
        "inputs": io(graph.input),
        "outputs": io(graph.output),
    }
    if executed:
        nodes = node_events(path)
        out["executed_op_counts"] = dict(Counter(n["op"] for n in nodes).most_common())
        out["executed_float_compute_ops"] = float_compute_ops(nodes)
    return out


def float_compute_ops(nodes: list[dict]) -> list[str]:
    """Op types of the kernels onnxruntime ran in float, from its profiler's element types: a kernel that writes a
    float tensor or reads a float tensor of rank 2 or more (an activation or a float weight; an integer kernel's
    float inputs are its scales: scalars or per-channel vectors). Conversions and data movement are not compute.
    These are the float islands of an int8 file."""

    def reads_float_data(n: dict) -> bool:
        shapes = n.get("input_shapes") or [[0, 0]] * len(n["inputs"])
        return any(t in FLOAT and len(shape) >= 2 for t, shape in zip(n["inputs"], shapes, strict=False))

    return sorted(
        n["op"]
        for n in nodes
        if n["op"] not in CONVERSIONS | DATA_MOVEMENT and (FLOAT & set(n["outputs"]) or reads_float_data(n))
    )


WEIGHTED = {"Conv", "ConvTranspose", "Gemm", "MatMul", "QLinearConv", "ConvInteger", "MatMulInteger"}


def _weights(graph) -> list[dict]:
    """Kernels of weighted nodes (input 1, or input 3 of QLinearConv), followed back through DequantizeLinear
    to the stored initializer: its dtype, shape, share of zeros and number of distinct values."""
    import numpy as np
    from onnx import TensorProto, numpy_helper

    inits = {i.name: i for i in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    out = []
    for node in graph.node:
        if node.op_type not in WEIGHTED:
            continue
        name = node.input[3] if node.op_type == "QLinearConv" else node.input[1]
        if name not in inits and name in producers and producers[name].op_type == "DequantizeLinear":
            name = producers[name].input[0]
        if name not in inits:
            continue
        values = numpy_helper.to_array(inits[name])
        out.append(
            {
                "op": node.op_type,
                "tensor": name,
                "dtype": TensorProto.DataType.Name(inits[name].data_type),
                "shape": list(values.shape),
                "sparsity": round(float(np.mean(values == 0)), 4) if values.size else 0.0,
                "unique": int(np.unique(values).size),
            }
        )
    return out


def inspect_onnx(path: Path) -> dict:
    """`edgeopt inspect`: what onnxruntime runs, stored weight bytes by type, metadata and layouts."""
    import onnx

    s = read_onnx(path, executed=True)
    model = onnx.load(str(path), load_external_data=False)
    dtype = {v: k for k, v in onnx.TensorProto.DataType.items()}
    sizes: Counter = Counter()
    for init in model.graph.initializer:
        sizes[dtype.get(init.data_type, "UNKNOWN")] += len(init.raw_data) or init.ByteSize()
    s["constant_bytes"] = dict(sizes)
    ops = sum(s["executed_op_counts"].values()) or 1
    s["float_compute_ops"] = s.pop("executed_float_compute_ops")
    s["executed_float_share"] = round(len(s["float_compute_ops"]) / ops, 4)
    s["metadata"] = {p.key: p.value for p in model.metadata_props} or None
    for t in s["inputs"] + s["outputs"]:
        t["layout"] = "NHWC" if len(t["shape"]) == 4 else None
    s.pop("weights")
    return s


def inspect_ort(path: Path) -> dict:
    """`edgeopt inspect` of an ORT format file: operators from its flatbuffer, I/O from a loaded session."""
    import onnxruntime as ort
    from onnxruntime.tools.ort_format_model.ort_flatbuffers_py.fbs import InferenceSession

    buf = path.read_bytes()
    if not InferenceSession.InferenceSession.InferenceSessionBufferHasIdentifier(buf, 0):
        raise InputRejected(f"{path}: not an ORT format file (identifier 'ORTM' missing)")
    graph = InferenceSession.InferenceSession.GetRootAs(buf, 0).Model().Graph()
    ops = Counter(
        (graph.Nodes(i).Domain() or b"ai.onnx").decode() + ":" + graph.Nodes(i).OpType().decode()
        for i in range(graph.NodesLength())
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])  # loaded, not run
    io = [{"name": v.name, "dtype": v.type, "shape": v.shape} for v in session.get_inputs()]
    out = [{"name": v.name, "dtype": v.type, "shape": v.shape} for v in session.get_outputs()]
    return {"op_counts": dict(ops.most_common()), "inputs": io, "outputs": out}
