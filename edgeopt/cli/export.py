"""`edgeopt export RUN_DIR --bundle android`: app bundles from a finished run, without re-running it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgeopt.errors import InputRejected


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--bundle",
    "targets",
    multiple=True,
    required=True,
    type=click.Choice(["android", "ios", "generic"]),
    help="Target folder to build (repeatable).",
)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Default: RUN_DIR/bundles.")
def export(run_dir: Path, targets: tuple[str, ...], out: Path | None) -> None:
    """Build app bundles from RUN_DIR's exported and verified files; each bundled model is loaded back and must
    give the verified top-1. Exit 3 when the run lacks what a bundle needs."""
    from edgeopt.bundle.build import build_bundles
    from edgeopt.data.dataset import Dataset
    from edgeopt.pipeline.run_dir import RunDir
    from edgeopt.recipe.schema import Recipe
    from edgeopt.recipe.stage_configs import bundle_config
    from edgeopt.stages.bundle import source_from_records

    run = RunDir(run_dir)
    try:
        recipe = Recipe.model_validate(json.loads(run.recipe_json.read_text()))
    except (OSError, ValueError) as exc:
        raise InputRejected(f"{run_dir} is not a finished edgeopt run: {exc}") from exc
    data, export_rec, verify = (run.finished_stage(n) for n in ("data", "export", "verify"))
    if export_rec is None or verify is None:
        raise InputRejected(
            f"{run_dir}: bundles need the export and verify stages; this run has no "
            f"{'export' if export_rec is None else 'verify'} stage"
        )
    bench = run.finished_stage("bench")
    dataset = Dataset.load(data.path("dataset"))
    src = source_from_records(
        bundle_config(recipe), dataset, export_rec, verify.result, bench.result if bench else None
    )
    for b in build_bundles(src, list(targets), out or run_dir / "bundles"):
        click.echo(f"{b['target']}: {b['dir']} ({', '.join(sorted(b['files']))})")
