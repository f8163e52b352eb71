"""Model builders (tf_keras), one module per family, all in one registry."""

from edgeopt.models._registry import create_model, get_builder, list_models, register_model

__all__ = ["create_model", "get_builder", "list_models", "register_model"]
