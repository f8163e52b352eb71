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
    return StageOutput({}, {"passed": report["passed"]})
