"""Write report.json and report.md at the top of the run directory (always re-rendered, never cached)."""

from __future__ import annotations

from edgeopt.atomic import write_json, write_text
from edgeopt.pipeline.context import StageContext, StageOutput


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.report.build import build_report
    from edgeopt.report.markdown import render_markdown

    report = build_report(ctx.recipe, {r.name: r for r in ctx.upstream.values()})
    write_json(ctx.run_dir / "report.json", report)
    write_text(ctx.run_dir / "report.md", render_markdown(report))
    return StageOutput({}, {"passed": report["passed"]})
