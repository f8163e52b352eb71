"""Sweep results from finished trials' report.json (the golden records): one row per artifact, the Pareto flag,
CSV / JSON / HTML written. Fast: no trial runs."""

from __future__ import annotations

import csv
import json

from edgeopt.sweep.results import collect, pareto, write_results
from tests import golden


def test_rows_per_artifact_and_trial_with_overrides_and_status(tmp_path):
    golden.copy_run("tiny", tmp_path / "t1")
    trials = [
        {"id": "t1", "status": "passed", "overrides": {"model.width": 0.5}},
        {"id": "t2", "status": "failed", "error": "boom", "overrides": {"model.width": 1.0}},  # no report
    ]
    rows = collect(trials, tmp_path)
    names = [a["name"] for a in golden.report("tiny")["artifacts"]]
    assert [r["artifact"] for r in rows if r["trial"] == "t1"] == names
    failed = [r for r in rows if r["trial"] == "t2"]
    assert len(failed) == 1 and failed[0]["artifact"] == "" and failed[0]["error"] == "boom"
    assert all(r["set:model.width"] == 0.5 for r in rows if r["trial"] == "t1")

    write_results(rows, tmp_path, "demo")
    with open(tmp_path / "results.csv") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(rows) and {"pareto", "set:model.width"} <= set(table[0])
    assert json.loads((tmp_path / "results.json").read_text())["sweep"] == "demo"
    assert "<table" in (tmp_path / "report.html").read_text()
    assert any(r["pareto"] for r in rows if r["artifact"])


def test_pareto_keeps_rows_no_other_row_beats_on_every_axis():
    rows = [
        {"artifact": "a", "top1": 0.9, "p50_ms": 1.0, "bytes": 100},
        {"artifact": "b", "top1": 0.8, "p50_ms": 2.0, "bytes": 200},  # dominated by a
        {"artifact": "c", "top1": 0.95, "p50_ms": 3.0, "bytes": 300},
    ]
    assert pareto(rows) == {0, 2}
