"""Property-based: mutated valid recipes either load or raise RecipeError (exit 2), never anything else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeopt.errors import RecipeError
from edgeopt.recipe import parse_recipe
from tests.conftest import REPO, TINY_RECIPE

SEEDS = [TINY_RECIPE, (REPO / "recipes" / "quickstart.yaml").read_text()]
WEIRD = [
    "",
    " ",
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "&a",
    "*a",
    "!!python/object:os.system",
    "\t",
    "'",
    '"',
    "#",
    "\x00",
    "é",
    "1e999",
    "-1",
    "0",
    "null",
    "~",
    "yes",
    "NaN",
    ".inf",
    "[1, 2]",
    "{a: 1}",
    "' '",
    "---",
    "...",
]


@st.composite
def mutated(draw) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "value", "key", "insert", "truncate", "indent"]))
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {draw(st.one_of(st.sampled_from(WEIRD), st.text(max_size=12)))}"
        elif op == "key" and ":" in line:
            key, rest = line.split(":", 1)
            lines[i] = f"{key.rstrip()[:-1] or 'x'}{draw(st.sampled_from(['', 'e', '_', 'X']))}:{rest}"
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=30)))
        elif op == "truncate":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 6)) + line.lstrip()
        if not lines:
            break
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated())
def test_mutated_recipes_never_raise_anything_but_a_recipe_error(text):
    try:
        parse_recipe(text, source="<fuzz>")
    except RecipeError as exc:
        assert str(exc).startswith("<fuzz>") or "problems in the recipe" in str(exc), str(exc)
