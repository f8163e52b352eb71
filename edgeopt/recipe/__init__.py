"""Recipe schema and loader (no TensorFlow here)."""

from edgeopt.recipe.load import load_recipe, parse_recipe
from edgeopt.recipe.schema import Recipe

__all__ = ["Recipe", "load_recipe", "parse_recipe"]
