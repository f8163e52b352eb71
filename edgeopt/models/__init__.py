"""Model builders (tf_keras), one module per family, all in one registry."""

# Importing a family module registers its builders; they are TF-free at import time. A new family is one line here.
from edgeopt.models import (  # noqa: F401
    alexnet,
    efficientnet,
    lenet,
    mobilenet_v1,
    mobilenet_v2,
    mobilenet_v3,
    resnet,
    tcn,
    tiny,
    video,
)
from edgeopt.models._registry import (
    create_model,
    default_input_shape,
    get_builder,
    input_shape_for,
    list_models,
    register_model,
)

__all__ = ["create_model", "default_input_shape", "get_builder", "input_shape_for", "list_models", "register_model"]
