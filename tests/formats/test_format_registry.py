"""The format registry: every backend implements the whole contract, suffixes route to their backend, and each
device module stays standalone (a board runs it without edgeopt). Fast: nothing heavy is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from edgeopt import formats
from edgeopt.formats.base import Format

CONTRACT = [name for name, value in vars(Format).items() if callable(value) and not name.startswith("_")]


@pytest.mark.parametrize("name", list(formats.FORMATS))
def test_every_backend_implements_the_whole_contract(name):
    backend = formats.FORMATS[name]
    assert backend.name == name and backend.suffixes and backend.runtime and backend.color
    missing = [m for m in CONTRACT if getattr(type(backend), m) is getattr(Format, m)]
    assert not missing, f"{name} does not implement {missing}"
    assert len(backend.diagnosis_column) == 2 and backend.device_module.is_file()


def test_suffixes_route_to_their_backend_and_others_are_refused():
    assert formats.for_path(Path("a/m.TFLITE")).name == "tflite"
    assert formats.for_path(Path("m.onnx")).name == "onnx" and formats.for_path(Path("m.ort")).name == "onnx"
    with pytest.raises(ValueError, match=r"no format opens '\.pt'"):
        formats.for_path(Path("m.pt"))
    assert formats.suffixes() == [".tflite", ".onnx", ".ort"]


@pytest.mark.parametrize("name", list(formats.FORMATS))
def test_device_modules_import_nothing_from_edgeopt(name):
    tree = ast.parse(formats.FORMATS[name].device_module.read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.split(".")[0] == "edgeopt" for m in imported), imported


def test_the_export_section_lists_every_format():
    from edgeopt.recipe.schema import ExportConfig

    assert set(formats.FORMATS) <= set(ExportConfig.model_fields)
