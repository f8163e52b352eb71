from __future__ import annotations

from edgeopt.diagnose.names import keras_layer, rank, sqnr_db

LAYERS = {"conv1", "block_1_expand", "head"}


def test_tflite_fused_names_map_to_the_producing_layer():
    name = "model/block_1_expand/Relu6;model/block_1_expand/BiasAdd;model/conv1/Conv2D"
    assert keras_layer(name, LAYERS) == "block_1_expand"


def test_onnx_tensor_names_map_to_their_layer_and_unknown_paths_to_none():
    assert keras_layer("model/head/BiasAdd:0", LAYERS) == "head"
    assert keras_layer("StatefulPartitionedCall:0", LAYERS) is None


def test_sqnr_is_finite_and_ranking_puts_the_worst_first():
    assert sqnr_db(1.0, 0.0) == 200.0 and sqnr_db(0.0, 1.0) == -200.0
    assert abs(sqnr_db(100.0, 1.0) - 20.0) < 1e-9
    ranked = rank([{"tensor": "a", "sqnr_db": 40.0}, {"tensor": "b", "sqnr_db": 12.0}])
    assert [(r["rank"], r["tensor"]) for r in ranked] == [(1, "b"), (2, "a")]
