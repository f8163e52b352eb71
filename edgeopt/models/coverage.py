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


def _bodies():
    """kind -> (rank of the spatial input: 1, 2 or 3, the layers between the input and global pooling)."""
    from edgeopt._keras import keras
    from edgeopt.models.custom_layers import HardSwish

    L = keras.layers

    def conv2d(x):
        return L.Conv2D(8, 3, padding="same")(x)

    def squeeze_excite(x):  # EfficientNet's: pool, reduce, swish, expand, sigmoid, scale
        x = conv2d(x)
        s = L.GlobalAveragePooling2D(keepdims=True)(x)
        s = L.Activation("swish")(L.Conv2D(2, 1)(s))
        return L.Multiply()([x, L.Conv2D(8, 1, activation="sigmoid")(s)])

    return {
        "conv1d": (1, lambda x: L.ReLU()(L.Conv1D(8, 3, strides=2, padding="same")(x))),
        "conv1d_dilated": (1, lambda x: L.Conv1D(8, 3, dilation_rate=2, padding="causal")(x)),
        "separable_conv1d": (1, lambda x: L.SeparableConv1D(8, 3, padding="same")(x)),
        "max_pooling1d": (1, lambda x: L.MaxPooling1D(2)(L.Conv1D(8, 3, padding="same")(x))),
        "average_pooling1d": (1, lambda x: L.AveragePooling1D(2)(L.Conv1D(8, 3, padding="same")(x))),
        "conv2d_same_strided": (2, lambda x: L.Conv2D(8, 3, strides=2, padding="same")(x)),
        "conv2d_valid": (2, lambda x: L.Conv2D(8, 3, padding="valid")(x)),
        "conv2d_dilated": (2, lambda x: L.Conv2D(8, 3, dilation_rate=2, padding="same")(x)),
        "depthwise_conv2d": (2, lambda x: L.DepthwiseConv2D(3, padding="same")(L.Conv2D(8, 1)(x))),
        "separable_conv2d": (2, lambda x: L.SeparableConv2D(8, 3, padding="same")(x)),
        "conv2d_transpose": (2, lambda x: L.Conv2DTranspose(8, 3, strides=2, padding="same")(L.Conv2D(8, 3, 2)(x))),
        "max_pooling2d": (2, lambda x: L.MaxPooling2D(2)(conv2d(x))),
        "average_pooling2d": (2, lambda x: L.AveragePooling2D(2)(conv2d(x))),
        "conv3d": (3, lambda x: L.Conv3D(8, 3, padding="same")(x)),
        "conv3d_transpose": (
            3,
            lambda x: L.Conv3DTranspose(8, 3, strides=2, padding="same")(L.Conv3D(8, 3, 2)(x)),
        ),
        "max_pooling3d": (3, lambda x: L.MaxPooling3D(2)(L.Conv3D(8, 3, padding="same")(x))),
        "average_pooling3d": (3, lambda x: L.AveragePooling3D(2)(L.Conv3D(8, 3, padding="same")(x))),
        "add": (2, lambda x: L.Add()([conv2d(x), L.Conv2D(8, 1)(x)])),
        "concatenate": (2, lambda x: L.Concatenate()([conv2d(x), L.Conv2D(4, 1)(x)])),
        "relu": (2, lambda x: L.ReLU()(conv2d(x))),
        "relu6": (2, lambda x: L.ReLU(6.0)(conv2d(x))),
        "hard_swish": (2, lambda x: HardSwish()(conv2d(x))),
        "swish": (2, lambda x: L.Activation("swish")(conv2d(x))),
        "squeeze_excite": (2, squeeze_excite),
        "rescaling": (2, lambda x: conv2d(L.Rescaling(2.0, offset=-1.0)(x))),
    }


INPUTS = {1: (32, 3), 2: (16, 16, 3), 3: (8, 16, 16, 1)}  # a sequence, an image, a clip of 8 frames


def _model(kind: str):
    from edgeopt._keras import keras

    L = keras.layers
    rank, body = _bodies()[kind]
    inputs = keras.Input(INPUTS[rank], name="input")
    pool = {1: L.GlobalAveragePooling1D, 2: L.GlobalAveragePooling2D, 3: L.GlobalAveragePooling3D}[rank]
    x = pool()(body(inputs))
    return keras.Model(inputs, L.Dense(4, activation="softmax")(x), name=kind)


KINDS = (
    "conv1d",
    "conv1d_dilated",
    "separable_conv1d",
    "max_pooling1d",
    "average_pooling1d",
    "conv2d_same_strided",
    "conv2d_valid",
    "conv2d_dilated",
    "depthwise_conv2d",
    "separable_conv2d",
    "conv2d_transpose",
    "max_pooling2d",
    "average_pooling2d",
    "conv3d",
    "conv3d_transpose",
    "max_pooling3d",
    "average_pooling3d",
    "add",
    "concatenate",
    "relu",
    "relu6",
    "hard_swish",
    "swish",
    "squeeze_excite",
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
            out["tflite"] = _failure(str(exc))
        try:
            export_onnx_float(model, w / "m.onnx", opset=17)
            quantize_onnx_int8(w / "m.onnx", w / "m8.onnx", calib, per_channel=True)
            islands = read_onnx(w / "m8.onnx", executed=True)["executed_float_compute_ops"]
            out["onnx"] = "int8" if not islands else "float: " + ", ".join(sorted(set(islands)))
        except ToolchainError as exc:
            out["onnx"] = _failure(str(exc))
    return out


def _failure(message: str) -> str:
    """A conversion failure in one line: the ops TFLite has no builtin kernel for, when that is the cause."""
    import re

    select = re.search(r"TF Select ops: ([\w, ]+)", message)
    if select:
        return f"fails: no builtin kernel ({select.group(1).strip()} needs TF Select)"
    return "fails: " + message.splitlines()[0][:120]
