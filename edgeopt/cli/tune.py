"""`edgeopt tune RECIPE --max-drop ... [--max-p90-ms] [--max-size-kb]`: search to a device budget."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from edgeopt.errors import EXIT_GATE_FAILED


@click.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--max-drop",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Top-1 lost at most, as a fraction, against the recipe's own float model.",
)
@click.option("--max-p90-ms", type=click.FloatRange(min=0, min_open=True), help="p90 latency at most (batch 1).")
@click.option("--max-size-kb", type=click.FloatRange(min=0, min_open=True), help="File size at most, KiB.")
@click.option(
    "--size-metric",
    type=click.Choice(["file", "gzip"]),
    default="file",
    show_default=True,
    help="gzip: the size an app store download or OTA update ships (pruning and clustering help there).",
)
@click.option("--target", help="Measure latency there: local (default), ssh://user@host, adb://serial.")
@click.option("--trials", type=click.IntRange(1, 1000), default=16, show_default=True, help="Trials at most.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds at most for this invocation (a running round is finished).",
)
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", default="auto", show_default=True, help="Ray: auto, or host:port.")
@click.option(
    "--batch",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Proposals per round (the same on every executor, so each walks the same path).",
)
@click.option(
    "--trial-cpus",
    type=click.IntRange(1, 256),
    help="TensorFlow threads and Ray CPUs per trial (default: every core locally, 1 on Ray).",
)
@click.option(
    "--retime",
    is_flag=True,
    help="Time every file again instead of reading this machine's latency store (EDGEOPT_LATENCY_STORE, default "
    "~/.cache/edgeopt/latency), where earlier tunes keep the timing of each file's bytes and bench settings.",
)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Default: runs/tune/<recipe name>.")
@click.option("--json", "as_json", is_flag=True, help="Print tune.json to stdout.")
def tune(
    recipe,
    max_drop,
    max_p90_ms,
    max_size_kb,
    size_metric,
    target,
    trials,
    time_limit,
    executor,
    address,
    batch,
    trial_cpus,
    retime,
    out,
    as_json,
) -> None:
    """Search what RECIPE leaves open (post-training vs QAT, pruning, clustering, width, resolution, formats and
    precisions, runtime settings, float islands) for the most accurate file within the budget, cheapest trials
    first. Writes DIR/tune.json, DIR/chosen.yaml (reproduces the chosen file with `edgeopt optimize`) and
    DIR/report.html. The same command again resumes: finished trials are never run twice. Exit 0 when a candidate
    meets the budget, 1 when none does (the closest miss is chosen and what it misses by is printed)."""
    from edgeopt.tune.budget import Budget
    from edgeopt.tune.output import summary, write_outputs
    from edgeopt.tune.search import Search, TuneSettings

    if out is None:
        from edgeopt.recipe import load_recipe

        out = Path("runs") / "tune" / load_recipe(recipe).name
    budget = Budget(max_drop, max_p90_ms, max_size_kb, size_metric)
    settings = TuneSettings(
        recipe,
        out,
        budget,
        trials,
        time_limit,
        executor,
        address,
        batch,
        trial_cpus=trial_cpus,
        target=target,
        retime=retime,
    )
    search = Search(settings)
    result = summary(search, search.run())
    write_outputs(search, result, Path(out))
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        _print(result, out)
    if not result["met"]:
        click.get_current_context().exit(EXIT_GATE_FAILED)


def _print(result: dict, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from edgeopt.tune.output import _miss_text

    table = Table(title=f"tune: {len(result['trials'])} trial(s), {result['trials_run_now']} run now -> {out}")
    for col in ("candidate", "moves", "top-1", "p90 ms", "KiB", "pareto", "verdict"):
        table.add_column(col)
    for c in sorted(result["candidates"], key=lambda c: (not c["pareto"], -c["top1"])):
        if not c["pareto"] and c["verdict"] not in ("chosen", "closest miss"):
            continue
        table.add_row(
            c["key"],
            " + ".join(c["moves"]) or "base",
            f"{c['top1']:.4f}",
            "-" if c["p90_ms"] is None else f"{c['p90_ms']:.3f}",
            f"{c['bytes'] / 1024:.1f}",
            "yes" if c["pareto"] else "",
            c["verdict"],
        )
    console = Console(file=sys.stdout, width=160)
    console.print(table)
    chosen = result["chosen"]
    if chosen is None:
        console.print("no candidate was measured")
    elif chosen["meets"]:
        console.print(f"PASS  chosen {chosen['key']}: {out}/chosen.yaml ({result['stopped']})")
    else:
        what = "; ".join(_miss_text(a, v) for a, v in chosen["misses"].items())
        console.print(
            f"FAIL  no candidate meets the budget; closest {chosen['key']} misses {what} ({result['stopped']})"
        )
