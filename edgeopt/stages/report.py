"""Write report.json, report.md and report.html at the top of the run directory (always re-rendered, never cached)."""

from __future__ import annotations

from edgeopt.atomic import write_json
from edgeopt.pipeline.context import StageContext, StageOutput


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.report.build import build_report
    from edgeopt.report.render import write_reports

    report = build_report(ctx.recipe, {r.name: r for r in ctx.upstream.values()})
    write_json(ctx.run_dir / "report.json", report)
    write_reports(report, ctx.run_dir)
    result = {"passed": report["passed"]}
    if ctx.recipe.report.mlflow is not None:
        from edgeopt.report.mlflow_log import log_run

        result["mlflow_run_id"] = log_run(ctx.recipe.report.mlflow, ctx.recipe, report, ctx.run_dir,
                                          ctx.need("export").dir)  # fmt: skip
    return StageOutput({}, result)
