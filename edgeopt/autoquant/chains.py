"""The fallback attempts per format, cheapest first. Each changes one thing from the recipe's settings, except
the float-tensor attempts, which keep one more of the most sensitive tensors in float each time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeopt.autoquant.search import Attempt

_CALIBRATIONS = ("entropy", "percentile", "minmax")


@dataclass
class Inputs:
    """What every chain needs: the quantize settings, calibration sets and the diagnosis of the plain file."""

    cfg: object  # QuantizeConfig
    calibration: np.ndarray
    more_calibration: np.ndarray | None  # None when the training split has no more samples
    ranking: list[dict]  # diagnose rows, most sensitive first
    keep_float: Callable[[dict], list[str]] | None  # ranking row -> nodes to keep float (None: no diagnosis)
    qat_model: Callable[[], object] | None  # trains QAT once, on first use; None on the post-training route


def _float_steps(inp: Inputs, build: Callable[[list[str]], Callable[[Path], dict]]) -> list[Attempt]:
    if inp.keep_float is None:
        return [Attempt("keep sensitive tensors in float", "float_layers", skipped="no per-layer diagnosis")]
    steps, nodes, names = [], [], []
    for row in inp.ranking[: inp.cfg.max_float_layers]:
        nodes = list(dict.fromkeys(nodes + inp.keep_float(row)))
        names.append(row["layer"] or row["tensor"])
        label = f"float: {', '.join(names)} ({len(nodes)} ops)"
        steps.append(Attempt(label, "float_layers", build(nodes), precision="int8+float", suffix="_mixed"))
    return steps


def _more_samples(inp: Inputs, build: Callable[[Path], dict]) -> Attempt:
    label = "more calibration samples"
    if inp.more_calibration is None:
        return Attempt(label, "more_samples", skipped=f"all {len(inp.calibration)} training samples already calibrate")
    return Attempt(f"{label} ({len(inp.more_calibration)})", "more_samples", build, suffix="_morecal")


def _qat(inp: Inputs, export: Callable[[object, Path], None]) -> Attempt:
    if inp.qat_model is None:
        return Attempt("QAT", "qat", skipped="QAT needs a tf_keras model; this one is on the post-training route")
    return Attempt("QAT", "qat", lambda path: export(inp.qat_model(), path) or {}, suffix="_qat")


def _enabled(inp: Inputs, attempts: list[Attempt]) -> list[Attempt]:
    return [a for a in attempts if a.kind in inp.cfg.fallbacks]


def tflite_attempts(inp: Inputs, model, saved_model: Path | None) -> list[Attempt]:
    from edgeopt.atomic import write_bytes
    from edgeopt.diagnose.tflite import selective_int8
    from edgeopt.stages.export.tflite import converter_for, export_tflite

    io = inp.cfg.tflite_io

    def plain(cal):
        return lambda path: export_tflite(model, path, "int8", cal, saved_model, io=io) or {}

    def mixed(nodes):
        def build(path):
            write_bytes(path, selective_int8(lambda: converter_for(model, saved_model), inp.calibration, nodes))
            return {"float_nodes": nodes, "io": "float32"}

        return build

    def sixteen(path):
        return export_tflite(model, path, "int16x8", inp.calibration, saved_model) or {}

    return _enabled(
        inp,
        [
            Attempt(
                "per-channel weights", "per_channel", skipped="TFLite quantizes conv and dense weights per channel"
            ),
            Attempt(
                "another calibration method", "calibration", skipped="the TFLite converter calibrates with min/max"
            ),
            _more_samples(inp, plain(inp.more_calibration)),
            *_float_steps(inp, mixed),
            Attempt("16x8", "int16x8", sixteen, precision="int16x8", suffix="_int16x8"),
            _qat(inp, lambda qat, path: export_tflite(qat, path, "int8", io=io, from_qat=True)),
        ],
    )


def onnx_attempts(inp: Inputs, float_path: Path, opset: int) -> list[Attempt]:
    from edgeopt.stages.export.onnx import export_onnx_qat, quantize_onnx_int8

    c = inp.cfg

    def quantize(cal=None, per_channel=None, method=None, exclude=None, activations=None):
        def build(path):
            quantize_onnx_int8(
                float_path,
                path,
                inp.calibration if cal is None else cal,
                c.per_channel if per_channel is None else per_channel,
                activations or c.onnx_activations,
                c.onnx_weights,
                c.onnx_format,
                method or c.onnx_calibration,
                exclude,
            )
            return {"nodes_to_exclude": exclude} if exclude else {}

        return build

    per_channel = (
        Attempt("per-channel weights", "per_channel", quantize(per_channel=True), suffix="_perchannel")
        if not c.per_channel
        else Attempt("per-channel weights", "per_channel", skipped="already per-channel")
    )
    return _enabled(
        inp,
        [
            per_channel,
            *[
                Attempt(f"calibration: {m}", "calibration", quantize(method=m), suffix=f"_{m}")
                for m in _CALIBRATIONS
                if m != c.onnx_calibration
            ],
            _more_samples(inp, quantize(cal=inp.more_calibration)),
            *_float_steps(inp, lambda nodes: quantize(exclude=nodes)),
            Attempt("16x8", "int16x8", quantize(activations="int16"), precision="int16x8", suffix="_int16x8"),
            _qat(inp, lambda qat, path: export_onnx_qat(qat, path, opset)),
        ],
    )
