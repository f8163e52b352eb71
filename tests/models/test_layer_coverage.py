"""Each layer kind goes through int8 PTQ to both formats; the result must equal docs/layer_coverage.json and the
README table, so the documented coverage is always the measured one."""

from __future__ import annotations

import json

import pytest

from edgeopt.models.coverage import KINDS, measure
from tests.conftest import REPO

RECORDED = json.loads((REPO / "docs" / "layer_coverage.json").read_text())["kinds"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_int8_coverage_matches_the_recorded_table(kind):
    assert measure(kind) == RECORDED[kind], "re-run benchmarks/layer_coverage.py and update the README table"


def test_readme_table_is_the_recorded_table():
    rows = {}
    for line in (REPO / "README.md").read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in KINDS:
            rows[cells[0]] = {"tflite": cells[1], "onnx": cells[2]}
    assert rows == RECORDED
