"""Issue 6's acceptance test: one layer made quantization-hostile on purpose (tests/hostile_model.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_GATE_FAILED, EXIT_USAGE
from tests.hostile_model import save_hostile_model

RECIPE = """\
name: hostile
data: {image_size: 16, channels: 1}
model: {path: hostile.keras}
quantize: {calibration_samples: 100, max_drop: 0.02, strategy: STRATEGY}
export: {tflite: [int8], onnx: [int8]}
verify: {max_drop: 1.0}
"""


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    save_hostile_model(d / "hostile.keras")
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
