"""Sequences and clips made from the images (data.layout): what each sample holds, seeded, and the recipe rules."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.data.layouts import DIRECTIONS, to_layout


def _images(n=16, size=8, channels=2):
    return np.random.default_rng(0).random((n, size, size, channels), dtype=np.float32)


def test_a_sequence_is_the_image_read_row_by_row():
    x = _images()
    seq = to_layout(x, "sequence", 8, seed=0)
    assert seq.shape == (16, 8, 16)
    for r in range(8):
        np.testing.assert_array_equal(seq[3, r], x[3, r].reshape(-1))  # step r is row r, its pixels' channels


def test_a_clip_moves_the_image_one_pixel_per_frame_in_a_seeded_direction():
    x = _images(n=64)
    clip = to_layout(x, "clip", 5, seed=7)
    assert clip.shape == (64, 5, 8, 8, 2) and clip.dtype == np.float32
    np.testing.assert_array_equal(clip[:, 0], x)  # frame 0 is the image itself
    seen = set()
    for i in range(64):
        (dy, dx) = next(d for d in DIRECTIONS if np.array_equal(clip[i, 1], np.roll(x[i], d, axis=(0, 1))))
        seen.add((dy, dx))
        for t in range(5):
            np.testing.assert_array_equal(clip[i, t], np.roll(x[i], (t * dy, t * dx), axis=(0, 1)))
    assert len(seen) >= 6  # the directions vary across samples
    np.testing.assert_array_equal(to_layout(x, "clip", 5, seed=7), clip)  # the same seed, the same clips
    assert not np.array_equal(to_layout(x, "clip", 5, seed=8), clip)


def test_the_image_layout_is_the_images():
    x = _images()
    assert to_layout(x, "image", 8, seed=0) is x


def test_recipe_rules_for_layouts(tmp_path):
    from click.testing import CliRunner

    from edgeopt.cli import cli
    from tests.conftest import TINY_RECIPE

    def validate(text):
        (tmp_path / "r.yaml").write_text(text)
        return CliRunner().invoke(cli, ["validate", str(tmp_path / "r.yaml")])

    frames = TINY_RECIPE.replace("  channels: 1\n", "  channels: 1\n  frames: 4\n")
    result = validate(frames)
    assert result.exit_code == 2 and "'frames' applies to layout: clip" in result.stderr
    bundle = TINY_RECIPE.replace("  channels: 1\n", "  channels: 1\n  layout: sequence\n").replace(
        "  onnx: [float32, int8]\n", "  onnx: [float32, int8]\n  bundle: [android]\n"
    )
    result = validate(bundle)
    assert result.exit_code == 2 and "data.layout sequence has none" in result.stderr


def test_a_clip_dataset_too_big_for_memory_is_refused_before_reading():
    from edgeopt.data import memory_problem

    assert memory_problem(1797, 32, 1, "clip", 8) is None
    problem = memory_problem(10**6, 512, 3, "clip", 64)
    assert problem and "in 64-frame clips" in problem


@pytest.mark.slow
def test_a_sequence_recipe_runs_a_1d_model_end_to_end(tmp_path):
    """The tiny recipe on sequences: tcn1d trains, exports int8 to both formats and verifies."""
    import json

    from tests.conftest import TINY_RECIPE, optimize_tiny

    class Factory:  # optimize_tiny's tmp_path_factory, here a plain folder
        @staticmethod
        def mktemp(name):
            (tmp_path / name).mkdir()
            return tmp_path / name

    recipe = TINY_RECIPE.replace("  channels: 1\n", "  channels: 1\n  layout: sequence\n").replace(
        "  arch: tiny_cnn\n", "  arch: tcn1d\n"
    )
    run = optimize_tiny(Factory, "seq", recipe)
    report = json.loads((run / "report.json").read_text())
    assert report["data"]["input_shape"] == [16, 16]
    assert {a["name"] for a in report["artifacts"]} == {"tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"}
