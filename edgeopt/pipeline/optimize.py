"""`edgeopt optimize`: recipe file -> run directory with artifacts, report.json and report.md."""

from __future__ import annotations

import json
from pathlib import Path


def default_run_dir(recipe) -> Path:
    return Path("runs") / recipe.name


def optimize(recipe_path, run_dir=None, force: bool = False, trust_model: bool = False) -> dict:
    from edgeopt.pipeline.runner import run_pipeline
    from edgeopt.recipe import load_recipe

    recipe_path = Path(recipe_path)
    recipe = load_recipe(recipe_path)
    run_dir = Path(run_dir) if run_dir else default_run_dir(recipe)
    run_pipeline(recipe, recipe_path.parent, run_dir, force=force, trust_model=trust_model)
    report = json.loads((run_dir / "report.json").read_text())
    report["run_dir"] = str(run_dir)
    return report
