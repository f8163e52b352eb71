"""QAT into onnxruntime's layout: tf2onnx's Q/DQ pairs lifted out with their scales, and onnxruntime's quantizer
writing its own QDQ file with those scales; every convolution then runs in integer, and the outputs agree with
tf2onnx's file of the same QAT model (same ranges, same weight grid)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_lifted_qat_ranges_give_an_all_integer_file_with_the_same_outputs(tmp_path):
    import onnx
    import onnxruntime as ort

    from edgeopt._keras import keras
    from edgeopt.compress.qat import qat_wrap
    from edgeopt.formats.onnx.convert import export_onnx_float, export_onnx_qat
    from edgeopt.formats.onnx.qat_ranges import lift_qdq
    from edgeopt.formats.onnx.read import read_onnx
    from edgeopt.models import create_model
    from edgeopt.recipe.schema import QuantizeConfig

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 32, 32, 3), dtype=np.float32), rng.integers(0, 4, 64)
    qat = qat_wrap(create_model("resnet20", input_shape=(32, 32, 3), num_classes=4, width=0.5))
    qat.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    qat.fit(x, y, batch_size=16, epochs=1, verbose=0)  # moves the learned ranges off their initial values

    export_onnx_float(qat, tmp_path / "tf2onnx.onnx", 17)
    ranges = lift_qdq(tmp_path / "tf2onnx.onnx", tmp_path / "lifted.onnx")
    lifted = onnx.load(str(tmp_path / "lifted.onnx"))
    assert not {n.op_type for n in lifted.graph.node} & {"QuantizeLinear", "DequantizeLinear"}
    assert len(ranges) >= 20 and all(lo <= 0 <= hi and hi > lo for lo, hi in ranges.values())
    relu_outputs = [t for t in ranges if t.endswith("Relu:0")]
    assert relu_outputs and all(ranges[t][0] == 0.0 for t in relu_outputs)  # cut at 0: nothing lies below

    export_onnx_qat(qat, tmp_path / "ours.onnx", 17, x[:32], QuantizeConfig(method="qat"))
    ours = read_onnx(tmp_path / "ours.onnx", executed=True)
    theirs = read_onnx(tmp_path / "tf2onnx.onnx", executed=True)
    assert "Conv" not in ours["executed_float_compute_ops"], ours["executed_float_compute_ops"]
    assert len(ours["executed_float_compute_ops"]) <= len(theirs["executed_float_compute_ops"])

    def run(path):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(None, {"input": x})[0]

    a, b = run(tmp_path / "ours.onnx"), run(tmp_path / "tf2onnx.onnx")
    assert np.mean(a.argmax(1) == b.argmax(1)) >= 0.9
    assert np.max(np.abs(a - b)) < 0.1
