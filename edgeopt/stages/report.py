"""Write report.json, report.md and report.html at the top of the run directory (always re-rendered, never cached).
MLflow logging, when asked for, is an optional part: its failure is written into the reports, never loses them."""

from __future__ import annotations

import logging

from edgeopt.atomic import write_json
from edgeopt.pipeline.context import StageContext, StageOutput
from edgeopt.pipeline.run_dir import RunDir

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.report.build import build_report

    report = build_report(ctx.config, {r.name: r for r in ctx.upstream.values()}, ctx.failed_parts)
    _write(ctx, report)
    result = {"passed": report["passed"]}
    if ctx.config.report.mlflow is not None:
        from edgeopt.errors import EXIT_TOOLCHAIN
        from edgeopt.report.mlflow_log import log_run

        try:
            result["mlflow_run_id"] = log_run(
                ctx.config.report.mlflow, ctx.config, report, ctx.run_dir, ctx.need("export").dir
            )
        except Exception as exc:  # the reports are written; say in them that MLflow did not get the run
            error = str(exc) if hasattr(exc, "exit_code") else f"{type(exc).__name__}: {exc}"
            report["failed_parts"].append({"part": "report.mlflow", "error": error, "exit_code": EXIT_TOOLCHAIN})
            log.error("report: MLflow logging failed; report.json/md/html are written: %s", error)
            _write(ctx, report)
    result["failed_parts"] = report["failed_parts"]
    return StageOutput({}, result)


def _write(ctx: StageContext, report: dict) -> None:
    from edgeopt.report.render import write_reports

    write_json(RunDir(ctx.run_dir).report_json, report)
    write_reports(report, ctx.run_dir)
