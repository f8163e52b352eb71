"""TFLite int8 sensitivity with TensorFlow's QuantizationDebugger.

The debugger instruments the int8 model with NumericVerify ops: each quantized op runs next to a float copy fed
the same dequantized inputs, so its mean squared error is the noise that op alone adds (weights and output
rounding). That noise is set against the power of the same tensor in the float model, read from the calibrated
model (formats/tflite/calibrated.py) run with every intermediate tensor preserved.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from edgeopt.diagnose.names import keras_layer, rank, sqnr_db
from edgeopt.errors import ToolchainError
from edgeopt.formats.tflite.calibrated import Calibrated
from edgeopt.native_stderr import captured_native_stderr

log = logging.getLogger(__name__)


@dataclass
class TFLiteGraph:
    """Op output tensor names and, per tensor, the output names of the ops that consume it (the names the
    debugger's denylisted_nodes expects)."""

    consumers: dict[str, list[str]] = field(default_factory=dict)

    def keep_float(self, tensor: str) -> list[str]:
        """Nodes to denylist so `tensor` stays float: its producer and every consumer. Denylisting only the
        producer is not enough: a quantized consumer re-quantizes the tensor with the same range."""
        return [tensor, *self.consumers.get(tensor, [])]


def _samples(x: np.ndarray) -> Callable:
    return lambda: ([s[None].astype(np.float32)] for s in x)


def sensitivity(calibrated: Calibrated, x: np.ndarray, layers: set[str]):
    """(ranked rows, graph) for the int8 quantization of the `calibrated` model, measured on samples `x`."""
    dbg = calibrated.debugger(_samples(x))
    try:
        with captured_native_stderr("TFLite quantization debugger"):
            dbg.run()
    except Exception as exc:
        raise ToolchainError(f"TFLite quantization debugger failed: {type(exc).__name__}: {exc}") from exc
    buf = io.StringIO()
    dbg.layer_statistics_dump(buf)
    stats = list(csv.DictReader(io.StringIO(buf.getvalue())))
    # The calibrated model is the float model (calibration statistics aside), with the debugger's tensor names.
    power = _float_power(calibrated.model, x, {row["tensor_name"] for row in stats})
    rows = []
    for row in stats:
        name = row["tensor_name"]
        if name not in power:  # a tensor the float model does not have (an added requantize)
            continue
        noise = float(row["mean_squared_error"])
        rows.append(
            {
                "tensor": name.split(";")[0],
                "node": name,
                "op": row["op_name"],
                "layer": keras_layer(name, layers),
                "sqnr_db": sqnr_db(power[name], noise),
                "noise_power": noise,
                "signal_power": power[name],
                "scale": float(row["scale"]),
            }
        )
    return rank(rows), _graph(calibrated.model)


def _float_power(model: bytes, x: np.ndarray, names: set[str]) -> dict[str, float]:
    """Mean squared activation per named tensor of the float model, averaged over samples like the debugger's
    statistics. XNNPACK is off: a delegated graph does not keep its intermediate tensors."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(
        model_content=model,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        experimental_preserve_all_tensors=True,
    )
    interp.allocate_tensors()
    index = {t["name"]: t["index"] for t in interp.get_tensor_details() if t["name"] in names}
    inp = interp.get_input_details()[0]["index"]
    sums = dict.fromkeys(index, 0.0)
    for sample in x:
        interp.set_tensor(inp, sample[None].astype(np.float32))
        interp.invoke()
        for name, i in index.items():
            sums[name] += float(np.mean(np.square(interp.get_tensor(i).astype(np.float64))))
    return {name: s / len(x) for name, s in sums.items()}


def _graph(model: bytes) -> TFLiteGraph:
    from ai_edge_litert import schema_py_generated as schema

    graph = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    name = [graph.Tensors(t).Name().decode() for t in range(graph.TensorsLength())]
    consumers: dict[str, list[str]] = {}
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        outs = [name[int(o)] for o in op.OutputsAsNumpy()]
        for i in op.InputsAsNumpy():
            if i >= 0:
                consumers.setdefault(name[int(i)], []).extend(outs)
    return TFLiteGraph(consumers)
