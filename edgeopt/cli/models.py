"""`edgeopt models`: the registered builders."""

from __future__ import annotations

import click


@click.command()
@click.argument("pattern", default="*")
def models(pattern: str) -> None:
    """List registered model names matching PATTERN (shell-style, e.g. 'mobilenet*')."""
    from edgeopt.models import get_builder, list_models

    for name in list_models(pattern):
        doc = (get_builder(name).__doc__ or "").strip().splitlines()[0]
        click.echo(f"{name:<20} {doc}")
