"""edgeopt: build, train, quantize, export, verify and benchmark Keras vision models for edge devices.

The public API is small and imports nothing heavy until used.
"""

from __future__ import annotations

from edgeopt.errors import EdgeoptError
from edgeopt.models import create_model, list_models
from edgeopt.recipe import load_recipe
from edgeopt.version import __version__


def optimize(
    recipe_path, run_dir=None, force: bool = False, trust_model: bool = False, *, share_run_dir: bool = False
) -> dict:
    """Run a recipe file end to end; returns the report dict (see report.json). `share_run_dir`: let several
    recipes use one run directory so identical stages (same content hash) are computed once; the top-level
    report files then belong to the last recipe run."""
    from edgeopt.pipeline.optimize import optimize as _optimize

    return _optimize(recipe_path, run_dir=run_dir, force=force, trust_model=trust_model, share_run_dir=share_run_dir)


__all__ = ["EdgeoptError", "__version__", "create_model", "list_models", "load_recipe", "optimize"]
