"""One calibration, quantized again and again: the deployable file is byte for byte what TFLiteConverter.convert()
writes, and the debugger over the calibrated model measures what TensorFlow's own debugger over a fresh converter
measures."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small():
    from edgeopt._keras import keras
    from edgeopt.models import create_model

    keras.utils.set_random_seed(0)
    model = create_model("mobilenet_v3_small", input_shape=(48, 48, 3), num_classes=4, width=0.5)
    return model, np.random.default_rng(0).random((12, 48, 48, 3), dtype=np.float32)


@pytest.mark.parametrize("io_type", ["int8", "uint8", "float32"])
def test_deployable_is_the_converters_file(small, tmp_path, io_type):
    from edgeopt.formats.tflite.calibrated import Calibrated
    from edgeopt.formats.tflite.convert import configured_converter, export_tflite

    model, x = small
    export_tflite(model, tmp_path / "convert.tflite", "int8", x, io=io_type)
    calibrated = Calibrated(configured_converter(model, "int8", x, io=io_type))
    assert calibrated.deployable() == (tmp_path / "convert.tflite").read_bytes()


def test_float_ops_and_nodes_keep_the_files_interface(small, tmp_path):
    from edgeopt.formats.tflite.calibrated import Calibrated
    from edgeopt.formats.tflite.convert import configured_converter
    from edgeopt.formats.tflite.read import read_tflite

    model, x = small
    calibrated = Calibrated(configured_converter(model, "int8", x, io="uint8"))
    path = tmp_path / "speed.tflite"
    path.write_bytes(calibrated.deployable(ops=["HARD_SWISH"]))
    contents = read_tflite(path).to_dict()
    assert set(contents["float_compute_ops"]) == {"HARD_SWISH"}
    assert [t["dtype"] for t in contents["inputs"] + contents["outputs"]] == ["UINT8", "UINT8"]
    conv = _first_output(calibrated.model, "CONV_2D")
    mixed = tmp_path / "mixed.tflite"
    mixed.write_bytes(calibrated.deployable(nodes=[conv]))
    contents = read_tflite(mixed).to_dict()
    assert contents["float_compute_ops"] == ["CONV_2D"]
    assert [t["dtype"] for t in contents["inputs"] + contents["outputs"]] == ["UINT8", "UINT8"]


def test_debugger_measures_what_tensorflows_debugger_measures(small):
    from edgeopt._keras import tf
    from edgeopt.formats.tflite.calibrated import Calibrated
    from edgeopt.formats.tflite.convert import configured_converter, converter_for
    from edgeopt.formats.tflite.diagnose import _samples

    model, x = small

    def statistics(dbg) -> dict[str, float]:
        dbg.run()
        buf = io.StringIO()
        dbg.layer_statistics_dump(buf)
        return {r["tensor_name"]: float(r["mean_squared_error"]) for r in csv.DictReader(io.StringIO(buf.getvalue()))}

    ours = statistics(Calibrated(configured_converter(model, "int8", x)).debugger(_samples(x[:4])))
    converter = converter_for(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = _samples(x)
    options = tf.lite.experimental.QuantizationDebugOptions(fully_quantize=True)
    debugger = tf.lite.experimental.QuantizationDebugger
    theirs = statistics(debugger(converter=converter, debug_dataset=_samples(x[:4]), debug_options=options))
    assert ours.keys() == theirs.keys() and len(ours) > 20
    np.testing.assert_allclose([ours[k] for k in theirs], list(theirs.values()), rtol=1e-5)


def _first_output(model: bytes, op_name: str) -> str:
    """The output tensor name of the model's first `op_name` operator (what denylisted_nodes names)."""
    from ai_edge_litert import schema_py_generated as schema

    codes = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    m = schema.Model.GetRootAs(model, 0)
    graph = m.Subgraphs(0)
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        if codes[m.OperatorCodes(op.OpcodeIndex()).BuiltinCode()] == op_name:
            return graph.Tensors(int(op.Outputs(0))).Name().decode()
    raise AssertionError(f"no {op_name} in the model")
