"""verify's drift split on synthetic outputs: each compression step, conversion, quantization per format, and
cross-runtime parity; and the per-step gates."""

from __future__ import annotations

import numpy as np

from edgeopt.stages.verify import _error_by_cause, _step_gates


def _onehot(labels, classes=3):
    return np.eye(classes, dtype=np.float32)[labels]


def test_each_cause_compares_the_right_pair():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    reference = _onehot(y)
    tfl_f32 = reference.copy()
    tfl_i8 = _onehot([0, 1, 2, 0, 1, 2, 0, 0])  # one flip from quantization
    onnx_f32 = _onehot([0, 1, 2, 0, 1, 2, 1, 1])  # one flip from conversion
    out = _error_by_cause(
        {"start": reference},
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
    out = _error_by_cause({"start": _onehot(y)}, _onehot(y), {"onnx_int8": _onehot(y)}, y)
    assert out == {}


def test_each_compression_step_is_charged_its_own_cost_and_can_be_gated():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    start = _onehot(y)
    pruned = _onehot([0, 1, 2, 0, 1, 2, 0, 1, 0, 1])  # pruning lost 2 of 10
    clustered = _onehot([0, 1, 2, 0, 1, 2, 0, 2, 0, 1])  # clustering lost 1 more
    chain = {"start": start, "prune": pruned, "cluster": clustered}
    out = _error_by_cause(chain, clustered, {"tflite_float32": clustered, "tflite_int8": clustered}, y)
    assert list(out)[:2] == ["prune", "cluster"]  # in the order the run took them
    assert np.isclose(out["prune"]["top1_delta"], 0.2) and np.isclose(out["cluster"]["top1_delta"], 0.1)
    assert out["conversion_tflite"]["top1_delta"] == 0.0  # the file matches the model it came from exactly
    gates = _step_gates("prune", 0.1, out, start_top1=1.0, drop_type="absolute")
    assert [(g["gate"], g["artifact"], g["passed"]) for g in gates] == [("max_step_drop[prune]", "prune", False)]
    assert _step_gates("cluster", 0.1, out, 1.0, "absolute")[0]["passed"]
    per_format = _step_gates("quantization", 0.0, out, 1.0, "absolute")
    assert [g["artifact"] for g in per_format] == ["quantization_tflite"] and per_format[0]["passed"]
    assert np.isclose(_step_gates("prune", 0.25, out, start_top1=0.8, drop_type="relative")[0]["value"], 0.25)
