"""Write report.md and report.html from a report dict (the report stage and `edgeopt report` share this)."""

from __future__ import annotations

from pathlib import Path

from edgeopt.atomic import write_text


def write_reports(report: dict, run_dir: Path) -> None:
    from edgeopt.pipeline.run_dir import RunDir
    from edgeopt.report.html import render_html
    from edgeopt.report.markdown import render_markdown

    write_text(RunDir(run_dir).report_md, render_markdown(report))
    write_text(RunDir(run_dir).report_html, render_html(report))
