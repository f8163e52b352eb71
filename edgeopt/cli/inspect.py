"""`edgeopt inspect MODEL`: operators, dtypes, int8 share, float islands, I/O, metadata and sizes of a model file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from edgeopt.inspect.safety import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S


@click.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--timeout",
    type=click.FloatRange(1),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="Seconds the loading process may take.",
)
@click.option(
    "--memory-mb",
    type=click.IntRange(64),
    default=DEFAULT_MEMORY_MB,
    show_default=True,
    help="Address-space limit of the loading process.",
)
def inspect(model: Path, as_json: bool, timeout: float, memory_mb: int) -> None:
    """Describe MODEL (.tflite, .onnx, .ort, .keras) without running it. The file is checked first, then loaded in a
    separate process with time and memory limits. Exit 3 for an unreadable, crafted or crashing file."""
    from edgeopt.inspect.model_file import render_text
    from edgeopt.inspect.safety import precheck, python_cmd, run_limited

    precheck(model)
    proc = run_limited(python_cmd("edgeopt.inspect.sandbox", str(model)), str(model), timeout, memory_mb)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    for problem in info.get("code_on_load") or []:  # a .keras file's config, read but never deserialized
        logging.getLogger(__name__).warning(
            "%s: %s; loading it would run code, so edgeopt refuses it without --trust-model", model.name, problem
        )
    click.echo(json.dumps(info, indent=2) if as_json else render_text(info))
