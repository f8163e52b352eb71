"""The stage order, written once. Stages never import each other; this table is the only wiring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StageSpec:
    name: str
    module: str  # edgeopt.stages.<module>, imported only when the stage runs
    # What the stage is handed (ctx.config), from edgeopt.recipe.stage_configs; its key is made from it.
    config: Callable[[Any, Path], Any]
    # Upstream stages. "model" is the newest float model (cluster > prune > train > build); "start" is the one
    # before any compression (train > build), which verify measures every file against.
    needs: tuple[str, ...]
    cached: bool = True
    # An optional part (app bundles): its failure is recorded in the report and makes the run exit 4, but never
    # stops the stages after it or costs the verified, benchmarked files before it.
    optional: bool = False


def _view(name: str) -> Callable[[Any, Path], Any]:
    """The config function of a stage, edgeopt.recipe.stage_configs.<name>_config, imported when first called."""

    def config(recipe, recipe_dir: Path):
        from edgeopt.recipe import stage_configs

        return getattr(stage_configs, f"{name}_config")(recipe, recipe_dir)

    return config


STAGES: tuple[StageSpec, ...] = (
    StageSpec("data", "data", _view("data"), ()),
    StageSpec("build", "build", _view("build"), ("data",)),
    StageSpec("train", "train", _view("train"), ("data", "build")),
    StageSpec("prune", "prune", _view("prune"), ("data", "model")),
    StageSpec("cluster", "cluster", _view("cluster"), ("data", "model")),
    StageSpec("quantize", "quantize", _view("quantize"), ("data", "model")),
    StageSpec("export", "export", _view("export"), ("data", "model", "quantize")),
    StageSpec("verify", "verify", _view("verify"), ("data", "start", "prune", "cluster", "model", "export")),
    StageSpec("bench", "bench", _view("bench"), ("data", "export")),
    StageSpec("bundle", "bundle", _view("bundle"), ("data", "export", "verify", "bench"), optional=True),
    StageSpec(
        "report",
        "report",
        _view("report"),
        ("data", "build", "train", "prune", "cluster", "quantize", "export", "verify", "bench", "bundle"),
        cached=False,
    ),
)


def plan(recipe) -> list[StageSpec]:
    """The stages this recipe runs, in order. A missing optional section skips its stage."""
    skip = {
        "train": recipe.train is None,
        "prune": recipe.prune is None,
        "cluster": recipe.cluster is None,
        "quantize": recipe.quantize is None,
        "verify": recipe.verify is None,
        "bench": recipe.bench is None,
        "bundle": not recipe.export.bundle,
    }
    return [s for s in STAGES if not skip.get(s.name, False)]


def resolve_needs(spec: StageSpec, done: dict) -> dict:
    """Map a stage's declared needs to finished records; optional upstreams that were skipped are left out."""
    out = {}
    for need in spec.needs:
        # "model" is the newest float model: cluster, else prune, else train, else build; "start": train, else build
        chain = {"model": ("cluster", "prune", "train", "build"), "start": ("train", "build")}.get(need)
        name = next(n for n in chain if n in done) if chain else need
        if name in done:
            out[need] = done[name]
    return out
