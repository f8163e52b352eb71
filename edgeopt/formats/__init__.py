"""The export formats, one backend each, in one registry (like the model registry). Outside this package nothing
dispatches on a format's name or file suffix: it asks the registry. A new format is a backend package, one line in
FORMATS, and its precision list in the recipe's export section (recipe/schema.py)."""

from __future__ import annotations

from pathlib import Path

from edgeopt.formats.base import ExportJob, Format
from edgeopt.formats.onnx import ONNX
from edgeopt.formats.tflite import TFLITE

FORMATS: dict[str, Format] = {f.name: f for f in (TFLITE, ONNX)}  # export order


def get(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format '{name}'; known: {', '.join(FORMATS)}") from None


def for_path(path: Path) -> Format:
    """The backend that opens `path`, by suffix; ValueError naming the suffixes edgeopt knows."""
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS.values():
        if suffix in fmt.suffixes:
            return fmt
    raise ValueError(f"{path}: no format opens '{suffix or 'a file without suffix'}'; expected {', '.join(suffixes())}")


def suffixes() -> list[str]:
    return [s for fmt in FORMATS.values() for s in fmt.suffixes]


__all__ = ["FORMATS", "ExportJob", "Format", "for_path", "get", "suffixes"]
