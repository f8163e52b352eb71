"""report: {mlflow: ...} logs to a real local MLflow store (a SQLite file); without MLflow nothing changes."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from tests.conftest import TINY_RECIPE

pytestmark = pytest.mark.slow


def _recipe(tmp_path) -> str:
    return TINY_RECIPE + (
        f"report:\n  mlflow:\n    tracking_uri: sqlite:///{tmp_path}/mlflow.db\n    experiment: edge-tests\n"
        f"    artifact_location: {tmp_path}/artifacts\n"
    )


def test_parameters_metrics_and_artifacts_reach_the_mlflow_store(tmp_path):
    from mlflow.tracking import MlflowClient

    (tmp_path / "r.yaml").write_text(_recipe(tmp_path))
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    experiment = client.get_experiment_by_name("edge-tests")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "tiny" and run.data.tags["edgeopt.passed"] == "True"
    assert run.data.params["model.arch"] == "tiny_cnn" and run.data.params["train.epochs"] == "3"
    int8 = next(a for a in report["artifacts"] if a["name"] == "tflite_int8")
    assert run.data.metrics["tflite_int8.top1"] == pytest.approx(int8["accuracy"]["top1"])
    assert run.data.metrics["tflite_int8.p50_ms"] == pytest.approx(int8["latency"]["p50_ms"])
    top = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.json", "report.md", "report.html", "models"} <= top
    models = {a.path for a in client.list_artifacts(run.info.run_id, "models")}
    assert "models/model_int8.tflite" in models
    assert (tmp_path / "artifacts").is_dir()  # the experiment's artifact location from the recipe


def test_without_mlflow_installed_the_reports_are_written_and_the_run_exits_4(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow -> ImportError, as without the extra
    (tmp_path / "r.yaml").write_text(_recipe(tmp_path))
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == 4, result.output
    assert (tmp_path / "run" / "report.html").is_file() and not (tmp_path / "mlflow.db").exists()
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert [f["part"] for f in report["failed_parts"]] == ["report.mlflow"]
    assert f"{sys.executable} -m pip install mlflow-skinny==3.17.2" in report["failed_parts"][0]["error"]
    assert "## Failed parts" in (tmp_path / "run" / "report.md").read_text()
    assert "failed: report.mlflow: report.mlflow is set but MLflow is not installed" in " ".join(result.stdout.split())
