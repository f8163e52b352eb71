"""verify's drift split on synthetic outputs: conversion, quantization per format, and cross-runtime parity."""

from __future__ import annotations

import numpy as np

from edgeopt.stages.verify import _error_by_cause


def _onehot(labels, classes=3):
    return np.eye(classes, dtype=np.float32)[labels]


def test_each_cause_compares_the_right_pair():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    reference = _onehot(y)
    tfl_f32 = reference.copy()
    tfl_i8 = _onehot([0, 1, 2, 0, 1, 2, 0, 0])  # one flip from quantization
    onnx_f32 = _onehot([0, 1, 2, 0, 1, 2, 1, 1])  # one flip from conversion
    out = _error_by_cause(
        reference,
        {"tflite_float32": tfl_f32, "tflite_int8": tfl_i8, "onnx_float32": onnx_f32, "onnx_int8": onnx_f32},
        y,
    )
    assert set(out) == {
        "conversion_tflite",
        "quantization_tflite",
        "conversion_onnx",
        "quantization_onnx",
        "parity_int8",
    }
    assert out["conversion_tflite"]["agreement"] == 1.0 and out["conversion_tflite"]["top1_delta"] == 0.0
    assert out["quantization_tflite"]["agreement"] == 7 / 8
    assert np.isclose(out["quantization_tflite"]["top1_delta"], 1 / 8)
    assert np.isclose(out["conversion_onnx"]["top1_delta"], 1 / 8) and out["quantization_onnx"]["agreement"] == 1.0
    assert out["parity_int8"]["agreement"] == 6 / 8


def test_a_format_without_its_float_file_has_no_quantization_pair():
    y = np.array([0, 1])
    out = _error_by_cause(_onehot(y), {"onnx_int8": _onehot(y)}, y)
    assert out == {}
