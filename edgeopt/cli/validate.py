"""`edgeopt validate` and `edgeopt schema`: recipe checks that never import TensorFlow."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the resolved recipe (defaults filled in) as JSON.")
def validate(recipe: str, as_json: bool) -> None:
    """Check RECIPE: YAML syntax, keys, types, ranges and combinations. Exit 0 if valid, 2 if not."""
    from edgeopt.pipeline.plan import plan
    from edgeopt.recipe import load_recipe

    r = load_recipe(recipe)
    if as_json:
        click.echo(json.dumps(r.model_dump(mode="json"), indent=2))
    else:
        stages = " -> ".join(s.name for s in plan(r))
        click.echo(f"{recipe}: valid recipe '{r.name}'; stages: {stages}")


@click.command()
def schema() -> None:
    """Print the JSON Schema of recipes."""
    from edgeopt.recipe.schema import Recipe

    click.echo(json.dumps(Recipe.model_json_schema(), indent=2))
