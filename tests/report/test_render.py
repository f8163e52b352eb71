"""report.md, report.html and the run comparison rendered from the committed golden records (tests/golden), and
what MLflow would receive. Fast: no TensorFlow, no runtime."""

from __future__ import annotations

import copy
import json
import re

from edgeopt.recipe.schema import Recipe
from edgeopt.report.compare import compare_markdown
from edgeopt.report.html import render_html
from edgeopt.report.markdown import render_markdown
from edgeopt.report.mlflow_log import params_and_metrics
from tests import golden


def test_markdown_has_a_row_per_artifact_the_verdict_and_the_int8_contents():
    report = golden.report("tiny")
    md = render_markdown(report)
    for a in report["artifacts"]:
        assert f"| {a['name']} |" in md
    assert f"Result: **{'PASS' if report['passed'] else 'FAIL'}**" in md
    assert "- `tflite_int8`: " in md and "of compute operators run in int8" in md
    assert "- `onnx_int8`: QDQ format" in md and "still runs in float after fusion" in md
    assert "Most sensitive layers" in md and "| rank | layer | tensor | SQNR dB | op |" in md
    assert "| rank | layer | tensor | SQNR dB | ORT xmodel SQNR dB |" in md


def test_a_failed_gate_and_a_failed_part_are_in_the_markdown():
    report = copy.deepcopy(golden.report("tiny"))
    report["passed"] = False
    report["failed_parts"] = [{"part": "bundle", "error": "no disk left", "exit_code": 4}]
    md = render_markdown(report)
    assert "Result: **FAIL**" in md and "## Failed parts" in md and "no disk left" in md


def test_the_budget_search_is_reported_with_every_attempt():
    report = golden.report("hostile-auto")
    md = render_markdown(report)
    for a in report["artifacts"]:
        for attempt in a["budget"]["attempts"]:
            assert attempt["label"] in md


def test_html_is_self_contained_with_its_four_plots():
    html = render_html(golden.report("tiny"))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert set(re.findall(r'<figure id="(plot-[a-z]+)"', html)) == {
        "plot-tradeoff",
        "plot-sensitivity",
        "plot-sparsity",
        "plot-latency",
    }


def test_comparing_a_run_with_a_changed_copy_shows_the_delta():
    a = golden.report("tiny")
    b = copy.deepcopy(a)
    b["artifacts"][0]["accuracy"]["top1"] -= 0.05
    md = compare_markdown(a, b, "A", "B")
    assert re.search(rf"\| {a['artifacts'][0]['name']} \| [0-9.]+ \| [0-9.]+ \| -5\.00 \|", md), md
    assert re.search(rf"\| {a['artifacts'][1]['name']} \| [0-9.]+ \| [0-9.]+ \| \+0\.00 \|", md), md


def test_mlflow_gets_the_flattened_recipe_and_a_metric_per_artifact_figure():
    report = golden.report("tiny")
    recipe = Recipe.model_validate(json.loads((golden.HERE / "tiny" / "recipe.json").read_text()))
    params, metrics = params_and_metrics(recipe, report)
    assert params["train.epochs"] == str(recipe.train.epochs) and params["quantize.method"] == "ptq"
    assert not any(k.startswith("report.") for k in params)
    assert metrics["float_top1"] == report["verify"]["float_top1"]
    for a in report["artifacts"]:
        assert metrics[f"{a['name']}.bytes"] == a["bytes"] and metrics[f"{a['name']}.top1"] == a["accuracy"]["top1"]
        assert metrics[f"{a['name']}.p50_ms"] == a["latency"]["p50_ms"]
