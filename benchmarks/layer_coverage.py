"""Measure int8 coverage per layer kind (TFLite full-integer, onnxruntime QDQ) and write docs/layer_coverage.json.

    .venv/bin/python benchmarks/layer_coverage.py

The README's layer-coverage table is this file's content; tests/models/test_layer_coverage.py re-measures.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from edgeopt.models.coverage import KINDS, measure
from edgeopt.runtime.environment import library_versions

OUT = Path(__file__).resolve().parents[1] / "docs" / "layer_coverage.json"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = {}
    for kind in KINDS:
        results[kind] = measure(kind)
        logging.info("%-22s tflite: %-30s onnx: %s", kind, results[kind]["tflite"], results[kind]["onnx"])
    OUT.write_text(json.dumps({"versions": library_versions(), "kinds": results}, indent=2) + "\n")
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
