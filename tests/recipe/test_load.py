from __future__ import annotations

import os

import pytest

from edgeopt.errors import EXIT_USAGE, RecipeError
from edgeopt.recipe import load_recipe, parse_recipe
from tests.conftest import REPO, TINY_RECIPE


def test_quickstart_recipe_is_valid():
    recipe = load_recipe(REPO / "recipes" / "quickstart.yaml")
    assert recipe.model.arch == "mobilenet_v2"
    assert recipe.export.tflite == ["float32", "int8"]
    assert recipe.verify.max_drop == 0.01


def test_defaults_fill_missing_sections():
    recipe = parse_recipe("name: x\nexport: {tflite: [float32], onnx: []}\n")
    assert recipe.data.source == "digits"
    assert recipe.train is None and recipe.quantize is None


# Malformed recipes and their messages: tests/recipe/bad/ (test_bad_corpus.py).


def test_every_problem_is_reported_at_once():
    with pytest.raises(RecipeError) as info:
        parse_recipe("name: x\ndata: {image_size: 2}\ntrain: {epochs: -1}\n", source="<t>")
    assert len(info.value.problems) == 2


def test_non_utf8_file_is_rejected(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"name: x\nseed: \xff\n")
    with pytest.raises(RecipeError, match=r"r.yaml:2: recipe is not valid UTF-8"):
        load_recipe(path)


def test_missing_file_is_a_recipe_error(tmp_path):
    with pytest.raises(RecipeError, match="recipe file not found"):
        load_recipe(tmp_path / "nope.yaml")


def test_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "# pad\n" * 300_000)
    with pytest.raises(RecipeError, match="the limit is"):
        load_recipe(path)


def test_tiny_recipe_used_by_e2e_is_valid():
    recipe = parse_recipe(TINY_RECIPE)
    assert recipe.model.arch == "tiny_cnn"


def test_schema_lists_sections_in_pipeline_order():
    from edgeopt.recipe.schema import SECTION_ORDER

    assert SECTION_ORDER == [
        "data",
        "model",
        "train",
        "prune",
        "cluster",
        "quantize",
        "export",
        "verify",
        "bench",
        "report",
    ]


@pytest.mark.parametrize("path", sorted((REPO / "recipes").rglob("*.yaml")), ids=lambda p: p.stem)
def test_a_dumped_recipe_loads_again_unchanged(path):
    # recipe.json holds the dump; `edgeopt export` and sweep trials validate it again.
    from edgeopt.recipe.schema import Recipe

    recipe = load_recipe(path)
    assert Recipe.model_validate(recipe.model_dump(mode="json")) == recipe


def test_a_dumped_user_model_recipe_loads_again():
    from edgeopt.recipe.schema import Recipe

    recipe = parse_recipe("name: own\nmodel: {path: own.keras}\nexport: {tflite: [float32], onnx: []}\n")
    assert Recipe.model_validate(recipe.model_dump(mode="json")) == recipe


@pytest.mark.parametrize("kind", ["dev-zero-symlink", "fifo"])
def test_a_recipe_that_is_not_a_regular_file_is_refused_before_it_is_read(tmp_path, kind):
    """A FIFO would block the first read forever and /dev/zero never ends: both are refused from their mode."""
    path = tmp_path / "recipe.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    assert info.value.exit_code == EXIT_USAGE
    assert ("a FIFO" if kind == "fifo" else "a character device") in str(info.value), str(info.value)


def test_a_data_path_that_is_a_fifo_is_a_recipe_error(tmp_path):
    os.mkfifo(tmp_path / "data.npz")
    (tmp_path / "r.yaml").write_text(
        "name: f\ndata: {source: npz, path: data.npz}\nmodel: {arch: tiny_cnn}\nexport: {tflite: [float32], onnx: []}\n"
    )
    with pytest.raises(RecipeError) as info:
        load_recipe(tmp_path / "r.yaml")
    assert "r.yaml:2:" in str(info.value) and "data.path" in str(info.value) and "not a regular file" in str(info.value)
