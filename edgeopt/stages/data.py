"""Read and split the dataset once (images kept at their source size: data/images.py); later stages read the splits."""

from __future__ import annotations

from edgeopt.atomic import atomic_path
from edgeopt.data import load_dataset
from edgeopt.pipeline.context import StageContext, StageOutput


def run(ctx: StageContext) -> StageOutput:
    ds = load_dataset(ctx.config.data, seed=ctx.config.seed, base_dir=ctx.recipe_dir, lazy=True)
    with atomic_path(ctx.out("dataset.npz")) as tmp:
        ds.save(tmp)
    return StageOutput({"dataset": "dataset.npz"}, ds.summary())
