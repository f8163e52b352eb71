"""Magnitude pruning with tfmot, applied to a clone so the float model's weights are never touched."""

from __future__ import annotations

from edgeopt._keras import keras
from edgeopt._tfmot import tfmot

PRUNABLE = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,  # includes SeparableConv2D and Conv2DTranspose; tfmot leaves depthwise kernels dense
    keras.layers.Dense,
)


def prune_wrap(
    model,
    target_sparsity: float = 0.5,
    begin_step: int = 0,
    frequency: int = 100,
    end_step: int | None = None,
    initial_sparsity: float = 0.0,
    schedule: str = "constant",
    m_by_n: tuple[int, int] | None = None,
    select=lambda layer: True,
):
    """A pruning-wrapped copy of `model`: selected layers with kernels get prune_low_magnitude.

    Only layers with kernels are wrapped, so weightless custom layers (HardSwish) need no pruning support.
    `model` keeps its own weights: tfmot wraps the layers it is given, so we hand it a clone.
    """
    sparsity = tfmot.sparsity.keras
    if schedule == "polynomial":
        plan = sparsity.PolynomialDecay(initial_sparsity, target_sparsity, begin_step, end_step, frequency=frequency)
    else:
        plan = sparsity.ConstantSparsity(target_sparsity, begin_step=begin_step, frequency=frequency)
    extra = {"sparsity_m_by_n": m_by_n} if m_by_n else {}

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())

    def wrap(layer):
        if isinstance(layer, PRUNABLE) and select(layer):
            return sparsity.prune_low_magnitude(layer, pruning_schedule=plan, **extra)
        return layer

    return keras.models.clone_model(copy, clone_function=wrap)


def strip(model):
    """Remove pruning wrappers (before export), keeping the pruned weights."""
    return tfmot.sparsity.keras.strip_pruning(model)


def pruning_callbacks() -> list:
    return [tfmot.sparsity.keras.UpdatePruningStep()]
