"""`edgeopt models`: the registered builders, and `edgeopt models show NAME` for one in detail."""

from __future__ import annotations

import json
import sys

import click


class _ModelsGroup(click.Group):
    """`edgeopt models [PATTERN]` lists; `edgeopt models show NAME` details one."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_ModelsGroup, invoke_without_command=True)
@click.pass_context
def models(ctx: click.Context) -> None:
    """List registered models (`edgeopt models [PATTERN]`) or show one (`edgeopt models show NAME`)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd)


@models.command("list")
@click.argument("pattern", default="*")
def list_cmd(pattern: str = "*") -> None:
    """List registered model names matching PATTERN (shell-style, e.g. 'mobilenet*')."""
    from edgeopt.models import get_builder, list_models

    names = list_models(pattern)
    width = max((len(n) for n in names), default=0) + 2
    for name in names:
        doc = (get_builder(name).__doc__ or "").strip().splitlines()[0]
        click.echo(f"{name:<{width}}{doc}")


@models.command("show")
@click.argument("name")
@click.option(
    "--size",
    type=click.IntRange(8, 4096),
    default=224,
    show_default=True,
    help="Input height and width (a sequence model: steps; a clip model: 8 frames of this size).",
)
@click.option("--channels", type=click.Choice(["1", "3"]), default="3", show_default=True)
@click.option("--classes", type=click.IntRange(2), default=1000, show_default=True, help="Number of classes.")
@click.option("--width", type=float, default=1.0, show_default=True, help="Width multiplier.")
@click.option("--small-input/--no-small-input", default=None, help="Force the small-input stem on or off.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(name, size, channels, classes, width, small_input, as_json) -> None:
    """Per-layer output shapes, parameters and multiply-accumulates of model NAME."""
    import difflib

    from edgeopt.errors import RecipeError
    from edgeopt.models import create_model, input_shape_for, list_models

    if name not in list_models():
        close = difflib.get_close_matches(name, list_models(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise RecipeError(f"unknown model '{name}'{hint} (see `edgeopt models`)")
    from edgeopt.models.profile import as_dicts, profile_model, totals

    try:
        shape = input_shape_for(name, size, int(channels))
        model = create_model(name, input_shape=shape, num_classes=classes, width=width, small_input=small_input)
    except ValueError as exc:
        raise RecipeError(str(exc)) from None
    rows = profile_model(model)
    total = totals(rows)
    trainable = int(sum(w.shape.num_elements() for w in model.trainable_weights))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "model": name,
                    "input_shape": list(shape),
                    "classes": classes,
                    "width": width,
                    "totals": {**total, "trainable_params": trainable},
                    "layers": as_dicts(rows),
                },
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{model.name}: input {'x'.join(map(str, shape))}, {classes} classes")
    for col in ("layer", "type", "output", "params", "MACs", "kernel / stride / pad / dilation -> size"):
        table.add_column(col, justify="right" if col in ("params", "MACs") else "left")
    for r in rows:
        shape = "x".join(str(d) for d in r.output_shape)
        table.add_row(r.name, r.kind, shape, f"{r.params:,}", f"{r.macs:,}", _arithmetic(r.geometry))
    console = Console(file=sys.stdout, width=max(150, Console().width))
    console.print(table)
    console.print(
        f"total: {total['params']:,} parameters ({trainable:,} trainable), "
        f"{total['macs'] / 1e6:,.1f}M multiply-accumulates, {total['layers']} layers"
    )
    console.print(
        "size per axis: floor((n + 2p - d(k - 1) - 1) / s) + 1, 2p the total padding ('same' may pad one more "
        "after); transposed: (n - 1)s - 2p + d(k - 1) + output_padding + 1"
    )


def _arithmetic(g: dict | None) -> str:
    """'3x3 / 2x2 / 0+1,0+1 / 1x1 -> 20x20' for a convolution or pooling layer; '' otherwise."""
    if not g:
        return ""

    def x(values):
        return "x".join(str(v) for v in values)

    pads = ",".join(f"{a}+{b}" for a, b in g["pad"])
    kind = "transposed: " if g["transposed"] else ""
    return f"{kind}{x(g['kernel'])} / {x(g['stride'])} / {pads} / {x(g['dilation'])} -> {x(g['output'])}"
