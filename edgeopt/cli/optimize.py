"""`edgeopt optimize RECIPE`."""

from __future__ import annotations

import json
import sys

import click

from edgeopt.errors import EXIT_GATE_FAILED, EXIT_TOOLCHAIN


@click.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=str))
@click.option("-o", "--run-dir", type=click.Path(file_okay=False), help="Run directory (default: runs/<recipe name>).")
@click.option("--force", is_flag=True, help="Run every stage again instead of reusing finished ones.")
@click.option(
    "--trust-model", is_flag=True, help="Load model files that may run code (Lambda layers, .h5, SavedModel)."
)
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout instead of the table.")
def optimize(recipe: str, run_dir: str | None, force: bool, trust_model: bool, as_json: bool) -> None:
    """Run RECIPE end to end and write a run directory. Exit 0 if every gate holds, 1 if one fails, 4 if an
    optional part (bundle, MLflow, a device target) failed: its files and reports are still written."""
    from edgeopt.pipeline.optimize import optimize as run

    report = run(recipe, run_dir=run_dir, force=force, trust_model=trust_model)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        print_summary(report)
    if report.get("failed_parts"):
        click.get_current_context().exit(EXIT_TOOLCHAIN)
    if not report["passed"]:
        click.get_current_context().exit(EXIT_GATE_FAILED)


def print_summary(report: dict) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from edgeopt.report.markdown import artifact_rows, headers, starting_top1

    console = Console(file=sys.stdout, width=max(100, Console().width))
    verify = report.get("verify")
    title = f"edgeopt: {report['recipe']}"
    if verify:
        stage = (verify.get("start") or {}).get("stage", "float Keras")
        title += (
            f" (starting model, {stage}: top-1 {starting_top1(verify):.4f} on {verify['samples']} {verify['split']}"
            " samples; drops are against it)"
        )
    table = Table(title=title)
    for h in headers(report):
        table.add_column(h, justify="left" if h == "artifact" else "right")
    for row in artifact_rows(report):
        table.add_row(*row)
    console.print(table)
    failed = [g for g in report["gates"] if not g["passed"]]
    for g in failed:
        console.print(
            f"[red]gate failed[/red]: {g['gate']} on {g['artifact']}: {g['value']:.4f} vs limit {g['limit']:.4f}"
            + (f" ({g['reason']})" if g.get("reason") else "")
        )
    for f in report.get("failed_parts", []):
        console.print(f"[red]failed[/red]: {f['part']}: {escape(f['error'])}", highlight=False)
    verdict = "[green]PASS[/green]" if report["passed"] and not report.get("failed_parts") else "[red]FAIL[/red]"
    console.print(f"{verdict}  report: {report['run_dir']}/report.md")
