"""Conv2DTranspose in the sub-pixel form for ONNX int8 (opt-in: benchmarks/rewrites.py measured it slower than
the float ConvTranspose island): equal to Keras' in float for every padding, kernel and stride, and the int8 ONNX
file onnxruntime runs has no float ConvTranspose."""

from __future__ import annotations

import numpy as np
import pytest


def _model(kernel, strides, padding, activation="relu"):
    from edgeopt._keras import keras

    L = keras.layers
    inputs = keras.Input((7, 6, 3))
    x = L.Conv2DTranspose(5, kernel, strides=strides, padding=padding, activation=activation)(inputs)
    return keras.Model(inputs, L.Conv2D(2, 1)(x))


@pytest.mark.parametrize(
    ("kernel", "strides", "padding"),
    [
        (3, 2, "same"),
        (3, 2, "valid"),
        (2, 3, "valid"),
        (2, 3, "same"),
        (4, 2, "same"),
        (5, 2, "same"),
        (3, 1, "same"),
        ((3, 2), 2, "valid"),
    ],
)
def test_the_subpixel_form_equals_conv2d_transpose_in_float(kernel, strides, padding):
    from edgeopt._keras import keras
    from edgeopt.formats.onnx.transposed_conv import subpixel_transposed_convs

    keras.utils.set_random_seed(0)
    model = _model(kernel, strides, padding, activation=None)
    rewritten, count = subpixel_transposed_convs(model)
    assert count == 1
    x = np.random.default_rng(1).standard_normal((2, 7, 6, 3)).astype(np.float32)
    expected = model(x).numpy()
    got = rewritten(x).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_the_int8_onnx_file_runs_no_float_conv_transpose(tmp_path):
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.onnx.read import read_onnx
    from edgeopt.runtime.runners import open_runner

    model = _model(3, 2, "same")
    x = np.random.default_rng(2).random((16, 7, 6, 3), dtype=np.float32)
    export_onnx_float(model, tmp_path / "m.onnx", 17, subpixel=True)
    quantize_onnx_int8(tmp_path / "m.onnx", tmp_path / "m8.onnx", x, per_channel=True)
    float_ops = read_onnx(tmp_path / "m.onnx")["op_counts"]
    assert "ConvTranspose" not in float_ops and float_ops["DepthToSpace"] == 1
    np.testing.assert_allclose(open_runner(tmp_path / "m.onnx").predict(x), model(x).numpy(), atol=1e-4)
    executed = read_onnx(tmp_path / "m8.onnx", executed=True)
    assert executed["executed_float_compute_ops"] == [], executed["executed_op_counts"]
