"""Import rules that keep edgeopt light and untangled, checked on the source (fast: no import happens)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "edgeopt"
HEAVY = ("tensorflow", "tf_keras", "keras", "tensorflow_model_optimization")
IMPORT_POINTS = {"edgeopt._keras", "edgeopt._tfmot"}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        parts = f.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(f.read_text(), str(f))
    return out


MODULES = _modules()


def _imported(node: ast.AST, module: str) -> list[str]:
    """Absolute names an import statement pulls in; `from edgeopt.x import y` is edgeopt.x.y when y is a module."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    assert node.level == 0, f"{module}:{node.lineno}: edgeopt uses absolute imports only"
    base = node.module
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def test_only_the_import_points_import_tensorflow_keras_or_tfmot():
    offenders = []
    for module, tree in MODULES.items():
        if module in IMPORT_POINTS:
            continue
        for node in ast.walk(tree):  # lazy imports inside functions count too
            for name in _imported(node, module):
                if name.split(".")[0] in HEAVY:
                    offenders.append(f"{module}:{node.lineno} imports {name}")
    assert not offenders, "import these through edgeopt._keras / edgeopt._tfmot:\n" + "\n".join(offenders)


def test_no_import_circles():
    # Lazy imports inside functions count: a circle through them is still two modules that need each other.
    graph = {
        module: {name for node in ast.walk(tree) for name in _imported(node, module) if name in MODULES}
        for module, tree in MODULES.items()
    }
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None


def test_the_checks_see_a_circle_and_a_heavy_import():
    # The rules above must be able to fail: a cycle and a stray TensorFlow import are found when present.
    graph = {"a": {"b"}, "b": {"a"}}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
        raise AssertionError("cycle not detected")
    except graphlib.CycleError:
        pass
    stray = ast.parse("def f():\n    import tensorflow as tf\n")
    assert [n for node in ast.walk(stray) for n in _imported(node, "edgeopt.x")] == ["tensorflow"]
    sub = ast.parse("from edgeopt.recipe import schema, load_recipe\n")
    assert _imported(sub.body[0], "edgeopt.x") == ["edgeopt.recipe.schema", "edgeopt.recipe"]
