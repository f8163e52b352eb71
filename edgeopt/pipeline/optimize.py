"""`edgeopt optimize`: recipe file -> run directory with artifacts, report.json and report.md."""

from __future__ import annotations

import json
from pathlib import Path

from edgeopt.pipeline.run_dir import RunDir


def default_run_dir(recipe) -> Path:
    return Path("runs") / recipe.name


def optimize(
    recipe_path, run_dir=None, force: bool = False, trust_model: bool = False, share_run_dir: bool = False
) -> dict:
    from edgeopt.pipeline.runner import run_pipeline
    from edgeopt.recipe import load_recipe

    recipe_path = Path(recipe_path)
    recipe = load_recipe(recipe_path)
    run_dir = Path(run_dir) if run_dir else default_run_dir(recipe)
    if not force and not share_run_dir:
        _check_run_dir(run_dir, recipe.name)
    run_pipeline(recipe, recipe_path.parent, run_dir, force=force, trust_model=trust_model)
    report = RunDir(run_dir).read_report()
    report["run_dir"] = str(run_dir)
    return report


def _check_run_dir(run_dir: Path, name: str) -> None:
    """A run directory is reused only by the recipe that made it (its stages are then cached), never silently
    taken over by another recipe or written into a folder that is not an edgeopt run."""
    from edgeopt.errors import UsageError

    if not run_dir.exists():
        return
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} exists and is not a directory; choose another --run-dir")
    marker = RunDir(run_dir).recipe_json
    if marker.is_file():
        try:
            other = json.loads(marker.read_text()).get("name")
        except (OSError, ValueError):
            other = None
        if other != name:
            raise UsageError(
                f"{run_dir} holds the results of recipe '{other}', not '{name}'; choose another "
                "--run-dir, or pass --force to write this recipe's results there"
            )
    elif any(run_dir.iterdir()):
        raise UsageError(
            f"{run_dir} is not empty and is not an edgeopt run directory; choose another --run-dir, or pass --force"
        )
