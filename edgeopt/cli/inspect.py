"""`edgeopt inspect MODEL`: operators, dtypes, int8 share, float islands, I/O, metadata and sizes of a model file."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def inspect(model: Path, as_json: bool) -> None:
    """Describe MODEL (.tflite, .onnx, .ort, .keras) without running it. Exit 3 for an unreadable file."""
    from edgeopt.inspect.model_file import inspect_file, render_text

    info = inspect_file(model)
    click.echo(json.dumps(info, indent=2, default=str) if as_json else render_text(info))
