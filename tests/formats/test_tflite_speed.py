"""The speed variant of an int8 MobileNetV3 TFLite file: HARD_SWISH kept float inside the delegated graph joins
XNNPACK's partitions into one, and the choice follows the interleaved measurement and the budget."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_hard_swish_kept_float_gives_one_xnnpack_partition(tmp_path):
    from edgeopt._keras import keras
    from edgeopt.autoquant.search import Evaluator
    from edgeopt.formats.tflite.calibrated import Calibrated
    from edgeopt.formats.tflite.convert import configured_converter
    from edgeopt.formats.tflite.read import read_tflite
    from edgeopt.formats.tflite.speed import float_only_ops, partitions, speed_variant
    from edgeopt.models import create_model
    from edgeopt.runtime.runners import KerasRunner
    from edgeopt.stages.export.auto import Int8Follow

    keras.utils.set_random_seed(0)
    model = create_model("mobilenet_v3_small", input_shape=(96, 96, 3), num_classes=4, width=0.5)
    rng = np.random.default_rng(0)
    x, y = rng.random((24, 96, 96, 3), dtype=np.float32), rng.integers(0, 4, 24)
    path = tmp_path / "model_int8.tflite"
    calibrated = Calibrated(configured_converter(model, "int8", x))  # int8 input and output, the recipe default
    path.write_bytes(calibrated.deployable())
    contents = read_tflite(path).to_dict()
    assert float_only_ops(contents).get("HARD_SWISH", 0) > 5
    before = partitions(path)
    assert before is not None and before > 5  # every int8 HARD_SWISH cuts the delegated graph

    evaluator = Evaluator(KerasRunner(model).predict(x), y, 0.01, "absolute", "val")
    follow = SimpleNamespace(
        model=model,
        saved_model=None,
        calibration=x,
        x_budget=x,
        speed_evaluator=lambda: evaluator,
        interleaved_p50=lambda files, threads: Int8Follow.interleaved_p50(None, files, threads),
    )
    original = path.read_bytes()
    kept, entry = speed_variant(follow, path, calibrated, contents, threads=1, xnnpack=True)
    assert kept == path and entry["tried"] == ["HARD_SWISH"]
    assert entry["xnnpack_partitions"] == {"int8": before, "variant": 1}
    faster = entry["p50_ms"]["variant"] <= 0.95 * entry["p50_ms"]["int8"]
    assert entry["kept"] == (faster and entry["top1"]["variant"] >= entry["top1"]["int8"] - 0.01)
    after = read_tflite(path).to_dict()
    if entry["kept"]:
        assert "HARD_SWISH" in after["float_compute_ops"] and entry["kept_float_for_speed"] == {"HARD_SWISH": 19}
        assert path.read_bytes() != original
    else:
        assert path.read_bytes() == original
    assert [t["dtype"] for t in after["inputs"] + after["outputs"]] == ["INT8", "INT8"]  # the file's interface kept
    assert not (tmp_path / "model_int8_speed.tflite").exists()

    plain = speed_variant(follow, path, calibrated, {"op_counts": {"CONV_2D": 3}}, threads=1, xnnpack=True)
    assert plain == (path, None)  # nothing XNNPACK runs only in float: no variant, no measurement
