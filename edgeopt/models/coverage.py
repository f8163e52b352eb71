"""Which layer kinds survive int8 post-training quantization in each format.

One tiny model per layer kind users put in conv nets; `measure(kind)` exports it to full-integer TFLite and to
onnxruntime QDQ int8 and reports, from the written .tflite and from the graph onnxruntime executes, whether every
compute operator runs in int8 or which ones fall back to float. docs/layer_coverage.json holds the last
measurement (written by benchmarks/layer_coverage.py); a test re-measures and compares, so the README table
cannot drift from what the toolchain does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def _model(kind: str):
    from edgeopt._keras import keras
    from edgeopt.models.custom_layers import HardSwish

    L = keras.layers
    if kind == "conv1d":
        inputs = keras.Input((32, 3), name="input")
        x = L.Conv1D(8, 3, strides=2, padding="same")(inputs)
        x = L.ReLU()(x)
        x = L.GlobalAveragePooling1D()(x)
        return keras.Model(inputs, L.Dense(4, activation="softmax")(x))
    inputs = keras.Input((16, 16, 3), name="input")
    x = inputs
    body = {
        "conv2d_same_strided": lambda x: L.Conv2D(8, 3, strides=2, padding="same")(x),
        "conv2d_valid": lambda x: L.Conv2D(8, 3, padding="valid")(x),
        "conv2d_dilated": lambda x: L.Conv2D(8, 3, dilation_rate=2, padding="same")(x),
        "depthwise_conv2d": lambda x: L.DepthwiseConv2D(3, padding="same")(L.Conv2D(8, 1)(x)),
        "separable_conv2d": lambda x: L.SeparableConv2D(8, 3, padding="same")(x),
        "conv2d_transpose": lambda x: L.Conv2DTranspose(8, 3, strides=2, padding="same")(L.Conv2D(8, 3, 2)(x)),
        "max_pooling2d": lambda x: L.MaxPooling2D(2)(L.Conv2D(8, 3, padding="same")(x)),
        "average_pooling2d": lambda x: L.AveragePooling2D(2)(L.Conv2D(8, 3, padding="same")(x)),
        "add": lambda x: L.Add()([L.Conv2D(8, 3, padding="same")(x), L.Conv2D(8, 1)(x)]),
        "concatenate": lambda x: L.Concatenate()([L.Conv2D(8, 3, padding="same")(x), L.Conv2D(4, 1)(x)]),
        "relu": lambda x: L.ReLU()(L.Conv2D(8, 3, padding="same")(x)),
        "relu6": lambda x: L.ReLU(6.0)(L.Conv2D(8, 3, padding="same")(x)),
        "hard_swish": lambda x: HardSwish()(L.Conv2D(8, 3, padding="same")(x)),
        "rescaling": lambda x: L.Conv2D(8, 3, padding="same")(L.Rescaling(2.0, offset=-1.0)(x)),
    }[kind]
    x = body(x)
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name=kind)


KINDS = (
    "conv1d",
    "conv2d_same_strided",
    "conv2d_valid",
    "conv2d_dilated",
    "depthwise_conv2d",
    "separable_conv2d",
    "conv2d_transpose",
    "max_pooling2d",
    "average_pooling2d",
    "add",
    "concatenate",
    "relu",
    "relu6",
    "hard_swish",
    "rescaling",
)


def measure(kind: str) -> dict[str, str]:
    """{"tflite": "int8" | "float: OPS" | "fails: why", "onnx": ...} for one layer kind."""
    from edgeopt.errors import ToolchainError
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.onnx.read import read_onnx
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.formats.tflite.read import read_tflite

    model = _model(kind)
    calib = np.random.default_rng(0).random((8, *model.input_shape[1:]), dtype=np.float32)
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="edgeopt-cov-") as work:
        w = Path(work)
        try:
            export_tflite(model, w / "m.tflite", "int8", calib)
            islands = read_tflite(w / "m.tflite").float_compute_ops
            out["tflite"] = "int8" if not islands else "float: " + ", ".join(sorted(set(islands)))
        except ToolchainError as exc:
            out["tflite"] = "fails: " + str(exc).splitlines()[0][:120]
        try:
            export_onnx_float(model, w / "m.onnx", opset=17)
            quantize_onnx_int8(w / "m.onnx", w / "m8.onnx", calib, per_channel=True)
            islands = read_onnx(w / "m8.onnx", executed=True)["executed_float_compute_ops"]
            out["onnx"] = "int8" if not islands else "float: " + ", ".join(sorted(set(islands)))
        except ToolchainError as exc:
            out["onnx"] = "fails: " + str(exc).splitlines()[0][:120]
    return out
