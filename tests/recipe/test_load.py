from __future__ import annotations

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


# (yaml text, substrings the single error message must contain)
BAD = [
    pytest.param(
        "name: x\nmodle: {arch: tiny_cnn}\n",
        ["<t>:2:1:", "modle: unknown key", "did you mean 'model'"],
        id="unknown-top-key",
    ),
    pytest.param(
        "name: x\ndata:\n  imag_size: 32\n",
        ["<t>:3:3:", "data.imag_size", "did you mean 'image_size'"],
        id="unknown-nested-key",
    ),
    pytest.param(
        "name: x\nmodel:\n  arch: mobilenetv2\n",
        ["<t>:3:9:", "model.arch", "did you mean 'mobilenet_v2'"],
        id="unknown-model",
    ),
    pytest.param(
        "name: x\ndata:\n  image_size: '32'\n", ["<t>:3:15:", "data.image_size", "received '32'"], id="string-for-int"
    ),
    pytest.param(
        "name: x\ndata:\n  image_size: 4\n",
        ["data.image_size", "greater than or equal to 8", "received 4"],
        id="out-of-range",
    ),
    pytest.param(
        "name: x\ntrain:\n  optimizer: adamw\n",
        ["train.optimizer", "received 'adamw'", "did you mean 'adam'", "Allowed: adam, sgd"],
        id="bad-literal",
    ),
    pytest.param(
        "name: x\nexport:\n  tflite: [int8, fp16]\n",
        ["<t>:3:18:", "export.tflite.1", "'fp16'", "did you mean 'float16'", "Allowed: float32, float16"],
        id="bad-list-item",
    ),
    pytest.param(
        "name: x\nexport: {tflite: [int8], onnx: []}\n", ["no 'quantize' section"], id="int8-without-quantize"
    ),
    pytest.param("name: x\ndata: {source: npz}\n", ["data", "needs a 'path'"], id="npz-without-path"),
    pytest.param("seed: 3\n", ["<t>:1:1:", "name: required key is missing"], id="missing-name"),
    pytest.param("name: x\nversion: 2\n", ["version", "received 2", "Allowed: 1"], id="unknown-version"),
    pytest.param("name: x\nname: y\n", ["<t>:2:1:", "YAML error", "duplicate key"], id="duplicate-key"),
    pytest.param("name: x\ndata: [\n", ["YAML error"], id="yaml-syntax"),
    pytest.param("", ["<t>:1:1:", "recipe is empty"], id="empty"),
    pytest.param("- a\n- b\n", ["must be a mapping", "received CommentedSeq"], id="not-a-mapping"),
    pytest.param("name: 'bad name!'\n", ["name", "should match pattern"], id="bad-name"),
    pytest.param(
        "name: x\nverify: {max_drop: 1.5}\n", ["verify.max_drop", "less than or equal to 1"], id="drop-over-one"
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_recipe_is_rejected_with_location_and_reason(text, expected):
    with pytest.raises(RecipeError) as info:
        parse_recipe(text, source="<t>")
    assert info.value.exit_code == EXIT_USAGE
    for fragment in expected:
        assert fragment in str(info.value), f"{fragment!r} not in {info.value}"


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
        "data", "model", "train", "prune", "cluster", "quantize", "export", "verify", "bench", "report"
    ]  # fmt: skip
