"""edgeopt's version, written once (pyproject.toml reads it here); a leaf module, so anything may import it."""

__version__ = "0.1.0"
