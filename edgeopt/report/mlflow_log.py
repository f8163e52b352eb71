"""Optional MLflow logging of a finished run (report: {mlflow: ...}): the resolved recipe as parameters, every
artifact's accuracy, size and latency as metrics, and the report files and exported models as artifacts."""

from __future__ import annotations

import logging
from pathlib import Path

from edgeopt.pipeline.run_dir import RunDir
from edgeopt.report.markdown import starting_top1

log = logging.getLogger(__name__)


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = "" if value is None else str(value)[:500]  # MLflow's parameter value limit is larger; keep tidy


def params_and_metrics(recipe, report: dict) -> tuple[dict[str, str], dict[str, float]]:
    """What MLflow receives: the recipe flattened to dotted parameters (report destinations left out), and every
    artifact's size, accuracy and latency as `<artifact>.<figure>` metrics."""
    params: dict[str, str] = {}
    _flatten("", recipe.model_dump(mode="json", exclude={"report"}), params)
    metrics: dict[str, float] = {}
    if report.get("verify"):
        metrics["start_top1"] = starting_top1(report["verify"])
        metrics["float_top1"] = report["verify"]["float_top1"]
    for a in report["artifacts"]:
        metrics[f"{a['name']}.bytes"] = a["bytes"]
        for key in ("top1", "top5", "drop", "agreement"):
            if a.get("accuracy", {}).get(key) is not None:
                metrics[f"{a['name']}.{key}"] = a["accuracy"][key]
        for key in ("p50_ms", "p90_ms", "speedup_vs_float32"):
            if (a.get("latency") or {}).get(key) is not None:
                metrics[f"{a['name']}.{key}"] = a["latency"][key]
    return params, metrics


def log_run(cfg, recipe, report: dict, run_dir: Path, export_dir: Path) -> str | None:
    """Log to MLflow; returns the MLflow run id. ToolchainError when the mlflow extra is not installed."""
    try:
        import mlflow
    except ImportError as exc:
        from edgeopt.doctor.stack import install_extra
        from edgeopt.errors import ToolchainError

        raise ToolchainError(
            f"report.mlflow is set but MLflow is not installed, so the run was not logged; install "
            f"it with: {install_extra('mlflow')}"
        ) from exc
    mlflow.set_tracking_uri(cfg.tracking_uri)
    if mlflow.get_experiment_by_name(cfg.experiment) is None:
        mlflow.create_experiment(cfg.experiment, artifact_location=cfg.artifact_location)
    mlflow.set_experiment(cfg.experiment)
    params, metrics = params_and_metrics(recipe, report)
    with mlflow.start_run(run_name=recipe.name) as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.set_tags({"edgeopt.passed": str(report["passed"]), "edgeopt.run_dir": str(run_dir)})
        for path in RunDir(run_dir).report_files:
            if path.is_file():
                mlflow.log_artifact(str(path))
        for a in report["artifacts"]:
            mlflow.log_artifact(str(export_dir / Path(a["file"]).name), artifact_path="models")
    log.info("report: logged to MLflow %s, experiment %s, run %s", cfg.tracking_uri, cfg.experiment, run.info.run_id)
    return run.info.run_id
