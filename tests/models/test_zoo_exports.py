"""Every registered builder, at a tiny size, survives the whole toolchain: a training step, pruning, QAT
wrapping, and int8 export to TFLite and ONNX with no float compute operator (checked in the written files and
in the graph onnxruntime executes)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.errors import ToolchainError
from edgeopt.models import create_model, input_shape_for, list_models

pytestmark = pytest.mark.slow

SHAPE, CLASSES = (32, 32, 3), 4
WIDTH = {"lenet5": 1.0}  # its C3 connection table exists at width 1 only
# tensorflow-model-optimization's QAT has no QuantizeConfig for Conv1D or Conv3D (its registry covers 2D layers).
NO_QAT = {"tcn1d": "Conv1D", "c3d_small": "Conv3D", "r2plus1d_small": "Conv3D"}
# Float islands a builder is known to keep in one format, and why. Anything else in float fails the test.
KNOWN_FLOAT = {
    # onnxruntime has no integer Tanh (LeNet-5's squashing function); the per-map 2x2 pooling before LeNet's
    # trainable subsampling then stays float too. TFLite runs both in int8.
    ("lenet5", "onnx"): {"Tanh", "AveragePool"},
    # tf2onnx writes 1D global average pooling as ReduceMean, which onnxruntime has no integer kernel for (2D
    # pooling becomes GlobalAveragePool -> QLinearGlobalAveragePool). One small op at the end of the network.
    ("tcn1d", "onnx"): {"ReduceMean"},
}


@pytest.mark.parametrize("name", list_models())
def test_builder_trains_prunes_qat_wraps_and_exports_int8(name, tmp_path):
    from edgeopt._keras import keras
    from edgeopt.compress.prune import prune_wrap, pruning_callbacks, strip
    from edgeopt.compress.qat import qat_wrap
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.onnx.read import read_onnx
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.formats.tflite.read import read_tflite

    shape = input_shape_for(name, SHAPE[0], SHAPE[-1])  # an image, a sequence of its rows, or a clip of it
    rng = np.random.default_rng(0)
    x, y = rng.random((16, *shape), dtype=np.float32), rng.integers(0, CLASSES, 16)
    keras.utils.set_random_seed(0)
    model = create_model(name, input_shape=shape, num_classes=CLASSES, width=WIDTH.get(name, 0.25))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)

    before = [w.copy() for w in model.get_weights()]
    pruned = prune_wrap(model, target_sparsity=0.5, frequency=1)
    pruned.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    pruned.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=pruning_callbacks())
    stripped = strip(pruned)
    kernels = [w for layer in stripped.layers if isinstance(layer, keras.layers.Dense) for w in [layer.kernel.numpy()]]
    assert kernels and all(np.mean(k == 0) >= 0.45 for k in kernels), "pruning did not reach its target"
    for a, b in zip(before, model.get_weights(), strict=True):  # pruning a clone leaves the float model alone
        np.testing.assert_array_equal(a, b)

    if name in NO_QAT:  # tfmot has no QuantizeConfig for these layers: a clear error, and PTQ still works below
        with pytest.raises(ToolchainError, match=f"QAT cannot wrap this model: .*{NO_QAT[name]}.* is not supported"):
            qat_wrap(model)
    else:
        qat = qat_wrap(model)
        assert any(layer.__class__.__name__ == "QuantizeWrapperV2" for layer in qat.layers)
        assert qat(x[:2]).shape == (2, CLASSES)

    export_tflite(model, tmp_path / "m.tflite", "int8", calibration=x[:4])
    tfl = read_tflite(tmp_path / "m.tflite")
    assert set(tfl.float_compute_ops) == KNOWN_FLOAT.get((name, "tflite"), set()), tfl.op_counts

    export_onnx_float(model, tmp_path / "m.onnx", opset=17)
    quantize_onnx_int8(tmp_path / "m.onnx", tmp_path / "m8.onnx", x, per_channel=True)
    onnx_int8 = read_onnx(tmp_path / "m8.onnx", executed=True)
    islands = set(onnx_int8["executed_float_compute_ops"])
    assert islands == KNOWN_FLOAT.get((name, "onnx"), set()), onnx_int8["executed_op_counts"]
