"""The stage plan: which stages a recipe runs, and how declared needs resolve to finished records."""

from __future__ import annotations

from edgeopt.pipeline.plan import STAGES, plan, resolve_needs
from edgeopt.recipe import parse_recipe

BASE = "name: p\ndata: {image_size: 8, channels: 1}\nmodel: {arch: tiny_cnn}\n"


def _names(text):
    return [s.name for s in plan(parse_recipe(BASE + text))]


def test_missing_sections_skip_their_stages():
    assert _names("export: {tflite: [float32], onnx: []}\n") == ["data", "build", "export", "report"]
    full = _names(
        "train: {}\nprune: {epochs: 4, frequency: 1}\ncluster: {}\nquantize: {}\nverify: {}\nbench: {}\n"
        "export: {bundle: [android]}\n"
    )
    assert full == [s.name for s in STAGES]


def test_model_resolves_to_the_newest_float_model():
    spec = next(s for s in STAGES if s.name == "export")
    for done, expected in (
        ({"build"}, "build"),
        ({"build", "train"}, "train"),
        ({"build", "train", "prune"}, "prune"),
        ({"build", "prune", "cluster"}, "cluster"),
    ):
        records = {n: n for n in done | {"data", "quantize"}}
        assert resolve_needs(spec, records)["model"] == expected
    assert "quantize" not in resolve_needs(spec, {"data": "data", "build": "build"})  # skipped upstream left out


def test_verify_measures_against_the_model_before_any_compression():
    spec = next(s for s in STAGES if s.name == "verify")
    records = {n: n for n in ("data", "build", "train", "prune", "cluster", "export")}
    needs = resolve_needs(spec, records)
    assert (needs["start"], needs["model"], needs["prune"], needs["cluster"]) == (
        "train",
        "cluster",
        "prune",
        "cluster",
    )
    assert resolve_needs(spec, {"data": "data", "build": "build", "export": "export"})["start"] == "build"
