"""One registry of model builders, keyed by function name (the timm `@register_model` convention).

The registry is a leaf: the family modules import it and register themselves, and edgeopt.models imports
the families (timm's layout). Builder modules import Keras inside the builder, so listing and validating names
stays TensorFlow-free.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

_BUILDERS: dict[str, Callable[..., Any]] = {}


def register_model(fn: Callable[..., Any]) -> Callable[..., Any]:
    name = fn.__name__
    if name in _BUILDERS:
        raise ValueError(f"model '{name}' is registered twice ({_BUILDERS[name].__module__} and {fn.__module__})")
    _BUILDERS[name] = fn
    return fn


def list_models(pattern: str = "*") -> list[str]:
    return sorted(n for n in _BUILDERS if fnmatch.fnmatch(n, pattern))


def get_builder(name: str) -> Callable[..., Any]:
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown model '{name}'. Received: {name!r}; known: {', '.join(sorted(_BUILDERS))}") from None


def create_model(name: str, **kwargs: Any):
    """Build a registered tf_keras model: `create_model("mobilenet_v2", width=0.5, num_classes=10)`."""
    return get_builder(name)(**kwargs)


def default_input_shape(name: str) -> tuple[int, ...]:
    """The builder's canonical input: its `input_shape` default ((224, 224, 3) for builders that forward
    **kwargs). Rank 3 is an image, 2 a sequence (steps, features), 4 a clip (frames, height, width, channels)."""
    import inspect

    params = inspect.signature(get_builder(name)).parameters
    return tuple(params["input_shape"].default) if "input_shape" in params else (224, 224, 3)


def input_shape_for(name: str, size: int, channels: int, frames: int = 8) -> tuple[int, ...]:
    """An input of `size` px in the builder's kind: (size, size, channels), (size, size * channels) as
    data.layout sequence reads images, or (frames, size, size, channels)."""
    rank = len(default_input_shape(name))
    return {3: (size, size, channels), 2: (size, size * channels), 4: (frames, size, size, channels)}[rank]
