"""Static reading of a .tflite flatbuffer with the TFLite schema's generated code (ai_edge_litert).

Used to prove what an export contains (for example, that an int8 file has no float compute operator) from the
file's own tensors, instead of trusting the converter flags that produced it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Operators that only move data between dtypes or shapes; they are not compute.
NON_COMPUTE = {"QUANTIZE", "DEQUANTIZE", "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "SHAPE", "CAST", "TRANSPOSE"}
FLOAT_TYPES = {"FLOAT32", "FLOAT16", "FLOAT64", "BFLOAT16"}


WEIGHTED_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "CONV_3D"}
_NUMPY = {"FLOAT32": "<f4", "FLOAT16": "<f2", "INT8": "i1", "UINT8": "u1", "INT16": "<i2", "INT32": "<i4"}


@dataclass
class TFLiteSummary:
    operators: list[dict] = field(default_factory=list)  # {"op", "inputs": [dtype], "outputs": [dtype]}
    inputs: list[dict] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)
    tensor_dtypes: dict[str, int] = field(default_factory=dict)  # all tensors, by dtype
    weights: list[dict] = field(default_factory=list)  # kernels of weighted ops: dtype, shape, sparsity, unique
    constant_bytes: dict[str, int] = field(default_factory=dict)  # bytes of stored tensors (weights), by dtype

    @property
    def op_counts(self) -> dict[str, int]:
        return dict(Counter(o["op"] for o in self.operators).most_common())

    @property
    def float_compute_ops(self) -> list[str]:
        """Compute operators that read or write a float tensor (a float island in an int8 model)."""
        return [
            o["op"]
            for o in self.operators
            if o["op"] not in NON_COMPUTE and FLOAT_TYPES & set(o["inputs"] + o["outputs"])
        ]

    @property
    def int8_compute_share(self) -> float:
        compute = [o for o in self.operators if o["op"] not in NON_COMPUTE]
        if not compute:
            return 0.0
        return 1.0 - len(self.float_compute_ops) / len(compute)

    def to_dict(self) -> dict:
        return {
            "op_counts": self.op_counts,
            "float_compute_ops": self.float_compute_ops,
            "int8_compute_share": round(self.int8_compute_share, 4),
            "inputs": self.inputs,
            "outputs": self.outputs,
            "tensor_dtypes": self.tensor_dtypes,
            "weights": self.weights,
            "constant_bytes": self.constant_bytes,
        }


def _enum_names(enum_cls) -> dict[int, str]:
    return {v: k for k, v in vars(enum_cls).items() if not k.startswith("_") and isinstance(v, int)}


def read_tflite(path: Path) -> TFLiteSummary:
    from ai_edge_litert import schema_py_generated as schema

    buf = Path(path).read_bytes()
    if not schema.Model.ModelBufferHasIdentifier(buf, 0):
        raise ValueError(f"{path}: not a TFLite flatbuffer (file identifier 'TFL3' missing)")
    model = schema.Model.GetRootAs(buf, 0)
    op_names = _enum_names(schema.BuiltinOperator)
    type_names = _enum_names(schema.TensorType)
    summary = TFLiteSummary()
    for g in range(model.SubgraphsLength()):
        graph = model.Subgraphs(g)

        def tensor_type(i: int, graph=graph) -> str:
            return type_names.get(graph.Tensors(i).Type(), "UNKNOWN")

        for t in range(graph.TensorsLength()):
            name = tensor_type(t)
            summary.tensor_dtypes[name] = summary.tensor_dtypes.get(name, 0) + 1
            buf = graph.Tensors(t).Buffer()
            size = model.Buffers(buf).DataLength() if buf else 0
            if size:
                summary.constant_bytes[name] = summary.constant_bytes.get(name, 0) + size
        producers = {
            int(o): graph.Operators(k)
            for k in range(graph.OperatorsLength())
            for o in graph.Operators(k).OutputsAsNumpy()
        }

        for o in range(graph.OperatorsLength()):
            op = graph.Operators(o)
            code = model.OperatorCodes(op.OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())  # schema v3a split the field
            name = op_names.get(builtin, f"OP_{builtin}")
            if name == "CUSTOM":
                name = f"CUSTOM:{(code.CustomCode() or b'').decode()}"
            if name in WEIGHTED_OPS:
                summary.weights.append(_weight(model, graph, op, name, type_names, producers))
            summary.operators.append(
                {
                    "op": name,
                    "inputs": [tensor_type(i) for i in op.InputsAsNumpy() if i >= 0],
                    "outputs": [tensor_type(i) for i in op.OutputsAsNumpy() if i >= 0],
                }
            )
        if g == 0:
            for kind, indices in (("inputs", graph.InputsAsNumpy()), ("outputs", graph.OutputsAsNumpy())):
                for i in indices:
                    t = graph.Tensors(int(i))
                    q = t.Quantization()
                    entry = {
                        "name": t.Name().decode(),
                        "dtype": tensor_type(int(i)),
                        "shape": t.ShapeAsNumpy().tolist(),
                    }
                    if q is not None and q.ScaleLength():
                        entry["scale"] = float(q.Scale(0))
                        entry["zero_point"] = int(q.ZeroPoint(0))
                    getattr(summary, kind).append(entry)
    return summary


def _weight(model, graph, op, op_name: str, type_names: dict, producers: dict) -> dict:
    """The kernel of a weighted op (input 1 for all of them, TRANSPOSE_CONV included), followed through a
    DEQUANTIZE when it is computed at run time (float16 files store float16 kernels and dequantize them)."""
    import numpy as np

    idx = int(op.InputsAsNumpy()[1])
    tensor = graph.Tensors(idx)
    data = model.Buffers(tensor.Buffer()).DataAsNumpy() if tensor.Buffer() else 0
    if isinstance(data, int) and idx in producers:  # produced at run time: look through DEQUANTIZE
        src = int(producers[idx].InputsAsNumpy()[0])
        tensor = graph.Tensors(src)
        data = model.Buffers(tensor.Buffer()).DataAsNumpy() if tensor.Buffer() else 0
    dtype = type_names.get(tensor.Type(), "UNKNOWN")
    entry = {"op": op_name, "tensor": tensor.Name().decode(), "dtype": dtype, "shape": tensor.ShapeAsNumpy().tolist()}
    if not isinstance(data, int) and dtype in _NUMPY:
        values = np.frombuffer(data.tobytes(), dtype=_NUMPY[dtype])
        entry["sparsity"] = round(float(np.mean(values == 0)), 4) if values.size else 0.0
        entry["unique"] = int(np.unique(values).size)
        shape = entry["shape"]
        if values.size and len(shape) >= 2 and values.size == int(np.prod(shape)):
            # Output channels: axis 0 ([out, ...] for CONV_2D / FULLY_CONNECTED), the last axis for depthwise.
            axis = len(shape) - 1 if op_name == "DEPTHWISE_CONV_2D" else 0
            per = np.moveaxis(values.reshape(shape), axis, 0).reshape(shape[axis], -1)
            entry["unique_per_channel"] = int(max(np.unique(row).size for row in per))
    return entry


def inspect_tflite(path: Path) -> dict:
    """`edgeopt inspect`: the file's contents with tensor layouts and its TFLite metadata."""
    s = read_tflite(path).to_dict()
    for t in s["inputs"] + s["outputs"]:
        t["layout"] = "NHWC" if len(t["shape"]) == 4 else None
    try:
        from edgeopt.bundle.tflite_metadata import read

        s["metadata"] = read(path)
    except Exception as exc:  # metadata tooling missing or broken: the rest is still useful
        s["metadata"] = {"error": str(exc)}
    s.pop("weights")
    return s
