"""The streamed ONNX diagnosis gives qdq_loss_debug's figures (to 1e-4 relative: it computes in float32, as the
runtime does, where the reference uses float64) without holding every activation, and works where qdq_loss_debug's
compute_activation_error stops (MobileNetV3: tensors with no float twin)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.models import create_model

pytestmark = pytest.mark.slow


def _files(name, tmp_path, samples=6):
    from edgeopt._keras import keras
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8

    keras.utils.set_random_seed(0)
    model = create_model(name, input_shape=(32, 32, 3), num_classes=4, width=0.25)
    x = np.random.default_rng(0).random((samples, 32, 32, 3), dtype=np.float32)
    export_onnx_float(model, tmp_path / "f.onnx", opset=17)
    quantize_onnx_int8(tmp_path / "f.onnx", tmp_path / "q.onnx", x, per_channel=True)
    return tmp_path / "f.onnx", tmp_path / "q.onnx", x, {layer.name for layer in model.layers}


def _reference(float_path, qdq_path, x, work):
    """qdq_loss_debug's own path: every activation of every sample in memory, then its error functions."""
    from onnxruntime.quantization import qdq_loss_debug as qdq

    from edgeopt.runtime.ort_reader import sample_reader

    acts = {}
    for label, path in (("float", float_path), ("qdq", qdq_path)):
        qdq.modify_model_output_intermediate_tensors(str(path), str(work / f"{label}-aug.onnx"))
        acts[label] = qdq.collect_activations(str(work / f"{label}-aug.onnx"), sample_reader(x))
    return qdq.create_activation_matching(acts["qdq"], acts["float"])


def test_streamed_figures_equal_qdq_loss_debug(tmp_path):
    from onnxruntime.quantization import qdq_loss_debug as qdq

    from edgeopt.formats.onnx.diagnose import _fake_quant, _scales, sensitivity

    float_path, qdq_path, x, layers = _files("resnet20", tmp_path)
    rows = {r["tensor"]: r for r in sensitivity(float_path, qdq_path, x, layers)}
    matched = _reference(float_path, qdq_path, x, tmp_path)
    scales = _scales(qdq_path)
    expected = {t: m for t, m in matched.items() if "float" in m and t in scales}
    assert set(rows) == set(expected) and len(rows) > 10
    errors = qdq.compute_activation_error(expected)
    for t, m in expected.items():
        f = np.concatenate([a.ravel() for a in m["float"]]).astype(np.float64)
        noise = f - _fake_quant(f, *scales[t])
        assert rows[t]["signal_power"] == pytest.approx(np.mean(f**2), rel=1e-5)
        assert rows[t]["noise_power"] == pytest.approx(np.mean(noise**2), rel=1e-4, abs=1e-30)
        assert rows[t]["ort_qdq_err_db"] == pytest.approx(errors[t]["qdq_err"], abs=1e-3)
        assert rows[t]["ort_xmodel_err_db"] == pytest.approx(errors[t]["xmodel_err"], abs=1e-3)


def test_mobilenet_v3_diagnosis_where_qdq_loss_debug_fails(tmp_path):
    from onnxruntime.quantization import qdq_loss_debug as qdq

    from edgeopt.formats.onnx.diagnose import sensitivity

    float_path, qdq_path, x, layers = _files("mobilenet_v3_small", tmp_path, samples=3)
    matched = _reference(float_path, qdq_path, x, tmp_path)
    orphans = [t for t, m in matched.items() if "float" not in m]
    assert orphans, "every quantized tensor has a float twin: qdq_loss_debug's KeyError is gone upstream"
    with pytest.raises(KeyError, match="float"):
        qdq.compute_activation_error(matched)
    rows = sensitivity(float_path, qdq_path, x, layers)
    assert len(rows) > 20 and all(np.isfinite(r["sqnr_db"]) for r in rows)
    assert sum("se_expand" in (r["layer"] or "") for r in rows) >= 5  # the squeeze-excite gates are ranked too
