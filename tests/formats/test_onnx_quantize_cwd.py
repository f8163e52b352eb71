"""onnxruntime's quantizer runs in a temporary working directory (its shape inference may leave files there):
relative paths still work, and nothing but the output lands in the user's directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_relative_paths_and_a_clean_working_directory(tmp_path, monkeypatch):
    import onnx

    from edgeopt._keras import keras
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8

    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Flatten()(keras.layers.Conv2D(4, 3)(inputs))))
    monkeypatch.chdir(tmp_path)
    Path("out").mkdir()
    export_onnx_float(model, Path("out/float.onnx"), 17)
    before = sorted(p.name for p in tmp_path.iterdir())
    x = np.random.default_rng(0).random((4, 8, 8, 3), dtype=np.float32)
    quantize_onnx_int8(Path("out/float.onnx"), Path("out/int8.onnx"), x, per_channel=True)
    ops = {n.op_type for n in onnx.load("out/int8.onnx").graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv"} <= ops
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert sorted(p.name for p in Path("out").iterdir()) == ["float.onnx", "int8.onnx"]
