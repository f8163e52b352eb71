"""Load, resize and split the dataset once; later stages read the saved splits."""

from __future__ import annotations

from edgeopt.atomic import atomic_path
from edgeopt.data import load_dataset
from edgeopt.pipeline.context import StageContext, StageOutput


def run(ctx: StageContext) -> StageOutput:
    ds = load_dataset(ctx.config.data, seed=ctx.config.seed, base_dir=ctx.recipe_dir)
    with atomic_path(ctx.out("dataset.npz")) as tmp:
        ds.save(tmp)
    return StageOutput({"dataset": "dataset.npz"}, ds.summary())
