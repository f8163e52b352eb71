"""`edgeopt bench MODEL [MODEL ...]`: latency of exported files, each measured in its own subprocess."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from edgeopt.cli.target_options import parse, target_options
from edgeopt.recipe.schema import BenchConfig

# One declaration of the bench knobs: the recipe's defaults are the CLI's.
_DEFAULT = {name: field.default for name, field in BenchConfig.model_fields.items()}


def _threads(value: str) -> list[int]:
    try:
        out = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected a comma-separated list of thread counts; received {value!r}") from None
    if not out or min(out) < 1:
        raise click.BadParameter(f"thread counts must be >= 1; received {value!r}")
    return out


@click.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--threads", default="1", show_default=True, help="Thread counts to sweep, e.g. 1,2,4.")
@click.option(
    "--rounds",
    type=click.IntRange(1, 100),
    default=_DEFAULT["rounds"],
    show_default=True,
    help="Rounds; each round measures every model once, so machine drift hits all alike.",
)
@click.option("--warmup", type=click.IntRange(0), default=_DEFAULT["warmup"], show_default=True)
@click.option("--min-runs", type=click.IntRange(1), default=_DEFAULT["runs"], show_default=True)
@click.option("--min-seconds", type=click.FloatRange(0), default=_DEFAULT["min_seconds"], show_default=True)
@click.option(
    "--xnnpack/--no-xnnpack", default=_DEFAULT["xnnpack"], show_default=True, help="TFLite with or without XNNPACK."
)
@click.option(
    "--amx/--no-amx",
    default=_DEFAULT["amx"],
    show_default=True,
    help="x86 with AMX: --no-amx measures as a CPU without it (ARM boards, client x86): the recipe's bench.amx.",
)
@click.option(
    "--ort-opt",
    type=click.Choice(["disable", "basic", "extended", "all"]),
    default=_DEFAULT["ort_opt"],
    show_default=True,
    help="onnxruntime graph optimization level.",
)
@click.option("--timeout", type=click.FloatRange(1), default=600, show_default=True, help="Seconds per measurement.")
@click.option(
    "--memory-mb",
    type=click.IntRange(64),
    default=4096,
    show_default=True,
    help="Address-space limit of each measuring process (a lower limit already in force, such as ulimit -v, wins).",
)
@target_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the table.")
def bench(
    models,
    threads,
    rounds,
    warmup,
    min_runs,
    min_seconds,
    xnnpack,
    amx,
    ort_opt,
    timeout,
    memory_mb,
    device,
    output,
    as_json,
):
    """Measure batch-1 latency of MODELS (.tflite / .onnx). Ratios are to the first model, per thread count; each
    quantized file is also set against the float file of its format, and explained when it is slower."""
    from edgeopt.inspect.safety import precheck
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    for model in models:  # users' files: refuse a corrupt or crafted one before any runtime loads it
        precheck(model)
    settings = MeasureSettings(warmup, min_runs, min_seconds, xnnpack, ort_opt, amx)
    result = run_bench(
        list(models),
        _threads(threads),
        rounds,
        settings,
        parse(device, timeout=timeout, untrusted=True, memory_mb=memory_mb),
    )
    from edgeopt.runtime.pairs import pair_results

    # Explanations profile the files here: only for measurements made here
    result["pairs"] = pair_results(result, explain=result["target"] == "local")
    text = json.dumps(result, indent=2)
    if output:
        from edgeopt.atomic import write_text

        write_text(output, text + "\n")
    if as_json:
        click.echo(text)
        return
    from rich.console import Console
    from rich.table import Table

    m = result["machine"]
    emulated = f", emulated {m['emulated_cpu']}: not latency" if m.get("emulated") else ""
    table = Table(
        title=f"edgeopt bench on {result['target']} ({m['cpu']}, {m['arch']}, {', '.join(m['isa'])}{emulated}): "
        f"{rounds} interleaved round(s), batch 1"
    )
    for col in (
        "model",
        "threads",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "cv",
        "load ms",
        "first ms",
        "RSS MB",
        "vs first",
        "harness",
    ):
        table.add_column(col, justify="left" if col == "model" else "right")

    def f(value, digits):
        return "-" if value is None else f"{value:.{digits}f}"

    for r in result["results"]:
        table.add_row(
            Path(r["model"]).name,
            str(r["threads"]),
            f(r["p50_ms"], 3),
            f(r["p90_ms"], 3),
            f(r["p99_ms"], 3),
            f(r["cv"], 2) + (" noisy" if r["noisy"] else ""),
            f(r["load_ms"], 1),
            f(r["first_inference_ms"], 2),
            f(r["peak_rss_mb"], 0),
            f"{r['ratio_to_first']:.2f}x",
            f(r["fidelity_ratio"], 3),
        )
    Console(file=sys.stdout, width=max(140, Console().width)).print(table)
    click.echo("'vs first': first model's p50 / this p50 (same threads). 'harness': p50 / bare invoke()/run() p50.")
    for p in result["pairs"]:
        verdict = "faster" if p["ratio"] < 1 else "SLOWER"
        click.echo(
            f"{p['format']}: {Path(p['quantized']).name} takes {p['ratio']:.2f}x the {p['ratio_of'][:-3]} of "
            f"{Path(p['float']).name} ({p['threads']} thread(s)): {verdict} than float"
        )
        for reason in p.get("slower_than_float", {}).get("reasons", []):
            click.echo(f"  why: {reason}")
