from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgeopt.atomic import atomic_path, write_text
from edgeopt.pipeline.runner import run_pipeline
from edgeopt.recipe import parse_recipe

RECIPE = """\
name: resume
seed: 0
data: {image_size: 8, channels: 1}
model: {arch: tiny_cnn}
train: {epochs: 1}
export: {tflite: [float32], onnx: []}
"""


def _manifest(run_dir):
    return {s["name"]: s for s in json.loads((run_dir / "manifest.json").read_text())["stages"]}


@pytest.mark.slow
def test_unfinished_or_tampered_stages_run_again_and_nothing_else(tmp_path):
    recipe = parse_recipe(RECIPE)
    run_dir = tmp_path / "run"
    run_pipeline(recipe, tmp_path, run_dir)
    first = _manifest(run_dir)

    # A stage killed before committing has outputs but no stage.json: it must run again, not be trusted.
    (run_dir / first["export"]["dir"] / "stage.json").unlink()
    run_pipeline(recipe, tmp_path, run_dir)
    second = _manifest(run_dir)
    assert [n for n, s in second.items() if not s["reused"]] == ["export", "report"]
    assert second["export"]["key"] == first["export"]["key"]

    # A committed output changed on disk (sha256 mismatch) is not reused either.
    model = run_dir / first["train"]["dir"] / "model.keras"
    model.write_bytes(model.read_bytes() + b"x")
    run_pipeline(recipe, tmp_path, run_dir)
    third = _manifest(run_dir)
    assert not third["train"]["reused"] and third["build"]["reused"]


def _configs(recipe) -> dict[str, str]:
    """Each planned stage's own config hash (what its key is made from, before upstream keys are added)."""
    from edgeopt.hashing import sha256_json
    from edgeopt.pipeline.plan import plan

    return {s.name: sha256_json(s.config(recipe, Path(".")).model_dump(mode="json")) for s in plan(recipe)}


def test_changing_a_section_changes_only_its_own_stage_config():
    a = parse_recipe(RECIPE)
    b = parse_recipe(RECIPE.replace("epochs: 1", "epochs: 2"))
    ca, cb = _configs(a), _configs(b)
    assert ca["build"] == cb["build"] and ca["train"] != cb["train"] and ca["export"] == cb["export"]


QAT_RECIPE = """\
name: qat-keys
seed: 0
data: {image_size: 8, channels: 1}
model: {arch: tiny_cnn}
train: {epochs: 1}
quantize: {method: qat, qat_epochs: 1, calibration_samples: 20}
export: {tflite: [int8], onnx: [int8]}
"""


@pytest.mark.parametrize("edit", ["onnx_activations: int8", "max_drop: 0.5", "onnx_calibration: entropy"])
def test_an_export_only_quantize_field_keys_export_not_qat(edit):
    # With method qat the quantize stage fine-tunes; settings only the export reads must not repeat that.
    a = _configs(parse_recipe(QAT_RECIPE))
    b = _configs(parse_recipe(QAT_RECIPE.replace("calibration_samples: 20", f"calibration_samples: 20, {edit}")))
    assert a["train"] == b["train"] and a["quantize"] == b["quantize"] and a["export"] != b["export"]


def test_a_qat_training_field_keys_the_quantize_stage():
    a = _configs(parse_recipe(QAT_RECIPE))
    b = _configs(parse_recipe(QAT_RECIPE.replace("qat_epochs: 1", "qat_epochs: 2")))
    assert a["train"] == b["train"] and a["quantize"] != b["quantize"]


def test_a_stage_is_handed_only_its_config_not_the_recipe():
    from edgeopt.pipeline.context import StageContext
    from edgeopt.pipeline.plan import plan

    recipe = parse_recipe(QAT_RECIPE)
    for spec in plan(recipe):
        config = spec.config(recipe, Path("."))
        assert isinstance(config, type(recipe)) == (spec.name == "report"), spec.name  # only the uncached report
    assert "recipe" not in StageContext.__dataclass_fields__


@pytest.mark.slow
def test_export_only_edits_reuse_train_and_qat_folders_and_train_edits_do_not(tmp_path):
    run_dir = tmp_path / "run"
    run_pipeline(parse_recipe(QAT_RECIPE), tmp_path, run_dir)
    first = _manifest(run_dir)
    edited = QAT_RECIPE.replace(
        "calibration_samples: 20", "calibration_samples: 20, onnx_activations: int8, max_drop: 0.5"
    )
    run_pipeline(parse_recipe(edited), tmp_path, run_dir)
    second = _manifest(run_dir)
    assert {n: s["reused"] for n, s in second.items()} == {
        "data": True,
        "build": True,
        "train": True,
        "quantize": True,
        "export": False,
        "report": False,
    }
    assert second["quantize"]["dir"] == first["quantize"]["dir"] and second["train"]["dir"] == first["train"]["dir"]
    run_pipeline(parse_recipe(edited.replace("epochs: 1}", "epochs: 2}", 1)), tmp_path, run_dir)
    third = _manifest(run_dir)
    assert third["build"]["reused"] and not third["train"]["reused"] and not third["quantize"]["reused"]


def test_atomic_write_leaves_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
