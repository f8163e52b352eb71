"""`edgeopt sweep SWEEP.yaml`: a grid of recipes, locally or on a Ray cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edgeopt.errors import EXIT_GATE_FAILED


@click.command()
@click.argument("sweep_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Default: runs/sweeps/<name>.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", default="auto", show_default=True, help="Ray: auto, or ray://host:port.")
@click.option("--workers", type=click.IntRange(1), help="Local: parallel trials (default: CPUs and memory allow).")
@click.option("--retry-failed", is_flag=True, help="Run trials that failed before again.")
def sweep(
    sweep_file: Path, out: Path | None, executor: str, address: str, workers: int | None, retry_failed: bool
) -> None:
    """Run every point of SWEEP_FILE's grid as its own run directory; finished trials are not run again. Writes
    results.csv, results.json and report.html. Exit 0 if every trial passed, 1 if any failed (each is reported)."""
    from rich.console import Console
    from rich.table import Table

    from edgeopt.sweep.run import run_sweep

    result = run_sweep(sweep_file, out, executor, address, workers, retry_failed)
    table = Table(title=f"sweep {result['sweep']} ({result['ran']} run now) -> {result['dir']}")
    for col in ("trial", "status", "seconds", "error"):
        table.add_column(col)
    for t in result["trials"]:
        table.add_row(t["id"], t["status"], str(t.get("seconds", "")), (t.get("error") or "")[:80])
    Console(file=sys.stdout, width=140).print(table)
    if any(t["status"] != "ok" for t in result["trials"]):
        click.get_current_context().exit(EXIT_GATE_FAILED)
