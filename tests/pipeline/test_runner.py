from __future__ import annotations

import json

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


def test_changing_a_section_changes_only_downstream_keys():
    from edgeopt.hashing import sha256_json
    from edgeopt.pipeline.plan import plan

    a = parse_recipe(RECIPE)
    b = parse_recipe(RECIPE.replace("epochs: 1", "epochs: 2"))
    configs = lambda r: {s.name: sha256_json(s.config(r, None)) for s in plan(r) if s.name != "data"}  # noqa: E731
    ca, cb = configs(a), configs(b)
    assert ca["build"] == cb["build"] and ca["train"] != cb["train"] and ca["export"] == cb["export"]


def test_atomic_write_leaves_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
