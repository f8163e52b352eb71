"""TFLite export with the TensorFlow Lite converter: float32, and full-integer int8 with int8 input/output."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from edgeopt.atomic import write_bytes
from edgeopt.errors import ToolchainError
from edgeopt.native_stderr import captured_native_stderr

log = logging.getLogger(__name__)


def _converter(model):
    """A converter for `model` with a named signature ("serving_default": input -> probabilities).

    from_keras_model saves the whole Keras object graph as a SavedModel first (about 10 s for a small
    MobileNetV2 here); a tf.Module holding just the variables and one traced function converts the same graph
    with the same signature in about 2 s.
    """
    from edgeopt._keras import tf

    module = tf.Module()
    module.weights_ = list(model.variables)
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name="input")
    module.serve = tf.function(lambda input: {"probabilities": model(input, training=False)}, input_signature=[spec])
    return tf.lite.TFLiteConverter.from_concrete_functions([module.serve.get_concrete_function()], module)


def converter_for(model, saved_model: Path | None = None):
    """A fresh float converter: from the Keras model, or (Keras 3 models) from the SavedModel it was exported to."""
    from edgeopt._keras import tf

    return tf.lite.TFLiteConverter.from_saved_model(str(saved_model)) if saved_model else _converter(model)


def export_tflite(model, path: Path, precision: str, calibration=None, saved_model=None, **options) -> None:
    """Convert `model` (or, for Keras 3 models, the SavedModel it was exported to) to a .tflite file; the
    arguments are configured_converter's."""
    converter = configured_converter(model, precision, calibration, saved_model, **options)
    write_bytes(path, run_converter(converter, f"TFLite {precision}"))


def run_converter(converter, what: str) -> bytes:
    """converter.convert(), its native log captured and its zoo of exception types (ConverterError,
    RuntimeError, ...) raised as one ToolchainError."""
    try:
        with captured_native_stderr(f"{what} converter"), warnings.catch_warnings():
            # int8 I/O without input statistics is what we ask for; the scale comes from calibration.
            warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
            return converter.convert()
    except Exception as exc:
        raise ToolchainError(f"{what} conversion failed: {type(exc).__name__}: {exc}") from exc


def configured_converter(
    model,
    precision: str,
    calibration: np.ndarray | None = None,
    saved_model: Path | None = None,
    io: str = "int8",
    from_qat: bool = False,
    rewrite_3d: bool = True,
):
    """A converter for `model` (or, for Keras 3 models, the SavedModel it was exported to), ready to convert.

    precision: float32 | float16 (float16 weights) | dynamic (int8 weights, float activations) | int8 (full
    integer, `io` input/output type) | int16x8 (int16 activations, int8 weights). `from_qat`: `model` carries
    fake-quant ranges from QAT, so no calibration data is needed for int8. `rewrite_3d` off keeps Conv3D as
    TFLite's float CONV_3D (only to measure what the rewrite gains: benchmarks/rewrites.py).
    """
    from edgeopt._keras import tf

    if saved_model is None:
        from edgeopt.formats.tflite.rewrite import conv3d_as_conv2d, pool3d_as_pool2d

        model, pools = pool3d_as_pool2d(model)  # TFLite has no builtin 3D pooling
        convs = 0
        if precision in ("int8", "int16x8") and not from_qat and rewrite_3d:
            model, convs = conv3d_as_conv2d(model)  # CONV_3D has no integer kernel; Conv2D sums do
        if pools or convs:
            log.info("export: TFLite %s runs %d Conv3D and %d 3D pooling layer(s) as 2D ones", precision, convs, pools)
    converter = converter_for(model, saved_model)
    if precision != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if precision == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif precision in ("int8", "int16x8") and not from_qat:
        if calibration is None:
            raise ValueError(f"{precision} export needs calibration samples")

        def representative():
            from edgeopt import progress

            with progress.task(f"calibrating TFLite {precision}", total=len(calibration)) as bar:
                for sample in calibration:
                    yield [sample[None].astype(np.float32)]
                    bar.advance()

        converter.representative_dataset = representative
        if precision == "int8":
            # Refuse float fallbacks: a layer the int8 kernels cannot run makes the conversion fail loudly.
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        else:
            converter.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
            ]
    if precision == "int8" and io != "float32":
        # With QAT, restricting ops to TFLITE_BUILTINS_INT8 makes TF 2.21 demand a representative dataset; the
        # int8 I/O types alone still give an all-integer model (the export stage checks the file).
        converter.inference_input_type = tf.int8 if io == "int8" else tf.uint8
        converter.inference_output_type = tf.int8 if io == "int8" else tf.uint8
    elif precision not in ("float32", "float16", "dynamic", "int8", "int16x8"):
        raise ValueError(f"unsupported TFLite precision {precision!r}")
    return converter
