"""ONNX export: tf2onnx for float32, then onnxruntime.quantization static QDQ (per-channel) for int8."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from edgeopt.atomic import atomic_path
from edgeopt.errors import ToolchainError
from edgeopt.native_stderr import captured_native_stderr
from edgeopt.runtime.ort_reader import INPUT_NAME, sample_reader

log = logging.getLogger(__name__)


def export_onnx_float(model, path: Path, opset: int, saved_model: Path | None = None, subpixel: bool = False) -> None:
    """tf2onnx from the tf_keras model, or (Keras 3 models) from the SavedModel's serving function. `subpixel`:
    Conv2DTranspose in the sub-pixel form, which onnxruntime quantizes to QLinearConv. Off by default: it does
    about (s * ceil(k / s))^2 / k^2 times the multiply-adds (1.8x for k=3, s=2), and benchmarks/rewrites.py
    measured its int8 file at 0.95x the speed of the one with the float ConvTranspose island."""
    import tf2onnx

    from edgeopt._keras import tf

    spec = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name=INPUT_NAME)]
    if saved_model is None and subpixel:
        from edgeopt.formats.onnx.transposed_conv import subpixel_transposed_convs

        model, rewritten = subpixel_transposed_convs(model)  # ONNX has no integer ConvTranspose; Conv has one
        if rewritten:
            log.info("export: %d Conv2DTranspose layer(s) as Conv + DepthToSpace in the ONNX file", rewritten)
    try:
        with atomic_path(path) as tmp, captured_native_stderr("tf2onnx"):
            if saved_model:
                loaded = tf.saved_model.load(str(saved_model))
                fn = tf.function(lambda input: loaded.serve(input), input_signature=spec)
                tf2onnx.convert.from_function(fn, input_signature=spec, opset=opset, output_path=str(tmp))
            else:
                tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset, output_path=str(tmp))
    except Exception as exc:
        raise ToolchainError(f"tf2onnx conversion failed: {type(exc).__name__}: {exc}") from exc


@contextmanager
def _quantizing(float_path: Path, path: Path, what: str) -> Iterator[tuple[str, str]]:
    """(prepared input, temporary output) for an onnxruntime quantizer; the output is committed atomically.

    Shape inference and graph cleanup (quant_pre_process) come first, as onnxruntime recommends; then the
    rewrites that give onnxruntime integer kernels for what it would otherwise run in float (rewrite.py).
    """
    import onnx
    from onnxruntime.quantization import quant_pre_process

    from edgeopt.formats.onnx.rewrite import batchnorm_to_mul_add

    with tempfile.TemporaryDirectory(prefix="edgeopt-ort-") as work:
        prepared = Path(work) / "prepared.onnx"
        try:
            # The histogram calibrators print progress to stdout; keep it out of the CLI's output.
            with (
                atomic_path(path) as tmp,
                captured_native_stderr("onnxruntime quantization"),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                # When symbolic shape inference gives up, onnxruntime saves its half-done model (and external
                # data files) into the working directory: let that be the temporary one, not the user's.
                source, target = str(Path(float_path).resolve()), str(prepared.resolve())  # before the chdir
                with contextlib.chdir(work):
                    quant_pre_process(source, target)
                model = onnx.load(str(prepared))
                if batchnorm_to_mul_add(model):
                    onnx.save(model, str(prepared))
                yield str(prepared), str(tmp)
        except Exception as exc:
            raise ToolchainError(f"onnxruntime {what} quantization failed: {type(exc).__name__}: {exc}") from exc


def quantize_onnx_dynamic(float_path: Path, path: Path, weights: str = "int8") -> None:
    """onnxruntime dynamic quantization: int8 weights, activations quantized on the fly per batch."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quantizing(float_path, path, "dynamic") as (prepared, out):
        quantize_dynamic(prepared, out, weight_type=QuantType.QInt8 if weights == "int8" else QuantType.QUInt8)


def export_onnx_qat(qat_model, path: Path, opset: int, calibration: np.ndarray, q) -> dict:
    """The QAT model's learned activation ranges in onnxruntime's own QDQ layout (formats/onnx/qat_ranges.py),
    with the quantize section's ONNX settings; `calibration` covers any tensor QAT gave no range."""
    from edgeopt.formats.onnx.qat_ranges import lift_qdq, overrides

    with tempfile.TemporaryDirectory(prefix="edgeopt-qat-onnx-") as work:
        tf2onnx_file, lifted = Path(work) / "tf2onnx.onnx", Path(work) / "lifted.onnx"
        export_onnx_float(qat_model, tf2onnx_file, opset)  # tfmot's fake-quant nodes become Q/DQ pairs
        ranges = lift_qdq(tf2onnx_file, lifted)
        quantize_onnx_int8(
            lifted,
            path,
            calibration,
            q.per_channel,
            q.onnx_activations,
            q.onnx_weights,
            q.onnx_format,
            "minmax",
            overrides=overrides(ranges),
        )
    log.info("export: ONNX int8 from QAT: %d learned activation ranges, onnxruntime's QDQ layout", len(ranges))
    return {"qat_ranges": len(ranges)}


def quantize_onnx_int8(
    float_path: Path,
    path: Path,
    calibration: np.ndarray,
    per_channel: bool,
    activations: str = "uint8",
    weights: str = "int8",
    quant_format: str = "qdq",
    method: str = "minmax",
    nodes_to_exclude: list[str] | None = None,
    overrides: dict | None = None,
) -> None:
    """Static quantization; activations uint8/int8, or int16 (16x8, upgrades the model to opset 21).
    `overrides`: onnxruntime TensorQuantOverrides (scales fixed ahead of calibration, e.g. QAT's)."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    qtype = {"uint8": QuantType.QUInt8, "int8": QuantType.QInt8, "int16": QuantType.QInt16}
    calib = {
        "minmax": CalibrationMethod.MinMax,
        "entropy": CalibrationMethod.Entropy,
        "percentile": CalibrationMethod.Percentile,
    }[method]

    from edgeopt import progress

    with (
        _quantizing(float_path, path, "static") as (prepared, out),
        progress.task("calibrating ONNX int8", total=len(calibration)) as bar,
    ):
        quantize_static(
            prepared,
            out,
            sample_reader(calibration, bar),
            quant_format=QuantFormat.QDQ if quant_format == "qdq" else QuantFormat.QOperator,
            per_channel=per_channel,
            activation_type=qtype[activations],
            weight_type=qtype[weights],
            calibrate_method=calib,
            nodes_to_exclude=nodes_to_exclude or [],
            extra_options={"TensorQuantOverrides": overrides} if overrides else None,
        )
