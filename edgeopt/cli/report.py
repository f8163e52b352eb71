"""`edgeopt report RUN_DIR [OTHER_RUN]`: re-render report.md and report.html, or compare two runs."""

from __future__ import annotations

from pathlib import Path

import click


def _load(run_dir: Path) -> dict:
    from edgeopt.pipeline.run_dir import RunDir

    return RunDir(run_dir).read_report()


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("other", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--md", type=click.Path(dir_okay=False, path_type=Path), help="With two runs: also write the table here.")
def report(run_dir: Path, other: Path | None, md: Path | None) -> None:
    """With one run: regenerate its report.md and report.html from report.json. With two: print a comparison
    table (markdown). Exit 3 when a run has no report.json."""
    first = _load(run_dir)
    if other is None:
        from edgeopt.report.render import write_reports

        write_reports(first, run_dir)
        click.echo(f"wrote {run_dir / 'report.md'} and {run_dir / 'report.html'}")
        return
    from edgeopt.atomic import write_text
    from edgeopt.report.compare import compare_markdown

    text = compare_markdown(first, _load(other), str(run_dir), str(other))
    if md:
        write_text(md, text)
    click.echo(text, nl=False)
