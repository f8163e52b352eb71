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


@dataclass
class TFLiteSummary:
    operators: list[dict] = field(default_factory=list)  # {"op", "inputs": [dtype], "outputs": [dtype]}
    inputs: list[dict] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)

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

        for o in range(graph.OperatorsLength()):
            op = graph.Operators(o)
            code = model.OperatorCodes(op.OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())  # schema v3a split the field
            name = op_names.get(builtin, f"OP_{builtin}")
            if name == "CUSTOM":
                name = f"CUSTOM:{(code.CustomCode() or b'').decode()}"
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
