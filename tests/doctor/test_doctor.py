"""`edgeopt doctor` on this machine: every route tried for real; exit 0 with everything present, 1 with an optional
part missing (named, with its fix), 4 with the core chain broken."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.doctor.checks import SETUP_ONLY
from edgeopt.doctor.needs import NEEDS

SHOWN_BY_DOCTOR = [name for name in NEEDS if name not in SETUP_ONLY]
pytestmark = pytest.mark.slow


def _doctor(*args: str):
    result = CliRunner().invoke(cli, ["doctor", *args])
    return result, (json.loads(result.stdout) if "--json" in args else None)


@pytest.mark.needs(*SHOWN_BY_DOCTOR)
def test_everything_present_is_exit_0_and_every_route_ran():
    result, report = _doctor("--json")
    assert result.exit_code == 0, result.output
    by_name = {c["name"]: c for c in report["checks"]}
    routes = [c for c in report["checks"] if c["kind"] == "core"]
    assert [c["name"] for c in routes] == [
        "route: tf_keras -> TFLite",
        "route: tf2onnx",
        "route: onnxruntime static int8",
        "route: Keras 3 rebuild",
        "route: Keras 3 SavedModel",
    ]
    assert all(c["status"] == "ok" and c["seconds"] > 0 for c in routes)
    assert by_name["tensorflow"]["detail"] == "2.21.0" and by_name["tflite-support"]["status"] == "ok"
    assert {"adb", "ssh", "sshd", "chromium", "MLflow (report.mlflow)", "Ray (sweep --executor ray)"} <= set(by_name)
    text, _ = _doctor()
    assert text.exit_code == 0 and "all ok (exit 0)" in text.stdout and "route: tf2onnx" in text.stdout


def test_a_missing_optional_part_is_exit_1_with_its_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as without the mlflow extra
    result, report = _doctor("--json")
    assert result.exit_code in (1,), result.output
    mlflow = next(c for c in report["checks"] if c["name"] == "MLflow (report.mlflow)")
    assert mlflow["status"] == "missing" and mlflow["fix"].endswith(
        "pip install mlflow-skinny==3.17.2 sqlalchemy==2.1.9 alembic==1.20.1"
    )
    assert all(c["status"] == "ok" for c in report["checks"] if c["kind"] == "core")
    text, _ = _doctor()
    assert text.exit_code == 1 and "core chain ok; optional parts missing" in text.stdout


def test_a_broken_route_is_exit_4(monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # the converter cannot be imported
    result, report = _doctor("--json")
    assert result.exit_code == 4, result.output
    status = {c["name"]: c["status"] for c in report["checks"]}
    assert status["route: tf2onnx"] == "failed" and status["route: tf_keras -> TFLite"] == "ok"
    assert status["route: onnxruntime static int8"] == "failed"  # it quantizes the tf2onnx file
