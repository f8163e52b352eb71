"""Issue 6's acceptance test: one layer made quantization-hostile on purpose.

The model is trained normally, then a 1x1 conv ("hostile") is inserted that passes the features through and adds
one channel that is zero almost everywhere but, on rare pixels, a thousand times the features' range. The next
conv ignores that channel (zero weights), so the float model is unchanged; per-tensor int8 activations, though,
must cover the spikes, and every ordinary value on that tensor rounds to zero.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_GATE_FAILED, EXIT_USAGE

RECIPE = """\
name: hostile
data: {image_size: 16, channels: 1}
model: {path: hostile.keras}
quantize: {calibration_samples: 100, max_drop: 0.02, strategy: STRATEGY}
export: {tflite: [int8], onnx: [int8]}
verify: {max_drop: 1.0}
"""


def _hostile_model(path) -> None:
    from edgeopt._keras import keras
    from edgeopt.data import load_dataset
    from edgeopt.recipe.schema import DataConfig

    ds = load_dataset(DataConfig(image_size=16, channels=1), seed=0)
    layers = keras.layers
    keras.utils.set_random_seed(0)

    def net(extra: bool):
        inp = layers.Input((16, 16, 1))
        x = layers.MaxPooling2D(name="pool")(layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inp))
        feat = x
        if extra:
            x = layers.Conv2D(9, 1, activation="relu", name="hostile")(x)
        x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
        x = layers.Flatten(name="flat")(layers.MaxPooling2D(name="pool2")(x))
        return keras.Model(inp, layers.Dense(10, activation="softmax", name="head")(x), name="hostile_cnn"), feat

    base, feat = net(False)
    base.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    base.fit(ds.x_train, ds.y_train, epochs=15, batch_size=32, verbose=0)
    f = keras.Model(base.input, feat).predict(ds.x_train, verbose=0)
    v = f.mean(-1)
    threshold = np.quantile(v, 0.999)  # about one pixel in a thousand spikes
    scale = 1000 * f.max() / (v.max() - threshold)

    model, _ = net(True)
    kernel = np.zeros((1, 1, 8, 9), np.float32)
    kernel[0, 0, :, :8] = np.eye(8)
    kernel[0, 0, :, 8] = scale / 8
    bias = np.zeros(9, np.float32)
    bias[8] = -scale * threshold
    model.get_layer("hostile").set_weights([kernel, bias])
    w2, b2 = base.get_layer("conv2").get_weights()
    model.get_layer("conv2").set_weights([np.concatenate([w2, np.zeros((3, 3, 1, 16), np.float32)], axis=2), b2])
    for name in ("conv1", "head"):
        model.get_layer(name).set_weights(base.get_layer(name).get_weights())
    np.testing.assert_allclose(model.predict(ds.x_test, verbose=0), base.predict(ds.x_test, verbose=0), atol=1e-4)
    model.save(path)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    _hostile_model(d / "hostile.keras")
    return d


def _run(d, strategy: str):
    (d / f"{strategy}.yaml").write_text(RECIPE.replace("STRATEGY", strategy))
    out = d / f"run-{strategy}"
    result = CliRunner().invoke(cli, ["optimize", str(d / f"{strategy}.yaml"), "-o", str(out)])
    return result, out


@pytest.mark.slow
def test_plain_ptq_misses_the_budget_and_says_so(hostile_dir):
    result, out = _run(hostile_dir, "none")
    assert result.exit_code == EXIT_GATE_FAILED, result.output
    report = json.loads((out / "report.json").read_text())
    for a in report["artifacts"]:
        assert a["budget"]["met"] is False and len(a["budget"]["attempts"]) == 1
        assert a["budget"]["attempts"][0]["drop"] > 0.3  # the hostile tensor wrecks plain int8
        assert (out / a["file"]).is_file()  # the files are written even though the run fails
        # The diagnosis names the culprit in both runtimes, well below every other tensor.
        layers = a["diagnosis"]["layers"]
        assert layers[0]["layer"] == "hostile", layers[:3]
        assert layers[0]["sqnr_db"] < layers[1]["sqnr_db"] - 10
    gates = [g for g in report["gates"] if g["gate"].startswith("quantize.max_drop")]
    assert len(gates) == 2 and not any(g["passed"] for g in gates)
    assert "no attempt met the budget" in gates[0]["reason"]
    assert "Budget missed" in (out / "report.md").read_text()


@pytest.mark.slow
def test_auto_strategy_meets_the_budget_and_lists_its_attempts(hostile_dir):
    result, out = _run(hostile_dir, "auto")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    md = (out / "report.md").read_text()
    for a in report["artifacts"]:
        b = a["budget"]
        assert b["met"] is True and b["chosen"] != "as configured"
        first, last = b["attempts"][0], b["attempts"][-1]
        assert first["label"] == "as configured" and not first["meets_budget"]
        assert last["meets_budget"] and last["label"] == b["chosen"] and last["drop"] <= 0.02
        assert all("latency_p50_ms" in t for t in b["attempts"] if "top1" in t)
        # Cheaper fixes were tried (or skipped with a reason) before a layer was kept in float.
        labels = [t["label"] for t in b["attempts"]]
        assert labels.index("per-channel weights") < labels.index(b["chosen"])
        assert any(t.get("skipped") for t in b["attempts"]) or len(labels) > 3
        assert "hostile" in b["chosen"]
        assert a["precision"] == "int8+float"
        assert (out / a["file"]).is_file()
        assert a["accuracy"]["drop"] <= 0.02  # and it holds on the test split, measured by verify
        assert f"## Accuracy budget: {a['name']}" in md
    assert "## Most sensitive layers" in md and "| 1 | hostile |" in md


@pytest.mark.parametrize(
    ("quantize", "message"),
    [
        ("{strategy: auto}", "quantize.strategy auto needs a budget"),
        ("{strategy: auto, max_drop: 0.01, method: qat}", "strategy auto starts from post-training"),
    ],
)
def test_auto_strategy_misconfigurations_are_recipe_errors(tmp_path, quantize, message):
    (tmp_path / "r.yaml").write_text(
        f"name: x\ndata: {{image_size: 16}}\nmodel: {{arch: tiny_cnn}}\ntrain: {{epochs: 1}}\nquantize: {quantize}\n"
    )
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "r.yaml")])
    assert result.exit_code == EXIT_USAGE and message in result.stderr, result.output


def _run_with(d, name: str, extra: str):
    (d / f"{name}.yaml").write_text(RECIPE.replace("strategy: STRATEGY", f"strategy: auto, {extra}"))
    out = d / f"run-{name}"
    result = CliRunner().invoke(cli, ["optimize", str(d / f"{name}.yaml"), "-o", str(out)])
    return result, json.loads((out / "report.json").read_text())


@pytest.mark.slow
def test_fallbacks_limit_the_search_to_16x8(hostile_dir):
    result, report = _run_with(hostile_dir, "only16", "fallbacks: [int16x8]")
    assert result.exit_code == 0, result.output
    for a in report["artifacts"]:
        assert [t["label"] for t in a["budget"]["attempts"]] == ["as configured", "16x8"]
        assert a["precision"] == "int16x8" and a["file"].endswith(f"_int16x8.{a['format']}")


@pytest.mark.slow
def test_qat_is_the_last_resort_and_reports_what_it_measured(hostile_dir):
    result, report = _run_with(hostile_dir, "onlyqat", "fallbacks: [qat], qat_epochs: 2")
    for a in report["artifacts"]:
        qat = a["budget"]["attempts"][-1]
        assert qat["label"] == "QAT" and 0.0 <= qat["top1"] <= 1.0 and "latency_p50_ms" in qat
    tflite = next(a for a in report["artifacts"] if a["name"] == "tflite_int8")
    assert tflite["budget"]["met"] and tflite["file"].endswith("_qat.tflite")
    assert result.exit_code == (0 if report["passed"] else EXIT_GATE_FAILED)
