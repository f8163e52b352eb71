"""`edgeopt check` through the CLI on the committed golden run records (tests/golden): baseline update, pass,
regression, improvement, missing entry, another ISA, JUnit XML and the markdown summary. Fast: no TensorFlow."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_GATE_FAILED
from tests.golden import copy_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return copy_run("tiny", tmp_path_factory.mktemp("gate") / "run")


def _variant(run_dir, tmp_path, change):
    """A copy of the run whose report.json was edited by `change(report)`."""
    out = tmp_path / "variant"
    out.mkdir()
    report = copy.deepcopy(json.loads((run_dir / "report.json").read_text()))
    change(report)
    (out / "report.json").write_text(json.dumps(report))
    return out


def _check(run, baseline, *extra):
    return CliRunner().invoke(cli, ["check", str(run), "--baseline", str(baseline), *extra])


def _set_top1(report, artifact, delta):
    a = next(a for a in report["artifacts"] if a["name"] == artifact)
    a["accuracy"]["top1"] += delta


def test_update_then_check_the_same_run_passes_and_writes_junit_and_markdown(run_dir, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    assert _check(run_dir, baseline, "--update-baseline").exit_code == 0
    assert "entries:" in baseline.read_text() and "tflite_int8" in baseline.read_text()
    junit, md = tmp_path / "junit.xml", tmp_path / "summary.md"
    result = _check(run_dir, baseline, "--junit", str(junit), "--md", str(md))
    assert result.exit_code == 0, result.output
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("failures")) == 0 and len(cases) >= 4 * 2  # every artifact: top1 and size at least
    assert {c.get("name") for c in cases} >= {"top1", "size", "latency_ratio"}
    assert "all checks pass" in md.read_text()


def test_a_regression_fails_with_exit_1_and_a_junit_failure(run_dir, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    _check(run_dir, baseline, "--update-baseline")
    worse = _variant(run_dir, tmp_path, lambda r: _set_top1(r, "tflite_int8", -0.05))
    junit = tmp_path / "junit.xml"
    result = _check(worse, baseline, "--junit", str(junit))
    assert result.exit_code == EXIT_GATE_FAILED
    assert "regression" in result.stdout and "tflite_int8" in result.stdout
    failures = ET.parse(junit).getroot().iter("failure")
    assert [f.get("type") for f in failures] == ["regression"]


def test_an_unexplained_improvement_is_flagged_unless_allowed(run_dir, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    _check(run_dir, baseline, "--update-baseline")
    better = _variant(run_dir, tmp_path, lambda r: _set_top1(r, "onnx_int8", +0.05))
    flagged = _check(better, baseline)
    assert flagged.exit_code == EXIT_GATE_FAILED and "improvement" in flagged.stdout
    assert _check(better, baseline, "--allow-improvement").exit_code == 0


def test_a_missing_entry_is_an_error_with_the_hint(run_dir, tmp_path):
    result = _check(run_dir, tmp_path / "empty.yaml")
    assert result.exit_code == EXIT_GATE_FAILED and "--update-baseline" in result.stdout


def test_another_isa_needs_its_own_entries(run_dir, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    _check(run_dir, baseline, "--update-baseline")

    def arm(report):
        report["bench"]["machine"]["isa"] = ["asimd", "asimddp"]

    other = _variant(run_dir, tmp_path, arm)
    result = _check(other, baseline)
    assert result.exit_code == EXIT_GATE_FAILED
    assert "the baseline has this artifact for ISA" in result.stdout
    assert _check(other, baseline, "--update-baseline").exit_code == 0
    assert _check(other, baseline).exit_code == 0 and _check(run_dir, baseline).exit_code == 0  # both kept


@pytest.mark.slow
def test_a_fresh_run_passes_against_its_own_baseline(tiny_run, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    assert _check(tiny_run.run_dir, baseline, "--update-baseline").exit_code == 0
    result = _check(tiny_run.run_dir, baseline)
    assert result.exit_code == 0, result.output
